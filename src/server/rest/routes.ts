import type { FastifyInstance } from 'fastify';
import type { Yoga } from '../graphql.js';
import { restErrorOfResult, useRestErrors } from './errors.js';
import { recordNotFound } from '../../domain/ids.js';
import { runGraphQL } from './graphql-client.js';
import { jobIdParam } from './job-id.js';
import { JOB_FIELDS, toJobJson, type GraphQLJob } from './job-json.js';
import { booleanQuery, cancelSchema, jobsSchema, startSchema, statusSchema, streamSchema } from './schemas.js';

const START = `mutation Start($repository: String!) {
  startBackup(repository: $repository) { __typename ... on StartBackupSuccess { message job { id } } ... on Error { message } }
}`;
const JOBS = `query Jobs($limit: Int, $scheduledOnly: Boolean, $manualOnly: Boolean, $repository: String) {
  jobs(limit: $limit, scheduledOnly: $scheduledOnly, manualOnly: $manualOnly, repository: $repository) { ${JOB_FIELDS} }
}`;
const STATUS = `query Status($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`;
const CANCEL = `mutation Cancel($id: ID!) {
  cancelBackup(id: $id) { __typename ... on CancelBackupSuccess { processTerminated } ... on Error { message } }
}`;
export const LOG_PAGE = `query LogPage($id: ID!, $offset: Int!, $limit: Int!) {
  job(id: $id) { status logs(offset: $offset, limit: $limit) { totalLines hasMore lines { lineNumber content } } }
}`;

/** A page of a job's log as LOG_PAGE selects it (also read by the download route). */
export interface LogPageResult {
  job: { status: string; logs: { totalLines: number; hasMore: boolean; lines: { lineNumber: number; content: string }[] } } | null;
}

/** Throws the typed error of a mutation result union as its REST status. */
function settle<T extends { __typename: string; message?: string }>(result: T): T {
  const error = restErrorOfResult(result);
  if (error) throw error;
  return result;
}

type JobIdParams = { Params: { job_id: number } };

/**
 * Borg UI's `/api/backup/*` routes (README "REST (Borg UI compatible)"). Each one
 * runs a GraphQL document through yoga as the caller and reshapes the
 * answer; validation beyond types, role checks and behaviour all live in the
 * schema. Registered under the `/api/backup` prefix, in a context of its
 * own with the `{"detail"}` error handler and 404s.
 */
export async function backupRoutes(app: FastifyInstance, { yoga }: { yoga: Yoga }): Promise<void> {
  useRestErrors(app);
  // every {job_id} route of this scope, the download route included
  app.addHook('preValidation', jobIdParam);

  app.post<{ Body: { repository: string } }>('/start', { schema: startSchema }, async (request) => {
    const data = await runGraphQL<{ startBackup: { __typename: string; message: string; job: { id: string } } }>(
      yoga,
      request,
      START,
      { repository: request.body.repository },
    );
    const result = settle(data.startBackup);
    // always "pending": the job is queued; its progress is read with /status
    return { job_id: Number(result.job.id), status: 'pending', message: result.message };
  });

  app.get<{ Querystring: { limit: number; scheduled_only: boolean; manual_only: boolean; repository?: string } }>(
    '/jobs',
    { schema: jobsSchema, preValidation: booleanQuery(['scheduled_only', 'manual_only']) },
    async (request) => {
      const { limit, scheduled_only, manual_only, repository } = request.query;
      const data = await runGraphQL<{ jobs: GraphQLJob[] }>(yoga, request, JOBS, {
        limit,
        scheduledOnly: scheduled_only,
        manualOnly: manual_only,
        repository: repository ?? null,
      });
      return { jobs: data.jobs.map(toJobJson) };
    },
  );

  app.get<JobIdParams>('/status/:job_id', { schema: statusSchema }, async (request) => {
    const id = request.params.job_id;
    const data = await runGraphQL<{ job: GraphQLJob | null }>(yoga, request, STATUS, { id: String(id) });
    if (!data.job) throw recordNotFound('job', id);
    return toJobJson(data.job);
  });

  app.post<JobIdParams>('/cancel/:job_id', { schema: cancelSchema }, async (request) => {
    const data = await runGraphQL<{ cancelBackup: { __typename: string; message?: string; processTerminated: boolean } }>(
      yoga,
      request,
      CANCEL,
      { id: String(request.params.job_id) },
    );
    const result = settle(data.cancelBackup);
    return { message: 'Backup cancelled successfully', process_terminated: result.processTerminated };
  });

  app.get<JobIdParams & { Querystring: { offset: number; limit: number } }>(
    '/logs/:job_id/stream',
    { schema: streamSchema },
    async (request) => {
      const id = request.params.job_id;
      const { offset, limit } = request.query;
      const { job } = await runGraphQL<LogPageResult>(yoga, request, LOG_PAGE, { id: String(id), offset, limit });
      if (!job) throw recordNotFound('job', id);
      return {
        job_id: id,
        status: job.status.toLowerCase(),
        lines: job.logs.lines.map((line) => ({ line_number: line.lineNumber, content: line.content })),
        total_lines: job.logs.totalLines,
        has_more: job.logs.hasMore,
      };
    },
  );
}
