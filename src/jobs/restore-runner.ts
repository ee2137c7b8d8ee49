import { extractArgs, type BorgEvent } from '../borg/index.js';
import { ValidationError } from '../domain/errors.js';
import { JobStatus } from '../domain/job-status.js';
import type { RepositoryBorg } from '../repositories/repository-borg.js';
import { parseStringList } from '../repositories/repository-settings.js';
import type { JobEnd } from './job-end.js';
import type { LiveJob } from './live-job.js';
import { decaySpeedWhileQuiet, ProgressTracker } from './progress.js';
import { prepareRestoreTarget } from './restore-target.js';
import { recordBorgEvent, runBorgStep } from './runner.js';

/** The logger of `borg extract --list`: one line per item restored. */
const LIST_LOGGER = 'borg.output.list';

/**
 * Runs `borg extract` for a restore job in its destination (created 0700
 * when missing). Progress comes from borg's own `progress_percent` lines
 * (msgid `extract`: bytes done, the archive's total, the current file;
 * docs/borg.md "borg extract"), files from its `--list` lines; both feed the
 * same tracker as a backup's, so percent, speed and ETA mean the same. A
 * path not in the archive makes borg warn "Include pattern … never
 * matched" (exit 1): the job ends FAILED with that message, since what was
 * asked for was not restored.
 */
export async function runRestore(job: LiveJob, borg: RepositoryBorg): Promise<JobEnd> {
  const { row } = job;
  const request = { destination: row.destination ?? '', paths: parseStringList(row.paths ?? '[]'), overwrite: row.overwrite, dryRun: row.dryRun };
  let cwd: string;
  try {
    cwd = prepareRestoreTarget(request, row.repository);
  } catch (error) {
    if (error instanceof ValidationError) return { status: JobStatus.FAILED, errorMessage: error.message };
    throw error;
  }
  const args = extractArgs({
    repoPath: row.repository.path,
    archiveName: row.archiveName ?? '',
    paths: request.paths,
    dryRun: row.dryRun,
    lockWaitSeconds: row.repository.lockWaitSeconds,
  });
  const tracker = new ProgressTracker();
  let files = 0;
  let bytes = 0;
  let current: string | null = null;
  // an object, not a let: TypeScript cannot see a closure assign it
  const missing: { message: string | null } = { message: null };
  const onEvent = (event: BorgEvent) => {
    if (event.type === 'progress_percent' && event.msgid === 'extract') {
      if (event.finished || event.current === null) return;
      if (event.total !== null && event.total > 0) tracker.setTotalExpected(event.total);
      bytes = event.current;
      current = event.info?.[0] ?? current;
      tracker.record({ originalSize: bytes, compressedSize: 0, deduplicatedSize: 0, nfiles: files, path: current, time: event.time ?? Date.now() / 1000 });
      void job.update(tracker.snapshot());
      return;
    }
    if (event.type === 'log_message' && event.name === LIST_LOGGER) files++;
    if (event.type === 'log_message' && event.level === 'WARNING' && /^Include pattern .* never matched\.$/.test(event.message))
      missing.message ??= event.message;
    recordBorgEvent(job, event, null);
  };
  const stopDecay = decaySpeedWhileQuiet(tracker, job);
  let result;
  try {
    result = await runBorgStep(job, borg, args, null, undefined, { cwd, onEvent });
  } finally {
    stopDecay();
  }
  const ok = result.outcome.kind === 'success' || result.outcome.kind === 'warning';
  // borg's last progress line comes before the last bytes are written: once it ended well, all of them were
  if (ok) tracker.finish({ originalSize: Number(tracker.snapshot().totalExpectedSize ?? bytes), compressedSize: 0, deduplicatedSize: 0, nfiles: files });
  await job.update({ ...tracker.snapshot(), filesProcessed: files, currentFile: null, speedMBps: ok ? 0 : job.row.speedMBps, exitCode: result.exitCode }, true);
  if (job.signal.aborted) return { status: JobStatus.CANCELLED, errorMessage: null };
  if (missing.message) return { status: JobStatus.FAILED, errorMessage: `not in archive ${row.archiveName ?? ''}: ${missing.message}` };
  if (result.outcome.kind === 'success') return { status: JobStatus.COMPLETED, errorMessage: null };
  if (result.outcome.kind === 'warning') return { status: JobStatus.COMPLETED_WITH_WARNINGS, errorMessage: null };
  return { status: JobStatus.FAILED, errorMessage: result.outcome.message };
}
