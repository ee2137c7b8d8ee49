import { JobKind, JobStatus } from '../domain/job-status.js';
import type { RepositoryBorg } from '../repositories/repository-borg.js';
import { runCheck } from './check-runner.js';
import type { JobEnd } from './job-end.js';
import type { LiveJob } from './live-job.js';
import { runMaintenance } from './maintenance.js';
import { runRestore } from './restore-runner.js';
import { runCreate, statusForOutcome } from './runner.js';

/**
 * Runs a claimed job's borg steps by its kind: a restore, a check, or a
 * backup followed by its repository's maintenance (prune, compact) when it
 * saved an archive. A stop (cancel, shutdown) makes it CANCELLED.
 */
export async function runJobSteps(job: LiveJob, borg: RepositoryBorg): Promise<JobEnd> {
  if (job.row.kind === JobKind.RESTORE) return runRestore(job, borg);
  if (job.row.kind === JobKind.CHECK) return runCheck(job, borg);
  const result = await runCreate(job, borg);
  let status = result ? statusForOutcome(result.outcome, job.signal.aborted) : JobStatus.CANCELLED;
  if (result && status === JobStatus.COMPLETED_WITH_WARNINGS) job.note(result.outcome.message, 'WARNING');
  if (status === JobStatus.COMPLETED || status === JobStatus.COMPLETED_WITH_WARNINGS) {
    await runMaintenance(job, borg);
    if (job.signal.aborted) status = JobStatus.CANCELLED;
  }
  return { status, errorMessage: result && status === JobStatus.FAILED ? result.outcome.message : null };
}
