import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../domain/errors.js';
import type { Yoga } from '../graphql.js';
import { restErrorOfResult } from './errors.js';
import { configureRestScope } from './scope.js';
import { runGraphQL } from './graphql-client.js';
import { archiveContentsSchema, archiveDeleteSchema, archiveInfoSchema, archivesListSchema } from './restore-schemas.js';

const LIST = `query Archives($r: String!) { repositoryByReference(reference: $r) { archives { name id start time } } }`;
const INFO = `query Archive($r: String!, $a: String!) { repositoryByReference(reference: $r) { archive(name: $a) {
  name id start end time hostname username comment stats { originalSize compressedSize deduplicatedSize nfiles }
} } }`;
const CONTENTS = `query Contents($r: String!, $a: String!, $path: String!, $limit: Int!, $after: String) {
  repositoryByReference(reference: $r) { archive(name: $a) {
    contents(path: $path, limit: $limit, after: $after) { hasMore entries { path type size mtime mode } }
  } }
}`;
const DELETE = `mutation Delete($r: String!, $a: String!) {
  deleteArchive(repository: $r, archive: $a) { __typename ... on DeleteArchiveSuccess { message } ... on Error { message } }
}`;

type RepositoryQuery = { Querystring: { repository: string } };
type ArchiveParams = { Params: { archive: string } };

/** The repository a route names, or a 404. */
function found<T>(repository: T | null, reference: string): T {
  if (!repository) throw new NotFoundError(`repository "${reference}" not found`);
  return repository;
}

/** The archive a route names, or a 404. */
function archiveOf<T>(repository: { archive: T | null } | null, reference: string, name: string): T {
  const archive = found(repository, reference).archive;
  if (!archive) throw new NotFoundError(`archive "${name}" not found in repository "${reference}"`);
  return archive;
}

/**
 * Borg UI's `/api/archives/*` routes (README "Restore"), registered under
 * that prefix: the repository is the `repository` query parameter (its
 * path, id or name), the archive a path segment.
 */
export async function archiveRoutes(app: FastifyInstance, { yoga }: { yoga: Yoga }): Promise<void> {
  configureRestScope(app);

  app.get<RepositoryQuery>('/list', { schema: archivesListSchema }, async (request) => {
    const reference = request.query.repository;
    const data = await runGraphQL<{ repositoryByReference: { archives: unknown[] } | null }>(yoga, request, LIST, { r: reference });
    return { archives: found(data.repositoryByReference, reference).archives };
  });

  app.get<RepositoryQuery & ArchiveParams>('/:archive/info', { schema: archiveInfoSchema }, async (request) => {
    const { repository: reference } = request.query;
    const { archive: name } = request.params;
    type Info = {
      name: string;
      id: string;
      start: string;
      end: string | null;
      time: string | null;
      hostname: string | null;
      username: string | null;
      comment: string | null;
      stats: Record<string, number> | null;
    };
    const data = await runGraphQL<{ repositoryByReference: { archive: Info | null } | null }>(yoga, request, INFO, { r: reference, a: name });
    const info = archiveOf(data.repositoryByReference, reference, name);
    const s = info.stats;
    return {
      info: {
        ...info,
        duration: info.end ? (Date.parse(info.end) - Date.parse(info.start)) / 1000 : null,
        stats: s && { original_size: s.originalSize, compressed_size: s.compressedSize, deduplicated_size: s.deduplicatedSize, nfiles: s.nfiles },
      },
    };
  });

  app.get<{ Querystring: { repository: string; path: string; limit: number; after?: string } } & ArchiveParams>(
    '/:archive/contents',
    { schema: archiveContentsSchema },
    async (request) => {
      const { repository: reference, path, limit, after } = request.query;
      const { archive: name } = request.params;
      type Page = { hasMore: boolean; entries: { path: string; type: string; size: number; mtime: string | null; mode: string | null }[] };
      const data = await runGraphQL<{ repositoryByReference: { archive: { contents: Page } | null } | null }>(yoga, request, CONTENTS, {
        r: reference,
        a: name,
        path,
        limit,
        after: after ?? null,
      });
      const { contents } = archiveOf(data.repositoryByReference, reference, name);
      return { items: contents.entries.map((entry) => ({ ...entry, type: entry.type.toLowerCase() })), has_more: contents.hasMore };
    },
  );

  app.delete<RepositoryQuery & ArchiveParams>('/:archive', { schema: archiveDeleteSchema }, async (request) => {
    const data = await runGraphQL<{ deleteArchive: { __typename: string; message: string } }>(yoga, request, DELETE, {
      r: request.query.repository,
      a: request.params.archive,
    });
    const error = restErrorOfResult(data.deleteArchive);
    if (error) throw error;
    return { message: data.deleteArchive.message };
  });
}
