/**
 * JSON schemas of the REST routes: Fastify validates requests with them
 * (bad input → 400 before any GraphQL runs), serializes answers with them,
 * and @fastify/swagger publishes them at /api/docs.
 */
import { MAX_JOBS_PAGE } from '../../jobs/history.js';
import { MAX_LOG_PAGE } from '../../logs/log-line.js';

const nullable = (type: string) => ({ type: [type, 'null'] });

/** `{"detail": …}`, the body of every non-200 answer. */
export const errorSchema = {
  type: 'object',
  properties: { detail: { type: 'string' } },
  required: ['detail'],
} as const;

const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((code) => [
      code,
      {
        ...errorSchema,
        description: {
          400: 'bad input',
          401: 'missing, invalid or revoked token',
          403: 'the token’s role is too weak',
          404: 'unknown job or repository',
          409: 'a job of ours runs on the repository',
          422: 'borg refused: its message says why',
        }[code],
      },
    ]),
  );

/** Job ids are positive decimal integers; anything else is a 400. */
export const jobIdParams = {
  type: 'object',
  properties: { job_id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'the job number (GraphQL BackupJob.id)' } },
  required: ['job_id'],
} as const;

export const jobSchema = {
  type: 'object',
  description: "A backup job in Borg UI's shape",
  properties: {
    id: { type: 'integer' },
    repository: { type: 'string', description: "the repository's path" },
    status: { type: 'string', enum: ['pending', 'running', 'completed', 'completed_with_warnings', 'failed', 'cancelled'] },
    started_at: { ...nullable('string'), format: 'date-time' },
    completed_at: { ...nullable('string'), format: 'date-time' },
    progress: { type: 'integer', minimum: 0, maximum: 100 },
    error_message: nullable('string'),
    has_logs: { type: 'boolean' },
    maintenance_status: nullable('string'),
    scheduled_job_id: nullable('integer'),
    triggered_by: { type: 'string', enum: ['manual', 'schedule'] },
    archive_name: { ...nullable('string'), description: 'set once an archive exists: the saved one, or the checkpoint a cancel left; null otherwise' },
    retry_of_job_id: { ...nullable('integer'), description: 'the job this one retries (POST /jobs/{job_id}/retry)' },
    progress_details: {
      type: 'object',
      properties: {
        original_size: { type: 'integer', description: 'bytes' },
        compressed_size: { type: 'integer', description: 'bytes' },
        deduplicated_size: { type: 'integer', description: 'bytes' },
        nfiles: { type: 'integer' },
        current_file: { type: 'string', description: 'empty when none' },
        progress_percent: { type: 'number' },
        backup_speed: { type: 'number', description: 'MB/s (10^6 bytes)' },
        total_expected_size: { type: 'integer', description: 'bytes; 0 until the pre-scan knows' },
        estimated_time_remaining: { type: 'integer', description: 'seconds; 0 while unknown (no speed above 0 measured yet)' },
      },
      required: [
        'original_size',
        'compressed_size',
        'deduplicated_size',
        'nfiles',
        'current_file',
        'progress_percent',
        'backup_speed',
        'total_expected_size',
        'estimated_time_remaining',
      ],
    },
  },
  required: [
    'id',
    'repository',
    'status',
    'started_at',
    'completed_at',
    'progress',
    'error_message',
    'has_logs',
    'maintenance_status',
    'scheduled_job_id',
    'triggered_by',
    'archive_name',
    'retry_of_job_id',
    'progress_details',
  ],
} as const;

/** The answer of a start or retry: the queued job. */
const queuedSchema = {
  type: 'object',
  properties: {
    job_id: { type: 'integer' },
    status: { type: 'string', enum: ['pending'] },
    message: { type: 'string' },
  },
  required: ['job_id', 'status', 'message'],
} as const;

/** `{"repository": …}` or Borg UI's `{"repository_id": …}`, plus this job's overrides (start-body.ts). */
const startBody = {
  type: 'object',
  description: 'exactly one of `repository` and `repository_id`; `null` counts as absent',
  properties: {
    repository: { type: 'string', minLength: 1, description: "the repository's path (or id, or name)" },
    repository_id: { type: 'integer', minimum: 1, description: "the repository's id" },
    source_directories: {
      type: 'array',
      items: { type: 'string' },
      description: "absolute, existing paths backed up instead of the repository's sources, for this job (and its retries) only",
    },
    archive_name: {
      type: 'string',
      description:
        'the archive name instead of borgql-<job>-<time>, for this job (and its retries) only: no "/", "::", "{", "}" or control characters, at most 200 characters',
    },
  },
  oneOf: [{ required: ['repository'] }, { required: ['repository_id'] }],
} as const;

export const startSchema = {
  summary: 'Queue a backup (operator)',
  body: startBody,
  headers: {
    type: 'object',
    properties: {
      'idempotency-key': { type: 'string', description: 'the same key within 24 h answers the job it started instead of starting another (1–255 characters)' },
    },
  },
  response: { 200: queuedSchema, ...errors(400, 401, 403, 404) },
} as const;

export const runSchema = { ...startSchema, summary: 'Queue a backup (operator); Borg UI’s alias of /start' } as const;

export const retrySchema = {
  summary:
    'Queue a finished job again (operator): a new job with the same repository, source_directories and archive_name, its retry_of_job_id this job; 400 while the job is pending or running',
  params: jobIdParams,
  response: { 202: queuedSchema, ...errors(400, 401, 403, 404) },
} as const;

/** Spellings of a boolean query parameter that Borg UI (FastAPI) accepts, e.g. Python's `requests` sends `True`. */
const BOOLEAN_SPELLINGS: Record<string, string> = {
  true: 'true',
  '1': 'true',
  yes: 'true',
  on: 'true',
  t: 'true',
  y: 'true',
  false: 'false',
  '0': 'false',
  no: 'false',
  off: 'false',
  f: 'false',
  n: 'false',
};

/**
 * Rewrites the named query parameters to `true`/`false` before validation
 * when they use another spelling FastAPI reads as a boolean; anything else
 * is left for the schema to refuse (400).
 */
export function booleanQuery(names: string[]) {
  return async (request: { query: unknown }): Promise<void> => {
    const query = request.query as Record<string, unknown>;
    for (const name of names) {
      const value = query[name];
      if (typeof value === 'string') query[name] = BOOLEAN_SPELLINGS[value.toLowerCase()] ?? value;
    }
  };
}

export const jobsSchema = {
  summary: 'Jobs, newest first (viewer)',
  querystring: {
    type: 'object',
    properties: {
      limit: { type: 'integer', minimum: 0, maximum: MAX_JOBS_PAGE, default: 200 },
      scheduled_only: { type: 'boolean', default: false, description: 'true/false (also 1/0, yes/no, on/off, any case)' },
      manual_only: { type: 'boolean', default: false, description: 'true/false (also 1/0, yes/no, on/off, any case)' },
      repository: { type: 'string', description: "only this repository's jobs (its path)" },
    },
  },
  response: {
    200: { type: 'object', properties: { jobs: { type: 'array', items: jobSchema } }, required: ['jobs'] },
    ...errors(400, 401),
  },
} as const;

export const statusSchema = {
  summary: "A job's state and progress (viewer)",
  params: jobIdParams,
  response: { 200: jobSchema, ...errors(400, 401, 404) },
} as const;

export const cancelSchema = {
  summary: 'Cancel a pending or running job (operator); answers once it is cancelled',
  params: jobIdParams,
  response: {
    200: {
      type: 'object',
      properties: {
        message: { type: 'string' },
        process_terminated: { type: 'boolean', description: 'whether a running borg was stopped (false for a queued job)' },
      },
      required: ['message', 'process_terminated'],
    },
    ...errors(400, 401, 403, 404),
  },
} as const;

export const streamSchema = {
  summary: "A page of a job's log: the lines after the first `offset` (viewer); works while the job runs",
  params: jobIdParams,
  querystring: {
    type: 'object',
    properties: {
      offset: { type: 'integer', minimum: 0, default: 0, description: 'lines already seen' },
      limit: { type: 'integer', minimum: 0, maximum: MAX_LOG_PAGE, default: MAX_LOG_PAGE, description: 'page size' },
    },
  },
  response: {
    200: {
      type: 'object',
      properties: {
        job_id: { type: 'integer' },
        status: jobSchema.properties.status,
        lines: {
          type: 'array',
          items: {
            type: 'object',
            properties: { line_number: { type: 'integer' }, content: { type: 'string' } },
            required: ['line_number', 'content'],
          },
        },
        total_lines: { type: 'integer' },
        has_more: { type: 'boolean', description: 'more lines than this page holds exist already' },
      },
      required: ['job_id', 'status', 'lines', 'total_lines', 'has_more'],
    },
    ...errors(400, 401, 404),
  },
} as const;

export const downloadSchema = {
  summary: "The whole log of a job as a text file; authenticated by the link's own token (GraphQL logDownloadUrl), not a bearer token",
  security: [],
  params: jobIdParams,
  querystring: {
    type: 'object',
    properties: { token: { type: 'string', maxLength: 200, description: 'the short-lived token of a logDownloadUrl link' } },
  },
  response: {
    200: { description: 'the log, one line per line', content: { 'text/plain': { schema: { type: 'string' } } } },
    ...errors(400, 401, 404),
  },
} as const;

/** Repository ids are positive decimal integers, like job ids. */
const repositoryIdParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'the repository id (GraphQL Repository.id)' } },
  required: ['id'],
} as const;

export const breakLockSchema = {
  summary: "Break a repository's borg lock (admin): borg break-lock, refused while one of borgql's jobs runs on it",
  params: repositoryIdParams,
  response: {
    200: {
      type: 'object',
      properties: { success: { type: 'boolean', enum: [true] }, message: { type: 'string' } },
      required: ['success', 'message'],
    },
    ...errors(400, 401, 403, 404, 409, 422),
  },
} as const;
