import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Yoga } from '../graphql.js';
import { RestError, restErrorOfResult } from './errors.js';
import { recordNotFound } from '../../domain/ids.js';
import { runGraphQL } from './graphql-client.js';
import { jobIdParam } from './job-id.js';
import { toJobJson, type GraphQLJob } from '../../domain/job-json.js';
import { booleanQuery, cancelSchema, jobsSchema, retrySchema, runSchema, startSchema, statusSchema, streamSchema } from './schemas.js';
import { configureRestScope } from './scope.js';
import { oneRepository, type StartBody } from './start-body.js';
import { strictBodyTypes } from './body-types.js';

/** The GraphQL selection a Job JSON is made from (GraphQLJob). */
const JOB_FIELDS = `id repositoryPath status trigger scheduleId retryOfId archiveName startedAt completedAt errorMessage maintenanceStatus logsExpired
  progress { percent originalSize compressedSize deduplicatedSize filesProcessed currentFile speedMBps etaSeconds totalExpectedSize }
  logs(limit: 0) { totalLines }`;

const START = `mutation Start($repository: String!, $sourcePaths: [String!], $archiveName: String, $idempotencyKey: String) {
  startBackup(repository: $repository, sourcePaths: $sourcePaths, archiveName: $archiveName, idempotencyKey: $idempotencyKey) {
    __typename ... on StartBackupSuccess { message job { id } } ... on Error { message }
  }
}`;
const RETRY = `mutation Retry($id: ID!) {
  retryJob(id: $id) { __typename ... on StartBackupSuccess { message job { id } } ... on Error { message } }
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
export function settle<T extends { __typename: string; message?: string }>(result: T): T {
  const error = restErrorOfResult(result);
  if (error) throw error;
  return result;
}

/** The Idempotency-Key header's value; a repeated header is a 400. */
function idempotencyKeyHeader(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) throw new RestError(400, 'send one Idempotency-Key header');
  return value ?? null;
}

type JobIdParams = { Params: { job_id: number } };
type Started = { startBackup: { __typename: string; message: string; job: { id: string } } };

/**
 * Borg UI's `/api/backup/*` routes (README "REST (Borg UI compatible)"). Each one
 * runs a GraphQL document through yoga as the caller and reshapes the
 * answer; validation beyond types, role checks and behaviour all live in the
 * schema. Registered under the `/api/backup` prefix, in a context of its
 * own with the `{"detail"}` error handler and 404s.
 */
export async function backupRoutes(app: FastifyInstance, { yoga }: { yoga: Yoga }): Promise<void> {
  configureRestScope(app);
  // every {job_id} route of this scope, the download route included
  app.addHook('preValidation', jobIdParam);

  const start = async (request: FastifyRequest<{ Body: StartBody }>) => {
    const { repository, repository_id, source_directories, archive_name } = request.body;
    const data = await runGraphQL<Started>(yoga, request, START, {
      repository: repository ?? String(repository_id),
      sourcePaths: source_directories ?? null,
      archiveName: archive_name ?? null,
      // Idempotency-Key: a client retrying a start gets the same job (README "Notifications")
      idempotencyKey: idempotencyKeyHeader(request.headers['idempotency-key']),
    });
    const result = settle(data.startBackup);
    // always "pending": the job is queued; its progress is read with /status
    return { job_id: Number(result.job.id), status: 'pending', message: result.message };
  };
  // exactly one of repository and repository_id, then types (no number coerced into a path) before the schema
  const startChecks = { preValidation: [oneRepository, strictBodyTypes] };
  app.post<{ Body: StartBody }>('/start', { schema: startSchema, ...startChecks }, start);
  // Borg UI's alias of /start
  app.post<{ Body: StartBody }>('/run', { schema: runSchema, ...startChecks }, start);

  app.post<JobIdParams>('/jobs/:job_id/retry', { schema: retrySchema }, async (request, reply) => {
    const data = await runGraphQL<{ retryJob: Started['startBackup'] }>(yoga, request, RETRY, { id: String(request.params.job_id) });
    const result = settle(data.retryJob);
    // 202 like Borg UI's retry: the new job is queued
    return reply.code(202).send({ job_id: Number(result.job.id), status: 'pending', message: result.message });
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
    const data = await runGraphQL<{ cancelBackup: { __typename: string; message?: string; processTerminated: boolean } }>(yoga, request, CANCEL, {
      id: String(request.params.job_id),
    });
    const result = settle(data.cancelBackup);
    return { message: 'Backup cancelled successfully', process_terminated: result.processTerminated };
  });

  app.get<JobIdParams & { Querystring: { offset: number; limit: number } }>('/logs/:job_id/stream', { schema: streamSchema }, async (request) => {
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
  });
}
