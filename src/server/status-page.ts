import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** The status page's files (public/status): plain HTML, CSS and JavaScript, served as they are. */
const FOLDER = new URL('../../public/status/', import.meta.url);

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/status/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/status/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

/** The routes of the status page: public like GraphiQL's page (they hold no data; the page asks for a token). */
export const STATUS_PAGE_ROUTES = Object.keys(FILES);

/**
 * Nothing from another origin: no CDN, no inline script or style, and the
 * page's requests (GraphQL, SSE) go to this server only.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Serves the status page at `/` (README, "Status page"); the files are read once, when the app is built. */
export function registerStatusPage(app: FastifyInstance): void {
  for (const [route, { file, type }] of Object.entries(FILES)) {
    const body = readFileSync(new URL(file, FOLDER));
    app.get(route, (_request, reply) =>
      reply
        .header('content-type', type)
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        // a new version's page is fetched again, not taken from a cache
        .header('cache-control', 'no-cache')
        .send(body),
    );
  }
}
