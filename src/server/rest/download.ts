import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../../auth/principal.js';
import type { LogStore } from '../../logs/log-store.js';
import type { DownloadTokens } from '../../auth/download-tokens.js';
import { recordNotFound } from '../../domain/ids.js';
import type { Yoga } from '../graphql.js';
import { RestError } from './errors.js';
import { runGraphQL } from './graphql-client.js';
import { LOG_PAGE, type LogPageResult } from './routes.js';
import { MAX_LOG_PAGE } from '../../logs/log-line.js';
import { downloadSchema } from './schemas.js';

/** The route pattern (under /api/backup); public for the bearer hook, because it checks its own `?token=`. */
export const DOWNLOAD_ROUTE = '/logs/:job_id/download';

type Page = NonNullable<LogPageResult['job']>['logs'];

const text = (page: { lines: { content: string }[] }) => page.lines.map((line) => `${line.content}\n`).join('');

/**
 * The whole log of a job as a text attachment. The first page goes through
 * GraphQL as the link's principal (scope, existence and errors as for every
 * read); the rest is read from the log store, page after page, each written
 * before the next is read (the stream pulls them), so memory stays flat
 * however long the log. Reading those pages through GraphQL as well made a
 * million-line download take ~190 MB more memory and twice as long: every
 * line became a result object, JSON, and parsed objects again.
 * A running job's log is what exists when the last page is read.
 */
export function registerDownloadRoute(app: FastifyInstance, yoga: Yoga, downloads: DownloadTokens, logs: Pick<LogStore, 'read'>): void {
  app.get<{ Params: { job_id: number }; Querystring: { token?: string } }>(DOWNLOAD_ROUTE, { schema: downloadSchema }, async (request, reply) => {
    const id = request.params.job_id;
    const token = request.query.token;
    if (!token) throw new RestError(401, 'a download token is required: get a link with the logDownloadUrl mutation');
    const check = downloads.verify(token, id);
    if (check === 'expired') throw new RestError(401, 'this download link has expired: ask logDownloadUrl for a new one');
    if (check !== 'ok') throw new RestError(401, 'invalid download token for this job');

    // the link's token stands for a viewer of this one job's log, and is used for nothing else
    const auth: Principal = { kind: 'download', jobId: id, role: 'VIEWER' };
    const readPage = async (offset: number): Promise<Page> => {
      const { job } = await runGraphQL<LogPageResult>(yoga, request, LOG_PAGE, { id: String(id), offset, limit: MAX_LOG_PAGE }, auth);
      if (!job) throw recordNotFound('job', id);
      return job.logs;
    };
    const first = await readPage(0);
    function* pages(): Generator<string> {
      let page: { lines: { lineNumber: number; content: string }[]; hasMore: boolean } = first;
      yield text(page);
      while (page.hasMore && page.lines.length > 0) {
        page = logs.read(id, page.lines.at(-1)?.lineNumber ?? 0, MAX_LOG_PAGE);
        yield text(page);
      }
    }
    return reply
      .type('text/plain; charset=utf-8')
      .header('content-disposition', `attachment; filename="borgql-job-${id}.log"`)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(Readable.from(pages()));
  });
}
