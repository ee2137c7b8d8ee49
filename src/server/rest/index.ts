import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import type { LogStore } from '../../logs/log-store.js';
import type { DownloadTokens } from '../../auth/download-tokens.js';
import type { Yoga } from '../graphql.js';
import { DOWNLOAD_ROUTE, registerDownloadRoute } from './download.js';
import { backupRoutes } from './routes.js';
import { repositoryRoutes } from './repository-routes.js';
import { restoreRoutes } from './restore-routes.js';
import { archiveRoutes } from './archive-routes.js';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

/** Where the REST shims live. */
export const REST_PREFIX = '/api/backup';
/** Where the repository routes (break-lock) live, as in Borg UI. */
export const REPOSITORY_REST_PREFIX = '/api/repositories';
/** The full route pattern of the log download (it takes its own `?token=`, not a bearer token). */
export const DOWNLOAD_ROUTE_URL = `${REST_PREFIX}${DOWNLOAD_ROUTE}`;

/**
 * The REST API: Borg UI's `/api/backup/*`, `/api/restore/*` and `/api/archives/*` shims, described by an OpenAPI
 * document at /api/docs/json with its UI at /api/docs (assets served from
 * the package, no internet needed). Registered as one encapsulated plugin,
 * so the document lists exactly the REST routes.
 */
export async function restApi(app: FastifyInstance, options: { yoga: Yoga; downloads: DownloadTokens; logs: LogStore }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'borgql REST',
        version,
        description:
          "Borg UI-compatible backup, restore and archive endpoints. Every route needs `Authorization: Bearer <token>` (or Borg UI's `X-Borg-Authorization: Bearer <token>`; `Authorization` wins when both are sent) except the log download, which takes the short-lived `?token=` of a GraphQL `logDownloadUrl` link. Roles: viewer reads, operator starts, retries and cancels, admin breaks locks. Borg UI's clients work unchanged; the README's REST section lists where borgql differs. GraphQL (all of borgql) is at /graphql.",
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'an API token (bq_…)' } } },
      security: [{ bearerAuth: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  await app.register(
    async (scope) => {
      await backupRoutes(scope, { yoga: options.yoga });
      registerDownloadRoute(scope, options.yoga, options.downloads, options.logs);
    },
    { prefix: REST_PREFIX },
  );
  await app.register(async (scope) => repositoryRoutes(scope, { yoga: options.yoga }), { prefix: REPOSITORY_REST_PREFIX });
  await app.register(restoreRoutes, { prefix: '/api/restore', yoga: options.yoga });
  await app.register(archiveRoutes, { prefix: '/api/archives', yoga: options.yoga });
}
