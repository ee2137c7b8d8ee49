import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal, TokenPrincipal } from '../../auth/principal.js';
import { replyError, type ErrorAnswer } from '../error-replies.js';
import type { AuthFailureLimiter } from './failure-limiter.js';
import { parseBearer, type ApiTokenService } from '../../auth/tokens.js';
import { credentialOf } from './credentials.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** who sent the request (set by the auth hook); null on public routes and when unauthenticated */
    auth: Principal | null;
  }
}

/** Route patterns that answer without a bearer token (the only exceptions; everything else needs one). */
export interface PublicRoutes {
  /** the GraphQL endpoint: public only for the GraphiQL page (GET, Accept: text/html) and CORS preflights, which run no operation */
  graphqlEndpoint: string;
  /** routes that check a credential of their own (the log download's `?token=`) */
  ownAuth: string[];
  /** static pages and their files (the status page): no data, their requests need a token */
  pages: string[];
}

/** The OpenAPI UI and document: static descriptions, no data; a browser opens them without a token. */
const DOCS_PREFIX = '/api/docs';

function isPublic(request: FastifyRequest, routes: PublicRoutes): boolean {
  const route = request.routeOptions.url;
  if (route === undefined) return false; // unknown paths: 401 before 404, so they reveal nothing
  if (route === '/healthz' || routes.ownAuth.includes(route)) return true;
  if ((request.method === 'GET' || request.method === 'HEAD') && routes.pages.includes(route)) return true;
  if (route === DOCS_PREFIX || route.startsWith(`${DOCS_PREFIX}/`)) return true;
  if (route !== routes.graphqlEndpoint) return false;
  // a CORS preflight carries no credentials by design; yoga answers it without executing anything
  if (request.method === 'OPTIONS') return true;
  // the same test as yoga's shouldRenderGraphiQL: such a request gets the page, never an execution
  return request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
}

const unauthenticated = (message: string): ErrorAnswer => ({
  status: 401,
  message,
  code: 'UNAUTHENTICATED',
  headers: { 'www-authenticate': 'Bearer realm="borgql"' },
});

/** The answer to a client address that failed to authenticate too often (GraphQL code `RATE_LIMITED`). */
export function tooManyFailures(retryAfterSeconds: number): ErrorAnswer {
  return {
    status: 429,
    message: `too many failed authentications from this address: retry after ${retryAfterSeconds} s`,
    code: 'RATE_LIMITED',
    headers: { 'retry-after': String(retryAfterSeconds) },
  };
}

/** What an Authorization value amounts to, from a client address. */
export type BearerOutcome =
  { status: 'missing' } | { status: 'limited'; retryAfterSeconds: number } | { status: 'invalid' } | { status: 'authenticated'; principal: TokenPrincipal };

/**
 * Authenticates `Authorization: Bearer <token>` (or Borg UI's
 * `X-Borg-Authorization`, see credentials.ts) as sent from `address`, the
 * failures limited per address (HTTP requests and WebSocket connections
 * share the count). No token at all is not a failure: it guesses nothing.
 */
export async function authenticateBearer(
  tokens: ApiTokenService,
  limiter: AuthFailureLimiter,
  header: unknown,
  address: string | undefined,
): Promise<BearerOutcome> {
  const secret = parseBearer(header);
  if (secret === null) return { status: 'missing' };
  const outcome = await limiter.guard(address, secret, (presented) => tokens.authenticate(presented));
  if (outcome.limited) return { status: 'limited', retryAfterSeconds: outcome.retryAfterSeconds };
  return outcome.principal ? { status: 'authenticated', principal: outcome.principal } : { status: 'invalid' };
}

/**
 * Bearer-token authentication for every route of the app, present and
 * future (an onRequest hook on the root instance, which every plugin
 * inherits), except the explicit public ones. Sets `request.auth`; the role
 * checks live in the GraphQL schema (scope-auth), where the REST shims and
 * GraphQL both end up. Failed authentications are limited per client
 * address (`limiter`): past the limit, 429 with Retry-After.
 */
export function registerAuthHook(app: FastifyInstance, tokens: ApiTokenService, limiter: AuthFailureLimiter, routes: PublicRoutes): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request, reply) => {
    if (isPublic(request, routes)) return;
    const outcome = await authenticateBearer(tokens, limiter, credentialOf(request.headers), request.ip);
    if (outcome.status === 'missing') return replyError(request, reply, unauthenticated('authentication required: send Authorization: Bearer <token>'));
    if (outcome.status === 'limited') return replyError(request, reply, tooManyFailures(outcome.retryAfterSeconds));
    if (outcome.status === 'invalid') return replyError(request, reply, unauthenticated('invalid or revoked token'));
    const principal = outcome.principal;
    request.auth = principal;
    if ((request.headers.accept ?? '').includes('text/event-stream')) {
      // an SSE subscription can outlive its token: a revocation cuts the stream
      const release = tokens.holdSession(principal.tokenId, () => reply.raw.destroy());
      reply.raw.once('close', release);
    }
  });
}
