import { JobNotCancellableError, NotFoundError, ValidationError } from '../domain/errors.js';
import { parseRecordId, recordIdOrNotFound, recordNotFound } from '../domain/ids.js';
import { JobKind, isTerminal } from '../domain/job-status.js';
import { MAX_JOBS_PAGE } from '../jobs/history.js';
import { parseStringList } from '../repositories/repository-settings.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { JobRef, type JobRow } from './job-interface.js';
import { jobStepKey } from './job-steps.js';
import { currentThenChanges } from './streams.js';

const RestoreProgressRef = builder.objectRef<JobRow>('RestoreProgress').implement({
  description: "A restore's progress, from borg extract's progress lines (docs/borg.md)",
  fields: (t) => ({
    percent: t.exposeFloat('percent', { description: '0–100 of the bytes to restore; 100 only once borg has finished' }),
    filesRestored: t.exposeInt('filesProcessed', { description: 'items written (files, folders, links)' }),
    bytesRestored: t.expose('originalSize', { type: 'SafeInt' }),
    totalBytes: t.expose('totalExpectedSize', { type: 'SafeInt', nullable: true, description: 'the size of what is restored, null until borg said' }),
    currentFile: t.exposeString('currentFile', { nullable: true }),
    speedMBps: t.exposeFloat('speedMBps', { description: 'MB/s (10^6 bytes) over a sliding window' }),
    etaSeconds: t.exposeInt('etaSeconds', { nullable: true, description: 'null while unknown' }),
  }),
});

export const RestoreJobRef = builder.objectRef<JobRow>('RestoreJob').implement({
  description: 'borg extract of an archive, or of some of its paths, into a destination folder',
  interfaces: [JobRef],
  fields: (t) => ({
    archiveName: t.string({ resolve: (job) => job.archiveName ?? '' }),
    destination: t.string({ resolve: (job) => job.destination ?? '' }),
    paths: t.stringList({ description: 'archive paths restored; empty: the whole archive', resolve: (job) => parseStringList(job.paths ?? '[]') }),
    dryRun: t.exposeBoolean('dryRun', { description: 'borg extract --dry-run: reads the archive, writes nothing' }),
    overwrite: t.exposeBoolean('overwrite'),
    progress: t.field({ type: RestoreProgressRef, resolve: (job) => job }),
  }),
});

export const CheckJobRef = builder.objectRef<JobRow>('CheckJob').implement({
  description: 'borg check of a repository and its archives',
  interfaces: [JobRef],
  fields: (t) => ({
    verifyData: t.exposeBoolean('verifyData', { description: 'borg check --verify-data: reads and verifies every chunk (slow)' }),
    problemsFound: t.exposeInt('problemsFound', { nullable: true, description: 'error lines borg check printed; null until it ran' }),
  }),
});

/** The newest jobs of one kind, with the live state of those this server runs. */
async function jobsOfKind(ctx: Context, kind: JobKind, limit: number): Promise<JobRow[]> {
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_JOBS_PAGE) throw new ValidationError(`limit must be from 0 to ${MAX_JOBS_PAGE}`, 'limit');
  const rows = await ctx.prisma.backupJob.findMany({ where: { kind }, orderBy: { id: 'desc' }, take: limit, include: { repository: true } });
  return rows.map((row) => ctx.jobs.current(row.id) ?? row);
}

builder.queryFields((t) => ({
  anyJob: t.field({
    type: JobRef,
    nullable: true,
    description: 'A job of any kind by id',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => {
      const id = parseRecordId(args.id);
      return id === null ? null : ctx.jobs.get(id);
    },
  }),
  restoreJobs: t.field({
    type: [RestoreJobRef],
    description: `Restores, newest first (limit ≤ ${MAX_JOBS_PAGE})`,
    args: { limit: t.arg.int({ defaultValue: 50 }) },
    resolve: (_root, args, ctx) => jobsOfKind(ctx, JobKind.RESTORE, args.limit ?? 50),
  }),
  checkJobs: t.field({
    type: [CheckJobRef],
    description: `Checks, newest first (limit ≤ ${MAX_JOBS_PAGE})`,
    args: { limit: t.arg.int({ defaultValue: 50 }) },
    resolve: (_root, args, ctx) => jobsOfKind(ctx, JobKind.CHECK, args.limit ?? 50),
  }),
}));

const StartRestoreInput = builder.inputType('StartRestoreInput', {
  fields: (t) => ({
    repository: t.string({ required: true, description: "the repository's path, id or name" }),
    archive: t.string({ required: true }),
    paths: t.stringList({ defaultValue: [], description: 'archive paths as Archive.contents lists them; empty: everything' }),
    destination: t.string({ required: true, description: 'absolute; created when missing; must be empty unless overwrite' }),
    dryRun: t.boolean({ defaultValue: false }),
    overwrite: t.boolean({ defaultValue: false }),
  }),
});

const StartRestoreSuccess = builder.objectRef<{ job: JobRow; message: string }>('StartRestoreSuccess').implement({
  fields: (t) => ({ job: t.field({ type: RestoreJobRef, resolve: (r) => r.job }), message: t.exposeString('message') }),
});
const StartCheckSuccess = builder.objectRef<{ job: JobRow; message: string }>('StartCheckSuccess').implement({
  fields: (t) => ({ job: t.field({ type: CheckJobRef, resolve: (r) => r.job }), message: t.exposeString('message') }),
});
const CancelJobSuccess = builder.objectRef<{ job: JobRow; processTerminated: boolean }>('CancelJobSuccess').implement({
  fields: (t) => ({
    job: t.field({ type: JobRef, resolve: (r) => r.job }),
    processTerminated: t.exposeBoolean('processTerminated', { description: 'whether a borg process was signalled' }),
  }),
});

builder.mutationFields((t) => ({
  startRestore: t.field({
    type: StartRestoreSuccess,
    authScopes: { operator: true },
    description: 'Queues a restore (borg extract) of an archive into a destination; it runs when the repository is free',
    args: { input: t.arg({ type: StartRestoreInput, required: true }) },
    errors: { types: [NotFoundError, ValidationError], directResult: true, union: { name: 'StartRestoreResult' } },
    resolve: async (_root, { input }, ctx) => {
      const job = await ctx.jobs.startRestore({
        repository: input.repository,
        archive: input.archive,
        paths: input.paths ?? [],
        destination: input.destination,
        dryRun: input.dryRun ?? false,
        overwrite: input.overwrite ?? false,
      });
      return { job, message: input.dryRun ? 'Restore dry run started' : 'Restore job started' };
    },
  }),
  startCheck: t.field({
    type: StartCheckSuccess,
    authScopes: { operator: true },
    description: 'Queues a borg check of a repository (its path, id or name)',
    args: { repository: t.arg.string({ required: true }), verifyData: t.arg.boolean({ defaultValue: false }) },
    errors: { types: [NotFoundError, ValidationError], directResult: true, union: { name: 'StartCheckResult' } },
    resolve: async (_root, args, ctx) => {
      if (args.repository.trim() === '') throw new ValidationError('repository must not be empty', 'repository');
      return { job: await ctx.jobs.startCheck(args.repository, args.verifyData ?? false), message: 'Check job started' };
    },
  }),
  cancelJob: t.field({
    type: CancelJobSuccess,
    authScopes: { operator: true },
    description: 'Cancels a pending or running job of any kind; resolves once it is CANCELLED',
    args: { id: t.arg.id({ required: true }) },
    errors: { types: [NotFoundError, JobNotCancellableError], directResult: true, union: { name: 'CancelJobResult' } },
    resolve: (_root, args, ctx) => ctx.jobs.cancel(recordIdOrNotFound('job', args.id)),
  }),
}));

builder.subscriptionFields((t) => ({
  jobUpdates: t.field({
    type: JobRef,
    description: 'A job of any kind: its current state at once, then every change; completes when the job ends',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, ctx) => {
      const id = recordIdOrNotFound('job', args.id);
      // as jobProgress: subscribe first, so no change falls between the read and the stream
      const changes = ctx.pubsub.subscribe('job', id, { latestBy: jobStepKey });
      const current = async () => {
        const job = await ctx.jobs.get(id);
        if (!job) throw recordNotFound('job', args.id);
        return job;
      };
      return currentThenChanges<JobRow>(changes, current, (state) => isTerminal(state.status));
    },
    resolve: (job) => job,
  }),
}));
