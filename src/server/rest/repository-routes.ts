import type { FastifyInstance } from 'fastify';
import type { Yoga } from '../graphql.js';
import { runGraphQL } from './graphql-client.js';
import { recordIdParam } from './job-id.js';
import { settle } from './routes.js';
import { breakLockSchema } from './schemas.js';
import { configureRestScope } from './scope.js';

const BREAK_LOCK = `mutation BreakLock($repository: String!) {
  breakLock(repository: $repository) { __typename ... on BreakLockSuccess { message } ... on Error { message } }
}`;

/**
 * Borg UI's `/api/repositories/*` routes that borgql serves (README "REST
 * (Borg UI compatible)"): breaking a repository's lock. Registered under
 * the `/api/repositories` prefix; like the backup routes, each runs a
 * GraphQL document as the caller.
 */
export async function repositoryRoutes(app: FastifyInstance, { yoga }: { yoga: Yoga }): Promise<void> {
  configureRestScope(app);
  app.addHook('preValidation', recordIdParam('id', 'repository'));

  app.post<{ Params: { id: number } }>('/:id/break-lock', { schema: breakLockSchema }, async (request) => {
    const data = await runGraphQL<{ breakLock: { __typename: string; message: string } }>(yoga, request, BREAK_LOCK, {
      repository: String(request.params.id),
    });
    // `success` as Borg UI answers it
    return { success: true, message: settle(data.breakLock).message };
  });
}
