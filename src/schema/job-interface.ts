import type { BackupJob, Repository } from '../db/client.js';
import { JobKind, JobStatus, JobTrigger } from '../domain/job-status.js';
import { MAX_LOG_PAGE } from '../logs/log-line.js';
import { builder } from './builder.js';
import { LogPageRef } from './log.js';
import { RepositoryRef } from './repository.js';

export const JobStatusEnum = builder.enumType('JobStatus', { values: Object.values(JobStatus) });
export const JobTriggerEnum = builder.enumType('JobTrigger', { values: Object.values(JobTrigger) });
export const JobKindEnum = builder.enumType('JobKind', { values: Object.values(JobKind), description: 'What a job runs: borg create, extract or check' });

/** A job row of any kind; live jobs and lists carry their repository, other reads load it. */
export type JobRow = BackupJob & { repository?: Repository };

/** The GraphQL type of each job kind (resolveType of `Job`). */
const TYPE_OF_KIND: Record<string, string> = { [JobKind.BACKUP]: 'BackupJob', [JobKind.RESTORE]: 'RestoreJob', [JobKind.CHECK]: 'CheckJob' };

/**
 * `interface Job`: what every kind of job has (docs/api.md "Archives,
 * restore and checks"). Job ids are one sequence across kinds; the kind
 * picks the object type.
 */
export const JobRef = builder.interfaceRef<JobRow>('Job').implement({
  description: 'A backup, restore or check: the same queue, log, cancel and recovery for each',
  resolveType: (job) => TYPE_OF_KIND[job.kind] ?? 'BackupJob',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'decimal job number, one sequence across kinds (REST job_id)' }),
    kind: t.field({ type: JobKindEnum, resolve: (job) => job.kind as JobKind }),
    status: t.field({ type: JobStatusEnum, resolve: (job) => job.status as JobStatus }),
    repository: t.field({
      type: RepositoryRef,
      resolve: async (job, _args, ctx) => job.repository ?? (await ctx.prisma.repository.findUniqueOrThrow({ where: { id: job.repositoryId } })),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    errorMessage: t.exposeString('errorMessage', { nullable: true }),
    exitCode: t.exposeInt('exitCode', { nullable: true }),
    node: t.exposeString('node', { nullable: true, description: 'the node that ran (or runs) the job; null while it waits to be claimed' }),
    logs: t.field({
      type: LogPageRef,
      description: `the lines after the first \`offset\` (lines already seen), at most \`limit\` (≤ ${MAX_LOG_PAGE})`,
      args: { offset: t.arg.int({ defaultValue: 0 }), limit: t.arg.int({ defaultValue: 1000 }) },
      resolve: (job, args, ctx) => ctx.jobs.readLog(job.id, args.offset ?? 0, args.limit ?? 1000),
    }),
  }),
});
