/**
 * The database is out of reach for now (PostgreSQL lost mid-run: a refused
 * or dropped connection, a server shutting down or starting up, a pool
 * that cannot connect in time), as opposed to a statement it refused. Such
 * a failure is temporary and not the client's fault: REST answers 503 with
 * a JSON `detail`, GraphQL an error with `code: "SERVICE_UNAVAILABLE"`, and
 * the writers that keep state in memory retry (storage-health.ts).
 */

/** What the clients are told; the cause goes to the server's log only. */
export const DATABASE_UNAVAILABLE_MESSAGE = 'the database does not answer; try again shortly';

/**
 * Node's errno names, PostgreSQL's SQLSTATEs (57P01-57P03 shutting down or
 * starting, 08xxx connection failures, 53300 too many connections) and
 * Prisma's codes (P1001 cannot reach, P1002 timed out, P1017 the server
 * closed the connection, P2024 no pool connection in time).
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
  'P1001',
  'P1002',
  'P1017',
  'P2024',
]);

/** The kinds @prisma/adapter-pg gives lost connections (DriverAdapterError's cause). */
const UNAVAILABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

/** `pg`'s and Prisma's messages for a connection that is gone (they come without a code). */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|Connection closed|connection is closed|Can't reach database server|Server has closed the connection|timeout exceeded when trying to connect|did not answer within/i;

/** Whether `error`, or an error it was caused by, says the database cannot be reached right now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; typeof current === 'object' && current !== null && !seen.has(current);) {
    seen.add(current);
    const { code, kind, message, cause } = current as { code?: unknown; kind?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (typeof kind === 'string' && UNAVAILABLE_KINDS.has(kind)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
    current = cause;
  }
  return false;
}

/** How long a health check waits for the database before it calls it out of reach. */
const PROBE_TIMEOUT_MS = 5000;

/**
 * null when the database answers a trivial query within a few seconds; else
 * why not, in words safe for an unauthenticated health check (`/healthz`
 * while PostgreSQL is lost, even when no write is waiting).
 */
export async function probeDatabase(query: () => Promise<unknown>): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), PROBE_TIMEOUT_MS)));
  try {
    const answer = await Promise.race([query().then(() => 'ok' as const), timeout]);
    return answer === 'ok' ? null : 'the database does not answer';
  } catch (error) {
    return isDatabaseUnavailable(error) ? 'the database does not answer' : 'the database refuses a trivial query';
  } finally {
    clearTimeout(timer);
  }
}
