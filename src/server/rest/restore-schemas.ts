/**
 * JSON schemas of Borg UI's `/api/restore/*` and `/api/archives/*` routes
 * (README "Restore"): validation, serialization and the OpenAPI document,
 * as schemas.ts does for the backup routes.
 */
import { MAX_JOBS_PAGE } from '../../jobs/history.js';
import { MAX_CONTENTS_PAGE } from '../../repositories/archive-contents.js';
import { errorSchema, jobIdParams, jobSchema } from './schemas.js';

const nullable = (type: string) => ({ type: [type, 'null'] });

const DESCRIPTIONS: Record<number, string> = {
  400: 'bad input',
  401: 'missing, invalid or revoked token',
  403: 'the token’s role is too weak',
  404: 'unknown job, repository or archive',
  409: 'a job runs on or waits for the repository',
  422: 'borg refused (its message)',
};
const errors = (...codes: number[]) => Object.fromEntries(codes.map((code) => [code, { ...errorSchema, description: DESCRIPTIONS[code] }]));

export const restoreJobSchema = {
  type: 'object',
  description: "A restore job in Borg UI's shape",
  properties: {
    id: { type: 'integer' },
    repository: { type: 'string', description: "the repository's path" },
    archive: { type: 'string' },
    destination: { type: 'string' },
    status: jobSchema.properties.status,
    started_at: { ...nullable('string'), format: 'date-time' },
    completed_at: { ...nullable('string'), format: 'date-time' },
    progress: { type: 'integer', minimum: 0, maximum: 100 },
    error_message: nullable('string'),
    progress_details: {
      type: 'object',
      properties: {
        nfiles: { type: 'integer', description: 'items restored' },
        current_file: { type: 'string', description: 'empty when none' },
        progress_percent: { type: 'number' },
        restore_speed: { type: 'number', description: 'MB/s (10^6 bytes)' },
        estimated_time_remaining: { type: 'integer', description: 'seconds; 0 while unknown' },
      },
      required: ['nfiles', 'current_file', 'progress_percent', 'restore_speed', 'estimated_time_remaining'],
    },
  },
  required: ['id', 'repository', 'archive', 'destination', 'status', 'started_at', 'completed_at', 'progress', 'error_message', 'progress_details'],
} as const;

export const restoreStartSchema = {
  summary: 'Queue a restore of an archive, or of some of its paths, into a destination (operator)',
  body: {
    type: 'object',
    properties: {
      repository: { type: 'string', minLength: 1, description: "the repository's path (or id, or name)" },
      repository_id: { type: 'integer', minimum: 1, description: 'in place of repository' },
      archive: { type: 'string', minLength: 1 },
      paths: { type: 'array', items: { type: 'string' }, default: [], description: 'archive paths (as contents lists them); empty: everything' },
      destination: { type: 'string', minLength: 1, description: 'absolute; created when missing; must be empty unless overwrite' },
      dry_run: { type: 'boolean', default: false },
      overwrite: { type: 'boolean', default: false },
    },
    required: ['archive', 'destination'],
  },
  response: {
    200: {
      type: 'object',
      properties: { job_id: { type: 'integer' }, status: { type: 'string', enum: ['pending'] }, message: { type: 'string' } },
      required: ['job_id', 'status', 'message'],
    },
    ...errors(400, 401, 403, 404),
  },
} as const;

export const restoreJobsSchema = {
  summary: 'Restore jobs, newest first (viewer)',
  querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 0, maximum: MAX_JOBS_PAGE, default: 50 } } },
  response: { 200: { type: 'object', properties: { jobs: { type: 'array', items: restoreJobSchema } }, required: ['jobs'] }, ...errors(400, 401) },
} as const;

export const restoreStatusSchema = {
  summary: "A restore's state and progress (viewer)",
  params: jobIdParams,
  response: { 200: restoreJobSchema, ...errors(400, 401, 404) },
} as const;

export const restoreCancelSchema = {
  summary: 'Cancel a pending or running restore (operator); answers once it is cancelled',
  params: jobIdParams,
  response: {
    200: {
      type: 'object',
      properties: { message: { type: 'string' }, process_terminated: { type: 'boolean' } },
      required: ['message', 'process_terminated'],
    },
    ...errors(400, 401, 403, 404),
  },
} as const;

const repositoryQuery = {
  type: 'object',
  properties: { repository: { type: 'string', minLength: 1, description: "the repository's path (or id, or name)" } },
  required: ['repository'],
} as const;
const archiveParams = { type: 'object', properties: { archive: { type: 'string', minLength: 1 } }, required: ['archive'] } as const;

const archiveSummary = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    id: { type: 'string' },
    start: { type: 'string', format: 'date-time' },
    time: { ...nullable('string'), format: 'date-time' },
  },
  required: ['name', 'id', 'start', 'time'],
} as const;

export const archivesListSchema = {
  summary: "A repository's archives, oldest first (viewer)",
  querystring: repositoryQuery,
  response: {
    200: { type: 'object', properties: { archives: { type: 'array', items: archiveSummary } }, required: ['archives'] },
    ...errors(400, 401, 404, 422),
  },
} as const;

export const archiveInfoSchema = {
  summary: "One archive's metadata and sizes (viewer)",
  params: archiveParams,
  querystring: repositoryQuery,
  response: {
    200: {
      type: 'object',
      properties: {
        info: {
          type: 'object',
          properties: {
            ...archiveSummary.properties,
            end: { ...nullable('string'), format: 'date-time' },
            duration: { ...nullable('number'), description: 'seconds' },
            hostname: nullable('string'),
            username: nullable('string'),
            comment: nullable('string'),
            stats: {
              type: ['object', 'null'],
              properties: {
                original_size: { type: 'integer' },
                compressed_size: { type: 'integer' },
                deduplicated_size: { type: 'integer' },
                nfiles: { type: 'integer' },
              },
            },
          },
          required: ['name', 'id', 'start', 'end', 'duration', 'stats', 'hostname', 'username', 'comment'],
        },
      },
      required: ['info'],
    },
    ...errors(400, 401, 404, 422),
  },
} as const;

export const archiveContentsSchema = {
  summary: 'One folder level of an archive, by path (viewer); page with `after` = the last path of the previous page',
  params: archiveParams,
  querystring: {
    type: 'object',
    properties: {
      ...repositoryQuery.properties,
      path: { type: 'string', default: '', description: 'the folder ("" for the top)' },
      limit: { type: 'integer', minimum: 1, maximum: MAX_CONTENTS_PAGE, default: 1000 },
      after: { type: 'string' },
    },
    required: ['repository'],
  },
  response: {
    200: {
      type: 'object',
      properties: {
        items: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              path: { type: 'string' },
              type: { type: 'string', enum: ['file', 'directory', 'symlink', 'other'] },
              size: { type: 'integer' },
              mtime: { ...nullable('string'), format: 'date-time' },
              mode: nullable('string'),
            },
            required: ['path', 'type', 'size', 'mtime', 'mode'],
          },
        },
        has_more: { type: 'boolean' },
      },
      required: ['items', 'has_more'],
    },
    ...errors(400, 401, 404, 422),
  },
} as const;

export const archiveDeleteSchema = {
  summary: 'Delete one archive (admin); 409 while a job runs on or waits for the repository',
  params: archiveParams,
  querystring: repositoryQuery,
  response: {
    200: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
    ...errors(400, 401, 403, 404, 409, 422),
  },
} as const;
