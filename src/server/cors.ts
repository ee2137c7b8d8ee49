import type { FastifyInstance } from 'fastify';

/** Headers a permitted page may read from answers (429's wait, the download's file name, 401's scheme). */
const EXPOSED_HEADERS = 'Retry-After, Content-Disposition, WWW-Authenticate';
const DEFAULT_ALLOWED_HEADERS = 'Authorization, X-Borg-Authorization, Content-Type, Accept';
/** A preflight's `Access-Control-Request-Headers`, echoed only when it is a plain list of header names. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/**
 * Cross-origin access for the origins of BORGQL_CORS_ORIGINS only, on
 * every route (GraphQL, SSE, REST). Others get no CORS headers, so a
 * browser keeps their pages from reading answers; same-origin pages
 * (GraphiQL, the API docs) need none. Credentials (cookies) are never
 * allowed: borgql authenticates with the Authorization header, which a page
 * sets itself. Preflights are answered here, before authentication (a
 * browser sends them without credentials).
 */
export function registerCors(app: FastifyInstance, allowedOrigins: readonly string[]): void {
  const allowed = new Set(allowedOrigins);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    const permitted = allowed.has(origin);
    reply.header('vary', 'Origin');
    if (permitted) reply.header('access-control-allow-origin', origin).header('access-control-expose-headers', EXPOSED_HEADERS);
    const preflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (!preflight) return;
    if (permitted) {
      const requested = request.headers['access-control-request-headers'];
      reply
        .header('access-control-allow-methods', 'GET, POST, OPTIONS')
        .header('access-control-allow-headers', requested && HEADER_LIST.test(requested) ? requested : DEFAULT_ALLOWED_HEADERS)
        .header('access-control-max-age', '600');
    }
    return reply.code(204).send();
  });
}
