import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../auth/principal.js';
import type { AuthFailureLimiter } from './auth/failure-limiter.js';
import { credentialOf } from './auth/credentials.js';
import { authenticateBearer, tooManyFailures } from './auth/hook.js';
import type { ApiTokenService } from '../auth/tokens.js';
import type { Yoga } from './graphql.js';
import { describeErrorForLog } from './log-safety.js';
import { MAX_REQUEST_BYTES } from './request-size.js';
import { stallCheckIntervalMs } from './stalled-clients.js';

/**
 * Unsent bytes a WebSocket may have queued in the server. Each operation
 * waits for its previous message to be written, so only several operations
 * with large results at once (a `logs(limit: 10000)` page in each state) get
 * here: such a connection is closed rather than left to hold them.
 */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** Terminates `socket` as soon as a message leaves more than MAX_BUFFERED_BYTES unsent in the server (ws has no event for it). */
function capBufferedAmount(socket: WebSocket): void {
  const send = socket.send.bind(socket) as (...args: unknown[]) => void;
  socket.send = function (...args: unknown[]) {
    send(...args);
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) socket.terminate();
  } as WebSocket['send'];
}

/** What this file uses of yoga's enveloped execution (yoga types it loosely). */
type Enveloped = {
  schema: GraphQLSchema;
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
  contextFactory: () => Promise<unknown>;
  parse: (source: string) => DocumentNode;
  validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
};

type EnvelopedRoot = { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };
type Extra = { socket: WebSocket; request: IncomingMessage; auth?: Principal };

/**
 * graphql-ws on the same port and path as HTTP GraphQL, executing through
 * yoga's envelop (same schema, context and error masking), as in yoga's
 * `examples/graphql-ws`. A connection needs an API token in
 * `connectionParams.authorization` ("Bearer <token>"; or Borg UI's
 * `x-borg-authorization`, either key in any case; the upgrade request's
 * headers also work for non-browser clients): without one
 * `onConnect` refuses and graphql-ws closes with 4403 Forbidden. Revoking
 * the token later closes the connection with 4403 as well. An address
 * limited for failed authentications (`limiter`) is closed with 4429.
 * A message over MAX_REQUEST_BYTES closes the socket (1009) unread, before
 * authentication as after.
 *
 * A client that stopped reading is closed: graphql-ws pings every half
 * `stalledClientTimeoutSeconds` and terminates a socket whose pong has not
 * come by the next ping (a ping queued behind unread data is not answered).
 * Until then it costs little: graphql-ws sends an operation's next event
 * only after the previous one was written, so what waits is one message per
 * operation (at most MAX_BUFFERED_BYTES in all) plus each subscription's own
 * bounded backlog.
 */
export function attachGraphQLWebSocket(
  server: Server,
  yoga: Yoga,
  tokens: ApiTokenService,
  limiter: AuthFailureLimiter,
  options: { stalledClientTimeoutSeconds: number },
): { close: () => Promise<void> } {
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: MAX_REQUEST_BYTES });
  const disposable = useServer<Record<string, unknown> | undefined, Extra>(
    {
      // close reasons never carry an error's message (NODE_ENV is not always "production" where this runs)
      isProd: true,
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onConnect: async (ctx) => {
        const header = credentialOf(ctx.connectionParams) ?? credentialOf(ctx.extra.request.headers);
        let outcome;
        try {
          outcome = await authenticateBearer(tokens, limiter, header, ctx.extra.request.socket.remoteAddress);
        } catch (error) {
          // graphql-ws prints what onConnect throws to stderr: a Prisma error only by its class and code
          throw new Error(`authentication failed: ${describeErrorForLog(error)}`);
        }
        if (outcome.status === 'limited') {
          // graphql-ws's own refusal (4403 after `false`) then finds the socket closing and sends nothing
          ctx.extra.socket.close(4429, tooManyFailures(outcome.retryAfterSeconds).message);
          return false;
        }
        if (outcome.status !== 'authenticated') return false;
        const principal = outcome.principal;
        // a revocation closes the connection and with it every running subscription
        const socket = ctx.extra.socket;
        const release = tokens.holdSession(principal.tokenId, () => socket.close(4403, 'Forbidden: token revoked'));
        socket.once('close', release);
        capBufferedAmount(socket);
        ctx.extra.auth = principal;
        return true;
      },
      onSubscribe: async (ctx, _id, params) => {
        const auth = ctx.extra.auth;
        // the revocation closes the socket a turn later; an operation arriving meanwhile is refused here
        if (!auth || !tokens.isActive(auth)) {
          return [new GraphQLError('invalid or revoked token', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          auth,
          socket: ctx.extra.socket,
          params,
        }) as Enveloped;
        let document;
        try {
          document = parse(params.query);
        } catch (error) {
          // a syntax error is the client's: report it on this operation, keep the socket
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const args: ExecutionArgs = {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wss,
    stallCheckIntervalMs(options.stalledClientTimeoutSeconds),
  );
  // a client's protocol error (a message over maxPayload, a malformed frame) is the client's: ws closes
  // that socket with the fitting code (1009, 1002…); graphql-ws's own listener, attached just before
  // this one, would print each to stderr, which any client could flood
  wss.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', () => undefined);
  });
  return {
    close: async () => {
      await disposable.dispose();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
