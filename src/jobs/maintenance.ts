import { compactArgs, hasRetentionRule, pruneArgs, type RetentionPolicy } from '../borg/index.js';
import type { Repository } from '../db/client.js';
import type { RepositoryBorg } from '../repositories/repository-borg.js';
import type { LiveJob } from './live-job.js';
import { runBorgStep } from './runner.js';

/** The values of BackupJob.maintenanceStatus, in the order a job moves through them. */
export const MaintenanceStatus = {
  RUNNING_PRUNE: 'running_prune',
  PRUNE_COMPLETED: 'prune_completed',
  PRUNE_FAILED: 'prune_failed',
  RUNNING_COMPACT: 'running_compact',
  COMPACT_COMPLETED: 'compact_completed',
  COMPACT_FAILED: 'compact_failed',
  MAINTENANCE_COMPLETED: 'maintenance_completed',
} as const;

/**
 * Prune only borgql's own archives: a repository may also hold archives of
 * other tools (borgmatic, a person running borg), which our policy must not
 * delete. borgql names its archives `borgql-<job>-<time>`.
 */
export const PRUNE_GLOB = 'borgql-*';

/** A repository's retention policy, or null when it has no rule (no maintenance). */
export function retentionOf(repository: Repository): RetentionPolicy | null {
  const policy: RetentionPolicy = {
    keepWithin: repository.keepWithin,
    keepLast: repository.keepLast,
    keepHourly: repository.keepHourly,
    keepDaily: repository.keepDaily,
    keepWeekly: repository.keepWeekly,
    keepMonthly: repository.keepMonthly,
    keepYearly: repository.keepYearly,
  };
  return hasRetentionRule(policy) ? policy : null;
}

/**
 * After a saved backup: `borg prune` by the repository's retention policy,
 * then `borg compact` when enabled, in the same job and log. Failures only
 * show in maintenanceStatus (the backup's own outcome stands); a cancel
 * stops the current step and skips the rest.
 */
export async function runMaintenance(job: LiveJob, borg: RepositoryBorg): Promise<void> {
  const repository = job.row.repository;
  const policy = retentionOf(repository);
  if (!policy || job.signal.aborted) return;
  const lockWait = repository.lockWaitSeconds;

  // with the backup's summary and archive name (runCreate): a restart during prune knows the archive was saved
  await job.update({ maintenanceStatus: MaintenanceStatus.RUNNING_PRUNE }, true);
  const prune = await runBorgStep(job, borg, pruneArgs(repository.path, policy, lockWait, { archiveGlob: PRUNE_GLOB }));
  if (prune.outcome.kind !== 'success' && prune.outcome.kind !== 'warning') {
    job.note(`prune failed: ${prune.outcome.message}`, job.signal.aborted ? 'INFO' : 'ERROR');
    await job.update({ maintenanceStatus: MaintenanceStatus.PRUNE_FAILED }, true);
    return;
  }
  await job.update({ maintenanceStatus: MaintenanceStatus.PRUNE_COMPLETED }, true);
  if (!repository.compact || job.signal.aborted) {
    if (!job.signal.aborted) await job.update({ maintenanceStatus: MaintenanceStatus.MAINTENANCE_COMPLETED }, true);
    return;
  }

  await job.update({ maintenanceStatus: MaintenanceStatus.RUNNING_COMPACT }, true);
  const compact = await runBorgStep(job, borg, compactArgs(repository.path, lockWait));
  if (compact.outcome.kind !== 'success' && compact.outcome.kind !== 'warning') {
    job.note(`compact failed: ${compact.outcome.message}`, job.signal.aborted ? 'INFO' : 'ERROR');
    await job.update({ maintenanceStatus: MaintenanceStatus.COMPACT_FAILED }, true);
    return;
  }
  await job.update({ maintenanceStatus: MaintenanceStatus.COMPACT_COMPLETED }, true);
  await job.update({ maintenanceStatus: MaintenanceStatus.MAINTENANCE_COMPLETED }, true);
}
