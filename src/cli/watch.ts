import cliProgress from 'cli-progress';
import type { BorgqlClient } from './client.js';
import { CliError } from './client.js';
import { exitCodeFor, formatBytes, formatPercent, formatSeconds, isFinal } from './format.js';
import type { CliJobStateFragment } from './gql/graphql.js';
import { JobProgressDocument } from './operations.js';

/** The state of a job as a watch sees it. */
export type JobState = CliJobStateFragment;

/** Where a watch writes: a terminal gets a live bar, anything else one plain line per second. */
export interface WatchOutput {
  stream: NodeJS.WriteStream;
  isTerminal: boolean;
}

/** One plain progress line: `job 7 RUNNING 42.3% 1.20 GB 35.2 MB/s ETA 12s /path`. */
export function progressLine(job: JobState): string {
  const { progress } = job;
  const parts = [`job ${job.id}`, job.status, formatPercent(progress.percent), formatBytes(progress.originalSize), `${progress.speedMBps.toFixed(1)} MB/s`];
  parts.push(`ETA ${formatSeconds(progress.etaSeconds)}`);
  if (progress.currentFile) parts.push(progress.currentFile);
  return parts.join(' ');
}

/** The line that closes a watch: the outcome, and what a person looks at next. */
export function outcomeLine(job: JobState): string {
  const size = `${formatBytes(job.progress.originalSize)} read, ${formatBytes(job.progress.deduplicatedSize)} new, ${job.progress.filesProcessed} files`;
  switch (job.status) {
    case 'COMPLETED':
      return `job ${job.id} completed: archive ${job.archiveName ?? '?'}, ${size}`;
    case 'COMPLETED_WITH_WARNINGS':
      return `job ${job.id} completed with warnings (borgql logs ${job.id} shows them): archive ${job.archiveName ?? '?'}, ${size}`;
    case 'CANCELLED':
      return `job ${job.id} cancelled${job.errorMessage ? `: ${job.errorMessage}` : ''}`;
    default:
      return `job ${job.id} failed${job.exitCode === null || job.exitCode === undefined ? '' : ` (borg exit code ${job.exitCode})`}: ${job.errorMessage ?? 'no reason given'}`;
  }
}

/** The live bar of a terminal: percent, sizes, MB/s, ETA, current file. */
function terminalView(stream: NodeJS.WriteStream) {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'job {job} {status} [{bar}] {pct} | {size} | {speed} MB/s | ETA {remaining} | {file}',
      barsize: 24,
      hideCursor: true,
      // not cli-progress' own signal handlers: they would keep SIGTERM from ending the process;
      // the caller's signal stops the watch and this view (stop() restores the cursor)
      gracefulExit: false,
      // a long file name is cut at the terminal's width instead of wrapping into new lines
      linewrap: false,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const payload = (job: JobState) => ({
    job: job.id,
    status: job.status,
    pct: formatPercent(job.progress.percent).padStart(6),
    size: formatBytes(job.progress.originalSize),
    speed: job.progress.speedMBps.toFixed(1),
    remaining: formatSeconds(job.progress.etaSeconds),
    file: job.progress.currentFile ?? '',
  });
  return {
    show(job: JobState) {
      if (!started) bar.start(100, job.progress.percent, payload(job));
      else bar.update(job.progress.percent, payload(job));
      started = true;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** One line per second with the newest state, for logs and scripts; a change of status at once. */
function plainView(stream: NodeJS.WriteStream) {
  let latest: JobState | null = null;
  let shownStatus: string | null = null;
  const timer = setInterval(() => {
    if (latest?.status === 'RUNNING') stream.write(`${progressLine(latest)}\n`);
  }, 1000);
  return {
    show(job: JobState) {
      latest = job;
      if (job.status === shownStatus) return;
      shownStatus = job.status;
      // the final state gets the outcome line instead
      if (!isFinal(job.status)) stream.write(`${progressLine(job)}\n`);
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/**
 * Follows a job's progress until it ends (`jobProgress`), drawing it on
 * `output`; resolves with the borg-style exit code, or null when `signal`
 * stopped the watch first (the job goes on).
 */
export async function watchJob(client: BorgqlClient, id: string, output: WatchOutput, signal: AbortSignal): Promise<number | null> {
  const view = output.isTerminal ? terminalView(output.stream) : plainView(output.stream);
  let last: JobState | null = null;
  try {
    const completed = await client.subscribe(JobProgressDocument, { id }, { signal, next: (data) => view.show((last = data.jobProgress)) });
    if (!completed) return null;
  } finally {
    view.stop();
  }
  if (!last) throw new CliError(`the server ended the watch of job ${id} without sending its state`);
  const final: JobState = last;
  if (!isFinal(final.status)) throw new CliError(`the watch of job ${id} ended while it was ${final.status}`);
  output.stream.write(`${outcomeLine(final)}\n`);
  return exitCodeFor(final.status);
}
