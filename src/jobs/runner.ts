import {
  archiveNameFor,
  createArgs,
  parseCreateSummary,
  type BorgEvent,
  type BorgOutcome,
  type BorgProcessOptions,
  type BorgRunResult,
} from '../borg/index.js';
import { compileExcludes } from '../borg/patterns.js';
import { RepositoryBorgError } from '../domain/errors.js';
import type { RepositoryBorg } from '../repositories/repository-borg.js';
import type { LiveJob } from './live-job.js';
import { prescanInWorker } from './prescan-threads.js';
import { decaySpeedWhileQuiet, ProgressTracker } from './progress.js';
import { JobStatus } from '../domain/job-status.js';
import { parseStringList } from '../repositories/repository-settings.js';
import { sourcePathsOf } from './backup-overrides.js';
import { findCheckpoint } from './checkpoint.js';

/** The result of a step whose borg never started: the repository cannot be unlocked, or the job is stopping. */
function notStarted(message: string): BorgRunResult {
  return { exitCode: null, signal: null, stdout: '', durationMs: 0, outcome: { kind: 'error', exitCode: null, msgid: null, message } };
}

/**
 * Writes one borg stderr event into the job: progress into the tracker and
 * the job's state, everything a person may want to read into the log.
 * `progress_percent` lines (one per compacted segment, per cache chunk…) are
 * progress, not log, and are left out of the log.
 */
export function recordBorgEvent(job: LiveJob, event: BorgEvent, tracker: ProgressTracker | null): void {
  switch (event.type) {
    case 'archive_progress':
      if (!tracker || event.finished || event.originalSize === null) return;
      tracker.record({
        originalSize: event.originalSize,
        compressedSize: event.compressedSize ?? 0,
        deduplicatedSize: event.deduplicatedSize ?? 0,
        nfiles: event.nfiles ?? 0,
        path: event.path,
        time: event.time ?? Date.now() / 1000,
      });
      void job.update(tracker.snapshot());
      return;
    case 'file_status':
      job.log.append(`${event.status} ${event.path}`, 'INFO');
      return;
    case 'log_message':
      job.log.append(event.message, event.level, event.time === null ? new Date() : new Date(event.time * 1000));
      return;
    case 'progress_message':
      if (event.message) job.log.append(event.message, 'INFO');
      return;
    case 'progress_percent':
      return;
    case 'text':
      if (event.line.trim() !== '') job.log.append(event.line, null);
  }
}

/** The status a finished `borg create` gives its job. */
export function statusForOutcome(outcome: BorgOutcome, cancelled: boolean): JobStatus {
  if (cancelled) return JobStatus.CANCELLED;
  if (outcome.kind === 'success') return JobStatus.COMPLETED;
  if (outcome.kind === 'warning') return JobStatus.COMPLETED_WITH_WARNINGS;
  return JobStatus.FAILED;
}

/** What a step of another kind than create changes (restore, check). */
export interface BorgStepExtras {
  /** the folder borg runs in (extract writes there) */
  cwd?: string;
  /** reads each event in place of recordBorgEvent (which it may call for the lines it does not handle) */
  onEvent?: (event: BorgEvent) => void;
}

/**
 * Runs one borg command as a step of a job: its lines go into the job's log
 * (and `tracker`, for create), it runs under the job's signal (a stop stops
 * it), and its pid is recorded so a restarted server can find it. A
 * repository that cannot be unlocked (its passphrase does not decrypt, its
 * passcommand is no longer allowed), or a job already stopping, gives an
 * error outcome without starting borg.
 */
export async function runBorgStep(
  job: LiveJob,
  borg: RepositoryBorg,
  args: string[],
  tracker: ProgressTracker | null = null,
  onStarted?: () => void,
  options: BorgStepExtras = {},
): Promise<BorgRunResult> {
  let invocation: BorgProcessOptions;
  try {
    invocation = borg.invocation(job.row.repository, args);
  } catch (error) {
    if (error instanceof RepositoryBorgError) return notStarted(error.message);
    throw error;
  }
  const onEvent = options.onEvent ?? ((event: BorgEvent) => recordBorgEvent(job, event, tracker));
  const step = job.startStep({ ...invocation, cwd: options.cwd, onEvent });
  if (!step) return notStarted(`borg ${args[0]} was not started: the job is stopping`);
  // still before borg's first line, which arrives on a later turn of the event loop
  job.note(`borg ${args.join(' ')}`);
  await job.update({ borgPid: step.pid ?? null }, true);
  onStarted?.();
  const result = await step.result;
  const how = result.signal ? ` (${result.signal})` : '';
  job.note(`borg ${args[0]} exited with code ${result.exitCode ?? 'none'}${how}`, result.outcome.kind === 'error' ? 'ERROR' : 'INFO');
  if (result.listenerError)
    job.note(
      `internal error while reading borg's output: ${result.listenerError instanceof Error ? result.listenerError.message : JSON.stringify(result.listenerError)}`,
      'ERROR',
    );
  await job.update({ borgPid: null });
  return result;
}

/**
 * Runs `borg create` for a job and records its final sizes. The pre-scan
 * that gives percent its denominator starts once borg was spawned and runs
 * beside it. Returns borg's result, or null when the job was cancelled
 * before borg started.
 */
export async function runCreate(job: LiveJob, borg: RepositoryBorg): Promise<BorgRunResult | null> {
  const repository = job.row.repository;
  const sourcePaths = sourcePathsOf(job.row, repository);
  const excludePatterns = parseStringList(repository.excludePatterns);
  const archiveName = job.row.requestedArchiveName ?? archiveNameFor(new Date(), job.id);
  const args = createArgs({
    repoPath: repository.path,
    archiveName,
    sourcePaths,
    excludePatterns,
    compression: repository.compression,
    lockWaitSeconds: repository.lockWaitSeconds,
    listFilter: repository.listFilter,
  });
  if (job.signal.aborted) return null;
  if (job.row.requestedSourcePaths !== null) job.note(`this job backs up ${sourcePaths.join(', ')} instead of the repository's sources`);
  const tracker = new ProgressTracker();
  const stopPrescan = new AbortController();
  const { unsupported } = compileExcludes(excludePatterns);
  const startPrescan = () => {
    if (unsupported.length > 0) {
      job.note(`pre-scan: the progress estimate ignores exclude patterns it cannot interpret: ${unsupported.map((p) => JSON.stringify(p)).join(', ')}`);
    }
    prescanInWorker({ sources: sourcePaths, excludePatterns }, stopPrescan.signal).then(
      (scan) => {
        if (!scan || stopPrescan.signal.aborted) return;
        tracker.setTotalExpected(scan.bytes);
        job.note(`pre-scan: ${scan.files} files, ${scan.bytes} bytes to read`);
        // as of now: during a stall, the aged speed, not the last sample's
        void job.update(tracker.snapshot(Date.now() / 1000));
      },
      (error: unknown) => job.note(`pre-scan failed, this job shows no percent: ${error instanceof Error ? error.message : String(error)}`, 'WARNING'),
    );
  };
  const stopDecay = decaySpeedWhileQuiet(tracker, job);
  let result: BorgRunResult;
  try {
    result = await runBorgStep(job, borg, args, tracker, startPrescan);
  } finally {
    // also when the step throws: a scan stuck in a pathological pattern must not outlive its job
    stopPrescan.abort();
    stopDecay();
  }
  const summary = parseCreateSummary(result.stdout);
  if (summary) {
    tracker.finish({
      originalSize: summary.originalSize ?? 0,
      compressedSize: summary.compressedSize ?? 0,
      deduplicatedSize: summary.deduplicatedSize ?? 0,
      nfiles: summary.nfiles ?? 0,
    });
  }
  // the name is recorded only once an archive exists: the saved one, or the checkpoint a cancel left.
  // Only a borg that ended by itself (an exit code) can have handled the SIGINT that writes a checkpoint;
  // one killed outright (no exit code) is not asked: listing costs a borg start (docs/borg.md "Signals")
  const stoppedItself = job.signal.aborted && result.exitCode !== null;
  const savedArchive = summary ? archiveName : stoppedItself ? await findCheckpoint(job, borg, archiveName) : null;
  // written with the job's end, which follows at once, or before maintenance starts (runMaintenance):
  // either way a restart after this point knows the archive was saved (recovery.ts)
  await job.update({
    ...(summary ? tracker.snapshot() : { speedMBps: 0, etaSeconds: null, currentFile: null }),
    exitCode: result.exitCode,
    archiveName: savedArchive,
  });
  return result;
}
