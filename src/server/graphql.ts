import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError } from 'graphql';
import { createYoga, maskError as defaultMaskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { JobNotCancellableError, NodeUnreachableError, NotFoundError, RepositoryBorgError, ValidationError } from '../domain/errors.js';
import { SlowConsumerError } from '../events/pubsub.js';
import { AuthError } from '../schema/auth-scopes.js';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../db/unavailable.js';
import type { Principal } from '../auth/principal.js';
import type { Context } from '../schema/context.js';
import { schema } from '../schema/index.js';
import type { Services } from '../services.js';
import { GRAPHQL_ENDPOINT } from './error-replies.js';
import { describeErrorForLog } from './log-safety.js';
import { LruMap } from './lru-map.js';
import { WALKTHROUGH_OPERATIONS } from './graphiql-tabs.js';
import { graphiqlPageRenderer } from './graphiql-page.js';
import { useQueryLimits } from './query-limits.js';
import { useSharedEventExecution } from './shared-events.js';
import { useMalformedParamsAsBadRequest } from './yoga-params.js';

/**
 * What the transports hand yoga: the incoming request (a FastifyRequest, or
 * the WebSocket upgrade request) and who sent it. `auth` set explicitly wins
 * (graphql-ws, the REST shims); else the Fastify auth hook's `req.auth`.
 */
export interface ServerContext {
  req?: { headers: IncomingHttpHeaders; auth?: Principal | null };
  auth?: Principal | null;
}

export type Yoga = YogaServerInstance<ServerContext, Context>;

/** GraphQL error codes of the domain's expected failures outside result unions. */
function codeOf(error: unknown): string | null {
  if (error instanceof ValidationError) return 'BAD_USER_INPUT';
  if (error instanceof NotFoundError) return 'NOT_FOUND';
  if (error instanceof JobNotCancellableError) return 'JOB_NOT_CANCELLABLE';
  if (error instanceof RepositoryBorgError) return 'BORG_ERROR';
  if (error instanceof NodeUnreachableError) return 'NODE_UNREACHABLE';
  if (error instanceof AuthError) return error.code;
  if (error instanceof SlowConsumerError) return 'SLOW_CONSUMER';
  return null;
}

/**
 * Expected failures keep their message and get a code (a subscription to an
 * unknown job, a page size over the cap, a role too weak, a subscriber too
 * slow), a database out of reach is SERVICE_UNAVAILABLE; anything else is
 * masked, so internals never leak.
 */
function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  const code = codeOf(original);
  if (code && original instanceof Error) {
    const located = error instanceof GraphQLError ? error : undefined;
    return new GraphQLError(original.message, {
      nodes: located?.nodes,
      path: located?.path,
      extensions: {
        code,
        ...(original instanceof ValidationError && original.field ? { field: original.field } : {}),
        ...(original instanceof SlowConsumerError && original.resumeOffset !== undefined ? { resumeOffset: original.resumeOffset } : {}),
        // GraphQL over HTTP lets a request error that is an authentication failure answer 401
        ...(code === 'UNAUTHENTICATED' && !located?.path ? { http: { status: 401 } } : {}),
      },
    });
  }
  // the database is out of reach for now (db/unavailable.ts): the client may try again, nothing is its fault
  if (isDatabaseUnavailable(original)) {
    const located = error instanceof GraphQLError ? error : undefined;
    return new GraphQLError(DATABASE_UNAVAILABLE_MESSAGE, { nodes: located?.nodes, path: located?.path, extensions: { code: 'SERVICE_UNAVAILABLE' } });
  }
  return defaultMaskError(error, message, isDev);
}

/**
 * The blanket rule: no operation executes without a principal, whatever
 * transport brought it and whichever fields it selects (fields added later
 * included). HTTP requests without a token are already refused by the
 * Fastify hook; this catches every other way in (yoga.fetch, graphql-ws).
 */
function useRequireAuth(): Plugin<Context> {
  const refuse = () => ({ errors: [new GraphQLError('authentication required', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } })] });
  return {
    onExecute: ({ args, setResultAndStopExecution }) => {
      if (!args.contextValue.auth) setResultAndStopExecution(refuse());
    },
    onSubscribe: ({ args, setResultAndStopExecution }) => {
      if (!args.contextValue.auth) setResultAndStopExecution(refuse());
    },
  };
}

/** The request's own origin, when its Host header is a plain host[:port] (never trusted for anything else). */
function originOf(headers: IncomingHttpHeaders | undefined): string | null {
  const host = headers?.host;
  return host && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? `http://${host}` : null;
}

/** What GraphiQL's Headers tab shows at first: where the token goes. */
const GRAPHIQL_HEADERS = JSON.stringify({ Authorization: 'Bearer <your token>' });

/** Documents (and parse failures) yoga keeps parsed. */
const PARSE_CACHE_ENTRIES = 100;

export interface GraphQLServerOptions {
  log: { warn: (msg: string) => void; error: (msg: string) => void };
  /** BORGQL_PUBLIC_URL: wins over the request's Host for absolute URLs */
  publicUrl?: string;
  /** where the server listens, for requests without a usable Host header */
  listenOrigin: () => string;
}

/** The yoga instance serving /graphql (HTTP, SSE, GraphiQL), the REST shims (yoga.fetch) and, through getEnveloped, graphql-ws. */
export function createGraphQLServer(services: Services, options: GraphQLServerOptions): Yoga {
  const { log } = options;
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    context: ({ req, auth }) => ({
      ...services,
      auth: auth ?? req?.auth ?? null,
      origin: options.publicUrl ?? originOf(req?.headers) ?? options.listenOrigin(),
    }),
    plugins: [useRequireAuth(), useMalformedParamsAsBadRequest(), ...useQueryLimits(), useSharedEventExecution()],
    maskedErrors: { maskError },
    // parsed documents are cached by their text: yoga's default of 1,024 entries could hold ~250 MB of
    // syntax trees a client made up (a 1,000-token document parses into ~250 kB); clients reuse a few documents
    parserAndValidationCache: { documentCache: new LruMap(PARSE_CACHE_ENTRIES), errorCache: new LruMap(PARSE_CACHE_ENTRIES) },
    // CORS is answered for every route by the allow-list hook (BORGQL_CORS_ORIGINS), not by yoga, which allows any origin
    cors: false,
    // GraphiQL with its assets inlined: backup servers often have no internet.
    // Rendered by a short-lived child process on the first page view (graphiql-page.ts):
    // its 9 MB bundle never enters the server's heap.
    // Subscriptions over SSE: they carry the headers entered in GraphiQL (the
    // bearer token); GraphiQL's WebSocket client sends no connectionParams.
    renderGraphiQL: graphiqlPageRenderer(),
    graphiql: {
      title: 'borgql',
      subscriptionsProtocol: 'SSE',
      headers: GRAPHIQL_HEADERS,
      defaultTabs: WALKTHROUGH_OPERATIONS.map((query) => ({ query, headers: GRAPHIQL_HEADERS })),
    },
    landingPage: false,
    logging: {
      debug: () => undefined,
      info: () => undefined,
      warn: (...args: unknown[]) => log.warn(args.map(describeErrorForLog).join(' ')),
      error: (...args: unknown[]) => log.error(args.map(describeErrorForLog).join(' ')),
    },
  });
}
