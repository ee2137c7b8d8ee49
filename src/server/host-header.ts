import type { FastifyInstance, FastifyRequest } from 'fastify';
import { replyError } from './error-replies.js';

/**
 * Whether the request's Host header and target make a URL, the way yoga
 * builds one (`http://<Host><target>`): a plain `host[:port]`, no user
 * info, path, query or fragment smuggled into the header. A request without
 * a Host header (HTTP/1.0) has nothing to misread.
 */
export function isWellFormedTarget(host: string | undefined, target: string): boolean {
  if (host === undefined) return true;
  // without these characters the header cannot carry user info, a path, a query or a fragment
  if (/[/?#@\\\s]/.test(host)) return false;
  return URL.canParse(`http://${host}`) && URL.canParse(`http://${host}${target}`);
}

/**
 * Refuses, before anything else runs, a request whose Host header is not a
 * valid `host[:port]` (`a:99999`, `[zz`): 400 in the route's dialect,
 * instead of the 500 that building its URL would end in.
 */
export function registerHostCheck(app: FastifyInstance): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    if (isWellFormedTarget(request.headers.host, request.url)) return;
    return replyError(request, reply, { status: 400, message: 'malformed Host header: expected host[:port]', code: 'BAD_REQUEST' });
  });
}
