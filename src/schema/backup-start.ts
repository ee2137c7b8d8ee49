import { NotFoundError, ValidationError } from '../domain/errors.js';
import { recordIdOrNotFound } from '../domain/ids.js';
import type { JobWithRepository } from '../jobs/live-job.js';
import { retryJob } from '../jobs/retry.js';
import { builder } from './builder.js';
import { NotFoundErrorRef, sharedResultUnion, ValidationErrorRef } from './errors.js';
import { BackupJobRef } from './job.js';

/** A job just queued, and what to tell the caller. */
class BackupStarted {
  constructor(
    readonly job: JobWithRepository,
    readonly message: string,
  ) {}
}

const StartBackupSuccess = builder.objectType(BackupStarted, {
  name: 'StartBackupSuccess',
  fields: (t) => ({ job: t.field({ type: BackupJobRef, resolve: (r) => r.job }), message: t.exposeString('message') }),
});

// startBackup and retryJob both queue a job: one union, so a client handles both with one fragment
const startResult = sharedResultUnion('StartBackupResult', { ref: StartBackupSuccess, is: (value): value is BackupStarted => value instanceof BackupStarted }, [
  { ref: NotFoundErrorRef, type: NotFoundError },
  { ref: ValidationErrorRef, type: ValidationError },
]);

builder.objectFields(BackupJobRef, (t) => ({
  retryOf: t.field({
    type: BackupJobRef,
    nullable: true,
    description: 'the job this one retries (retryJob), null for a job started otherwise',
    resolve: (job, _args, ctx) => (job.retryOfId === null ? null : ctx.jobs.get(job.retryOfId)),
  }),
  // the id alone, like scheduleId: a list of jobs shows its lineage without loading each retried job
  retryOfId: t.id({ nullable: true, description: 'the id of retryOf (REST retry_of_job_id)', resolve: (job) => job.retryOfId }),
}));

builder.mutationFields((t) => ({
  startBackup: t.field({
    type: startResult.union,
    authScopes: { operator: true },
    description:
      'Queues a backup of a repository (its path, id or name); it runs when the repository is free. ' +
      '`sourcePaths` and `archiveName` replace the repository’s sources and the generated archive name for this job only',
    args: {
      repository: t.arg.string({ required: true }),
      sourcePaths: t.arg.stringList({ description: 'absolute, existing paths backed up instead of the repository’s sources' }),
      archiveName: t.arg.string({ description: 'the archive’s name instead of borgql-<job>-<time> (no "/", "::", "{", "}" or control characters)' }),
      idempotencyKey: t.arg.string({ description: 'the same key within 24 h answers the job it started instead of starting another' }),
    },
    resolve: (_root, args, ctx) =>
      startResult.settle(async () => {
        if (args.repository.trim() === '') throw new ValidationError('repository must not be empty', 'repository');
        const overrides = { sourcePaths: args.sourcePaths, archiveName: args.archiveName };
        if (args.idempotencyKey != null) {
          const { job, created } = await ctx.idempotentStarts.start(args.repository, args.idempotencyKey, overrides);
          return new BackupStarted(job, created ? 'Backup job started' : 'Backup job already started with this idempotency key');
        }
        return new BackupStarted(await ctx.jobs.startBackup(args.repository, overrides), 'Backup job started');
      }),
  }),
  retryJob: t.field({
    type: startResult.union,
    authScopes: { operator: true },
    description: 'Queues a finished job again: a new job of the same repository with the same sourcePaths and archiveName, its retryOf the old one',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) =>
      startResult.settle(async () => new BackupStarted(await retryJob(ctx.jobs, recordIdOrNotFound('job', args.id)), 'Backup job retry started')),
  }),
}));
