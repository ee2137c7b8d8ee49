import { JobNotCancellableError, NotFoundError, ValidationError } from '../domain/errors.js';
import { parseRecordId, recordIdOrNotFound, recordNotFound } from '../domain/ids.js';
import { MAX_JOBS_PAGE, jobListWhere } from '../jobs/history.js';
import { selectsField } from './selection.js';
import { MAX_LOG_PAGE } from '../logs/log-line.js';
import type { JobWithRepository } from '../jobs/live-job.js';
import { JobKind, JobStatus, JobTrigger, isTerminal } from '../domain/job-status.js';
import { JobRef, JobStatusEnum, JobTriggerEnum } from './job-interface.js';
import { ALL_JOBS } from '../events/topics.js';
import { builder } from './builder.js';
import { jobStepKey } from './job-steps.js';
import { currentThenChanges, endWithSource } from './streams.js';
import { LogPageRef } from './log.js';
import { RepositoryRef } from './repository.js';

export { JobStatusEnum, JobTriggerEnum };
/** Backups only: the fields and subscriptions of this file predate the other kinds and keep to backups. */
const isBackup = (job: { kind: string } | null | undefined): boolean => job?.kind === JobKind.BACKUP;

const BackupProgressRef = builder.objectRef<JobWithRepository>('BackupProgress').implement({
  description: "A backup's progress, from borg's archive_progress lines and the pre-scan of its sources",
  fields: (t) => ({
    percent: t.exposeFloat('percent', { description: '0–100; 100 only once borg has finished the archive' }),
    originalSize: t.expose('originalSize', { type: 'SafeInt' }),
    compressedSize: t.expose('compressedSize', { type: 'SafeInt' }),
    deduplicatedSize: t.expose('deduplicatedSize', { type: 'SafeInt' }),
    filesProcessed: t.exposeInt('filesProcessed'),
    currentFile: t.exposeString('currentFile', { nullable: true }),
    speedMBps: t.exposeFloat('speedMBps', { description: 'MB/s (10^6 bytes) over a sliding window' }),
    etaSeconds: t.exposeInt('etaSeconds', { nullable: true, description: 'null while unknown' }),
    totalExpectedSize: t.expose('totalExpectedSize', {
      type: 'SafeInt',
      nullable: true,
      description: 'pre-scanned size of the sources, null until known',
    }),
    sampledAt: t.expose('progressSampledAt', {
      type: 'DateTime',
      nullable: true,
      description: "when borg reported these numbers (borg's clock); null before its first report",
    }),
  }),
});

export const BackupJobRef = builder.prismaObject('BackupJob', {
  interfaces: [JobRef],
  fields: (t) => ({
    id: t.exposeID('id', { description: 'decimal job number, the same as REST job_id' }),
    // a plain field: live jobs carry their repository, stored ones are loaded with it
    repository: t.field({
      type: RepositoryRef,
      resolve: async (job, _args, ctx) =>
        (job as Partial<JobWithRepository>).repository ?? (await ctx.prisma.repository.findUniqueOrThrow({ where: { id: job.repositoryId } })),
    }),
    repositoryPath: t.exposeString('repositoryPath'),
    status: t.field({ type: JobStatusEnum, resolve: (job) => job.status as JobStatus }),
    trigger: t.field({ type: JobTriggerEnum, resolve: (job) => job.trigger as JobTrigger }),
    scheduleId: t.id({ nullable: true, resolve: (job) => job.scheduleId }),
    archiveName: t.exposeString('archiveName', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    progress: t.field({ type: BackupProgressRef, resolve: (job) => job as JobWithRepository }),
    errorMessage: t.exposeString('errorMessage', { nullable: true }),
    exitCode: t.exposeInt('exitCode', { nullable: true }),
    maintenanceStatus: t.exposeString('maintenanceStatus', { nullable: true }),
    logsExpired: t.exposeBoolean('logsExpired', {
      description: 'true once the log retention (BORGQL_LOG_RETENTION_DAYS) removed the log lines; `logs` is then empty',
    }),
    logs: t.field({
      type: LogPageRef,
      description: `the lines after the first \`offset\` (lines already seen), at most \`limit\` (≤ ${MAX_LOG_PAGE})`,
      args: { offset: t.arg.int({ defaultValue: 0 }), limit: t.arg.int({ defaultValue: 1000 }) },
      resolve: (job, args, ctx) => ctx.jobs.readLog(job.id, args.offset ?? 0, args.limit ?? 1000),
    }),
  }),
});

builder.prismaObjectField('Repository', 'lastJob', (t) =>
  t.field({
    type: BackupJobRef,
    nullable: true,
    description: 'the newest job of this repository',
    resolve: async (repository, _args, ctx) => {
      const row = await ctx.prisma.backupJob.findFirst({
        where: { repositoryId: repository.id, kind: JobKind.BACKUP },
        orderBy: { id: 'desc' },
        include: { repository: true },
      });
      return row && (ctx.jobs.current(row.id) ?? row);
    },
  }),
);

builder.queryFields((t) => ({
  jobs: t.prismaField({
    type: ['BackupJob'],
    description: 'Jobs, newest first; `repository` is its path',
    args: {
      limit: t.arg.int({ defaultValue: 200 }),
      scheduledOnly: t.arg.boolean({ defaultValue: false }),
      manualOnly: t.arg.boolean({ defaultValue: false }),
      repository: t.arg.string(),
      status: t.arg({ type: [JobStatusEnum] }),
    },
    resolve: async (query, _root, args, ctx, info) => {
      const limit = args.limit ?? 200;
      if (!Number.isInteger(limit) || limit < 0 || limit > MAX_JOBS_PAGE) {
        throw new ValidationError(`limit must be from 0 to ${MAX_JOBS_PAGE}`, 'limit');
      }
      const where = jobListWhere(args);
      // loaded with the page when selected: 50 rows' repositories one by one (Prisma batches them) cost
      // about 2 ms of the server's CPU against 0.8 ms with the page (BENCHMARKS.md, history)
      const include = selectsField(info, 'repository') ? { ...query.include, repository: true } : query.include;
      const rows = await ctx.prisma.backupJob.findMany({ ...query, include, where, orderBy: { id: 'desc' }, take: limit });
      return rows.map((row) => ctx.jobs.current(row.id) ?? row);
    },
  }),
  job: t.field({
    type: BackupJobRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const id = parseRecordId(args.id);
      const job = id === null ? null : await ctx.jobs.get(id);
      return isBackup(job) ? job : null;
    },
  }),
}));

const CancelBackupSuccess = builder.objectRef<{ job: JobWithRepository; processTerminated: boolean }>('CancelBackupSuccess').implement({
  fields: (t) => ({
    job: t.field({ type: BackupJobRef, resolve: (r) => r.job }),
    processTerminated: t.exposeBoolean('processTerminated', { description: 'whether a borg process was signalled' }),
  }),
});

builder.mutationFields((t) => ({
  cancelBackup: t.field({
    type: CancelBackupSuccess,
    authScopes: { operator: true },
    description: 'Cancels a pending or running job; resolves once it is CANCELLED',
    args: { id: t.arg.id({ required: true }) },
    errors: { types: [NotFoundError, JobNotCancellableError], directResult: true, union: { name: 'CancelBackupResult' } },
    resolve: async (_root, args, ctx) => {
      const id = recordIdOrNotFound('job', args.id);
      if (!isBackup(await ctx.jobs.get(id))) throw recordNotFound('job', args.id);
      return ctx.jobs.cancel(id);
    },
  }),
}));

builder.subscriptionFields((t) => ({
  jobProgress: t.field({
    type: BackupJobRef,
    description: "A job's current state at once, then every change; completes when the job ends",
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, ctx) => {
      const id = recordIdOrNotFound('job', args.id);
      // subscribe before reading the current state, so no change falls in between;
      // latest-wins: a slow reader gets every step and the newest progress of each (the terminal state last)
      const changes = ctx.pubsub.subscribe('job', id, { latestBy: jobStepKey });
      const current = async () => {
        const job = await ctx.jobs.get(id);
        if (!job || !isBackup(job)) throw recordNotFound('job', args.id);
        return job;
      };
      return currentThenChanges<JobWithRepository>(changes, current, (state) => isTerminal(state.status));
    },
    resolve: (job) => job,
  }),
  jobEvents: t.field({
    type: BackupJobRef,
    description: "Every job's state changes (dashboards); a client that reads slowly gets every status change and the newest progress",
    subscribe: (_root, _args, ctx) => {
      const changes = ctx.pubsub.subscribe('jobs', ALL_JOBS, { latestBy: jobStepKey });
      return endWithSource(changes, async function* () {
        for await (const job of changes) if (isBackup(job)) yield job;
      });
    },
    resolve: (job) => job,
  }),
}));
