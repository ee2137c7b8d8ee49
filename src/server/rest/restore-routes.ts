import type { FastifyInstance } from 'fastify';
import { recordNotFound } from '../../domain/ids.js';
import type { Yoga } from '../graphql.js';
import { restErrorOfResult } from './errors.js';
import { configureRestScope } from './scope.js';
import { runGraphQL } from './graphql-client.js';
import { jobIdParam } from './job-id.js';
import { restoreCancelSchema, restoreJobsSchema, restoreStartSchema, restoreStatusSchema } from './restore-schemas.js';

const RESTORE_FIELDS = `id status repository { path } archiveName destination startedAt completedAt errorMessage
  progress { percent filesRestored currentFile speedMBps etaSeconds }`;
const START = `mutation Start($input: StartRestoreInput!) {
  startRestore(input: $input) { __typename ... on StartRestoreSuccess { message job { id } } ... on Error { message } }
}`;
const JOBS = `query Jobs($limit: Int) { restoreJobs(limit: $limit) { ${RESTORE_FIELDS} } }`;
const STATUS = `query Status($id: ID!) { anyJob(id: $id) { __typename ... on RestoreJob { ${RESTORE_FIELDS} } } }`;
const CANCEL = `mutation Cancel($id: ID!) {
  cancelJob(id: $id) { __typename ... on CancelJobSuccess { processTerminated } ... on Error { message } }
}`;

/** A RestoreJob as RESTORE_FIELDS selects it. */
interface GraphQLRestore {
  id: string;
  status: string;
  repository: { path: string };
  archiveName: string;
  destination: string;
  startedAt: string | null;
  completedAt: string | null;
  errorMessage: string | null;
  progress: { percent: number; filesRestored: number; currentFile: string | null; speedMBps: number; etaSeconds: number | null };
}

/** Borg UI's restore JSON: snake_case, lower-case status, an integer progress, 0 and "" for unknowns (as the backup JSON). */
function toRestoreJson(job: GraphQLRestore) {
  const p = job.progress;
  return {
    id: Number(job.id),
    repository: job.repository.path,
    archive: job.archiveName,
    destination: job.destination,
    status: job.status.toLowerCase(),
    started_at: job.startedAt,
    completed_at: job.completedAt,
    progress: Math.min(100, Math.max(0, Math.floor(p.percent))),
    error_message: job.errorMessage,
    progress_details: {
      nfiles: p.filesRestored,
      current_file: p.currentFile ?? '',
      progress_percent: Math.floor(p.percent * 100) / 100,
      restore_speed: p.speedMBps,
      estimated_time_remaining: p.etaSeconds ?? 0,
    },
  };
}

/** The restore a `{job_id}` names; a job of another kind is as unknown here as a missing one. */
async function restoreOf(yoga: Yoga, request: Parameters<typeof runGraphQL>[1], id: number): Promise<GraphQLRestore> {
  const { anyJob } = await runGraphQL<{ anyJob: (GraphQLRestore & { __typename: string }) | null }>(yoga, request, STATUS, { id: String(id) });
  if (anyJob?.__typename !== 'RestoreJob') throw recordNotFound('job', id);
  return anyJob;
}

type JobIdParams = { Params: { job_id: number } };
interface StartBody {
  repository?: string;
  repository_id?: number;
  archive: string;
  paths: string[];
  destination: string;
  dry_run: boolean;
  overwrite: boolean;
}

/**
 * Borg UI's `/api/restore/*` routes (README "Restore"), registered under
 * that prefix; like the backup shims, each runs a GraphQL document through
 * yoga as the caller.
 */
export async function restoreRoutes(app: FastifyInstance, { yoga }: { yoga: Yoga }): Promise<void> {
  configureRestScope(app);
  app.addHook('preValidation', jobIdParam);

  app.post<{ Body: StartBody }>('/start', { schema: restoreStartSchema }, async (request) => {
    const { repository, repository_id, archive, paths, destination, dry_run, overwrite } = request.body;
    const reference = repository ?? (repository_id === undefined ? '' : String(repository_id));
    const input = { repository: reference, archive, paths, destination, dryRun: dry_run, overwrite };
    const data = await runGraphQL<{ startRestore: { __typename: string; message: string; job: { id: string } } }>(yoga, request, START, { input });
    const error = restErrorOfResult(data.startRestore);
    if (error) throw error;
    return { job_id: Number(data.startRestore.job.id), status: 'pending', message: data.startRestore.message };
  });

  app.get<{ Querystring: { limit: number } }>('/jobs', { schema: restoreJobsSchema }, async (request) => {
    const data = await runGraphQL<{ restoreJobs: GraphQLRestore[] }>(yoga, request, JOBS, { limit: request.query.limit });
    return { jobs: data.restoreJobs.map(toRestoreJson) };
  });

  app.get<JobIdParams>('/status/:job_id', { schema: restoreStatusSchema }, async (request) =>
    toRestoreJson(await restoreOf(yoga, request, request.params.job_id)),
  );

  app.post<JobIdParams>('/cancel/:job_id', { schema: restoreCancelSchema }, async (request) => {
    const id = request.params.job_id;
    await restoreOf(yoga, request, id);
    const data = await runGraphQL<{ cancelJob: { __typename: string; message?: string; processTerminated: boolean } }>(yoga, request, CANCEL, {
      id: String(id),
    });
    const error = restErrorOfResult(data.cancelJob);
    if (error) throw error;
    return { message: 'Restore cancelled successfully', process_terminated: data.cancelJob.processTerminated };
  });
}
