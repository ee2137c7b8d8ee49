import type { FastifyInstance } from 'fastify';
import { restErrorHandler } from './errors.js';

/**
 * What every REST scope shares: the `{"detail"}` error handler and 404s,
 * and the JSON parser below.
 *
 * Borg UI's clients POST to body-less routes (cancel, retry, break-lock)
 * with `Content-Type: application/json` and no body, which Fastify's JSON
 * parser refuses as an empty body. Such a route takes an empty (or blank)
 * body as `{}`; a route with a body schema still answers 400 for one, and
 * a malformed non-empty body stays a 400 everywhere.
 */
export function configureRestScope(app: FastifyInstance): void {
  app.setErrorHandler(restErrorHandler);
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ detail: `no route ${request.method} ${request.url.split('?')[0]}` }));
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '' && request.routeOptions.schema?.body === undefined) {
      done(null, {});
      return;
    }
    void parseJson(request, text, done);
  });
}
