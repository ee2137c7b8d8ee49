import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../schema/context.js';
import { parseBearer, type ApiTokenService } from './tokens.js';

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
}

/** The OpenAPI UI and document: static descriptions, no data; a browser opens them without a token. */
const DOCS_PREFIX = '/api/docs';

function isPublic(request: FastifyRequest, routes: PublicRoutes): boolean {
  const route = request.routeOptions.url;
  if (route === undefined) return false; // unknown paths: 401 before 404, so they reveal nothing
  if (route === '/healthz' || routes.ownAuth.includes(route)) return true;
  if (route === DOCS_PREFIX || route.startsWith(`${DOCS_PREFIX}/`)) return true;
  if (route !== routes.graphqlEndpoint) return false;
  // a CORS preflight carries no credentials by design; yoga answers it without executing anything
  if (request.method === 'OPTIONS') return true;
  // the same test as yoga's shouldRenderGraphiQL: such a request gets the page, never an execution
  return request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
}

/** A 401 in the caller's dialect: GraphQL errors on the GraphQL endpoint, `{"detail"}` elsewhere. */
function unauthenticated(request: FastifyRequest, reply: FastifyReply, message: string, graphqlEndpoint: string): FastifyReply {
  reply.code(401).header('www-authenticate', 'Bearer realm="borgql"');
  if (request.routeOptions.url !== graphqlEndpoint) return reply.send({ detail: message });
  const graphqlResponse = (request.headers.accept ?? '').includes('application/graphql-response+json');
  return reply
    .type(graphqlResponse ? 'application/graphql-response+json; charset=utf-8' : 'application/json; charset=utf-8')
    .send(JSON.stringify({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] }));
}

/**
 * Bearer-token authentication for every route of the app, present and
 * future (an onRequest hook on the root instance, which every plugin
 * inherits), except the explicit public ones. Sets `request.auth`; the role
 * checks live in the GraphQL schema (scope-auth), where the REST shims and
 * GraphQL both end up.
 */
export function registerAuthHook(app: FastifyInstance, tokens: ApiTokenService, routes: PublicRoutes): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request, reply) => {
    if (isPublic(request, routes)) return;
    const secret = parseBearer(request.headers.authorization);
    if (secret === null) {
      return unauthenticated(request, reply, 'authentication required: send Authorization: Bearer <token>', routes.graphqlEndpoint);
    }
    const principal = await tokens.authenticate(secret);
    if (!principal) return unauthenticated(request, reply, 'invalid or revoked token', routes.graphqlEndpoint);
    request.auth = principal;
    if ((request.headers.accept ?? '').includes('text/event-stream')) {
      // an SSE subscription can outlive its token: a revocation cuts the stream
      const release = tokens.holdSession(principal.tokenId, () => reply.raw.destroy());
      reply.raw.once('close', release);
    }
  });
}
