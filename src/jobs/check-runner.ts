import { checkArgs, type BorgEvent } from '../borg/index.js';
import { JobStatus } from '../domain/job-status.js';
import type { RepositoryBorg } from '../repositories/repository-borg.js';
import type { JobEnd } from './job-end.js';
import type { LiveJob } from './live-job.js';
import { recordBorgEvent, runBorgStep } from './runner.js';

/**
 * Runs `borg check` (with `--verify-data` when the job asks) for a check
 * job. Every ERROR line borg prints is a problem (docs/borg.md "borg
 * check": a damaged segment gives several, among them the summary "errors
 * found"); the count is stored in problemsFound. Problems, or borg ending
 * with an error, fail the job with borg's first problem as its message.
 */
export async function runCheck(job: LiveJob, borg: RepositoryBorg): Promise<JobEnd> {
  const { repository } = job.row;
  let problems = 0;
  let firstProblem: string | null = null;
  const onEvent = (event: BorgEvent) => {
    if (event.type === 'log_message' && (event.level === 'ERROR' || event.level === 'CRITICAL')) {
      problems++;
      firstProblem ??= event.message;
    }
    recordBorgEvent(job, event, null);
  };
  const args = checkArgs(repository.path, { verifyData: job.row.verifyData, lockWaitSeconds: repository.lockWaitSeconds });
  const result = await runBorgStep(job, borg, args, null, undefined, { onEvent });
  const started = result.exitCode !== null || result.signal !== null;
  await job.update(
    { problemsFound: started ? problems : null, exitCode: result.exitCode, percent: result.outcome.kind === 'success' ? 100 : job.row.percent },
    true,
  );
  if (job.signal.aborted) return { status: JobStatus.CANCELLED, errorMessage: null };
  if (result.outcome.kind === 'error' && problems === 0) return { status: JobStatus.FAILED, errorMessage: result.outcome.message };
  if (problems > 0 || (result.outcome.kind !== 'success' && result.outcome.kind !== 'warning')) {
    return {
      status: JobStatus.FAILED,
      errorMessage: `borg check found ${problems} problem${problems === 1 ? '' : 's'} (first: ${firstProblem ?? result.outcome.message})`,
    };
  }
  return { status: result.outcome.kind === 'success' ? JobStatus.COMPLETED : JobStatus.COMPLETED_WITH_WARNINGS, errorMessage: null };
}
