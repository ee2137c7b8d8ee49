/**
 * What the server's log may say about an error. Prisma quotes a failed
 * call's arguments in its messages (a passphrase or a token name among
 * them) and the database's own message, values included, in `meta`; so a
 * Prisma error is logged by its class and code only, wherever it surfaces:
 * thrown by a resolver (then wrapped in a GraphQLError), passed to a warn
 * callback, or reaching Fastify's error handling.
 */

const WITHHELD = '(message withheld: it may quote arguments)';
/** The start of every Prisma client error message; what follows can quote the call. */
const PRISMA_INVOCATION = /Invalid `prisma\.[\w$]+\.[\w$]+\(\)` invocation[\s\S]*/;

type Wrapped = { originalError?: unknown; cause?: unknown };

/** The Prisma client error an error is or wraps (GraphQLError.originalError, Error.cause), or null. */
export function prismaErrorIn(error: unknown): Error | null {
  let current: unknown = error;
  // bounded: a cause chain can be cyclic
  for (let hops = 0; hops < 8 && current instanceof Error; hops++) {
    if (current.name.startsWith('PrismaClient')) return current;
    const wrapped = current as Wrapped;
    current = wrapped.originalError ?? wrapped.cause;
  }
  return null;
}

/** Cuts a Prisma invocation report out of free text (a message that embedded one). */
export function scrubPrismaText(text: string): string {
  return text.replace(PRISMA_INVOCATION, `Invalid \`prisma\` invocation ${WITHHELD}`);
}

function codeOf(error: Error): string | number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number' ? code : undefined;
}

/** One line (or a stack) describing an error for the log. */
export function describeErrorForLog(value: unknown): string {
  const prisma = prismaErrorIn(value);
  if (prisma) {
    const code = codeOf(prisma);
    return `${prisma.name}${code === undefined ? '' : ` ${code}`} ${WITHHELD}`;
  }
  return scrubPrismaText(value instanceof Error ? (value.stack ?? String(value)) : String(value));
}

/**
 * pino's `err` serializer: type, message, stack and code, never the other
 * properties (Prisma's `meta` holds the database's message), and for a
 * Prisma error not even the message.
 */
export function serializeErrorForLog(value: unknown): { type: string; message: string; stack: string; [key: string]: unknown } {
  if (!(value instanceof Error)) return { type: typeof value, message: scrubPrismaText(String(value)), stack: '' };
  const code = codeOf(value);
  const statusCode = (value as { statusCode?: unknown }).statusCode;
  const base = { type: value.name, ...(code === undefined ? {} : { code }), ...(typeof statusCode === 'number' ? { statusCode } : {}) };
  if (prismaErrorIn(value)) return { ...base, message: describeErrorForLog(value), stack: '' };
  return { ...base, message: scrubPrismaText(value.message), stack: scrubPrismaText(value.stack ?? '') };
}

/** A pino `logMethod` hook: strings logged as messages lose any Prisma invocation report they embed. */
export function scrubLogArguments<A extends unknown[]>(this: unknown, args: A, method: (...args: A) => void): void {
  method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrubPrismaText(arg) : arg)) as A);
}
