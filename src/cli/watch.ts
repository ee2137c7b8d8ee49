import cliProgress from 'cli-progress';
import type { BorgqlClient } from './client.js';
import { CliError } from './client.js';
import { exitCodeFor, formatBytes, formatPercent, formatSeconds, isFinal } from './format.js';
import type { CliJobStateFragment, JobStatus } from './gql/graphql.js';
import { JobProgressDocument } from './operations.js';

/** The state of a backup job as its watch receives it. */
export type JobState = CliJobStateFragment;

/** What the bar and the progress lines show of any kind of job. */
export interface WatchedState {
  id: string;
  status: JobStatus;
  percent: number;
  /** bytes read (a backup) or written (a restore) so far */
  bytes: number;
  speedMBps: number;
  etaSeconds?: number | null;
  currentFile?: string | null;
}

/**
 * One kind of job as a watch follows it: its subscription, what the view
 * shows of a state, and the closing line of a final state.
 */
export interface JobFeed<S> {
  subscribe(client: BorgqlClient, id: string, next: (state: S) => void, signal: AbortSignal): Promise<boolean>;
  shown(state: S): WatchedState;
  outcome(state: S): string;
}

/** Where a watch writes: a terminal gets a live bar, anything else one plain line per second. */
export interface WatchOutput {
  stream: NodeJS.WriteStream;
  isTerminal: boolean;
}

/** One plain progress line: `job 7 RUNNING 42.3% 1.20 GB 35.2 MB/s ETA 12s /path`. */
export function progressLine(job: WatchedState): string {
  const parts = [`job ${job.id}`, job.status, formatPercent(job.percent), formatBytes(job.bytes), `${job.speedMBps.toFixed(1)} MB/s`];
  parts.push(`ETA ${formatSeconds(job.etaSeconds)}`);
  if (job.currentFile) parts.push(job.currentFile);
  return parts.join(' ');
}

/** The line that closes a watch: the outcome, and what a person looks at next. */
export function outcomeLine(job: JobState): string {
  const size = `${formatBytes(job.progress.originalSize)} read, ${formatBytes(job.progress.deduplicatedSize)} new, ${job.progress.filesProcessed} files`;
  return endedJobLine(job, `archive ${job.archiveName ?? '?'}, ${size}`);
}

/**
 * The closing line of any kind of job: `done` says what a completed one did
 * (a backup's archive and sizes, a restore's destination); failures and
 * cancels read the same for every kind.
 */
export function endedJobLine(job: { id: string; status: string; exitCode?: number | null; errorMessage?: string | null }, done: string): string {
  switch (job.status) {
    case 'COMPLETED':
      return `job ${job.id} completed: ${done}`;
    case 'COMPLETED_WITH_WARNINGS':
      return `job ${job.id} completed with warnings (borgql logs ${job.id} shows them): ${done}`;
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
  const payload = (job: WatchedState) => ({
    job: job.id,
    status: job.status,
    pct: formatPercent(job.percent).padStart(6),
    size: formatBytes(job.bytes),
    speed: job.speedMBps.toFixed(1),
    remaining: formatSeconds(job.etaSeconds),
    file: job.currentFile ?? '',
  });
  return {
    show(job: WatchedState) {
      if (!started) bar.start(100, job.percent, payload(job));
      else bar.update(job.percent, payload(job));
      started = true;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** One line per second with the newest state, for logs and scripts; a change of status at once. */
function plainView(stream: NodeJS.WriteStream) {
  let latest: WatchedState | null = null;
  let shownStatus: string | null = null;
  const timer = setInterval(() => {
    if (latest?.status === 'RUNNING') stream.write(`${progressLine(latest)}\n`);
  }, 1000);
  return {
    show(job: WatchedState) {
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

/** A backup as a watch follows it (`jobProgress`). */
export const backupFeed: JobFeed<JobState> = {
  subscribe: (client, id, next, signal) => client.subscribe(JobProgressDocument, { id }, { signal, next: (data) => next(data.jobProgress) }),
  shown: (job) => ({ id: job.id, status: job.status, ...job.progress, bytes: job.progress.originalSize }),
  outcome: outcomeLine,
};

/**
 * Follows a job's progress until it ends, drawing it on `output`; resolves
 * with the borg-style exit code, or null when `signal` stopped the watch
 * first (the job goes on).
 */
export async function watchJob<S extends { status: JobStatus }>(
  client: BorgqlClient,
  id: string,
  output: WatchOutput,
  signal: AbortSignal,
  feed: JobFeed<S>,
): Promise<number | null> {
  const view = output.isTerminal ? terminalView(output.stream) : plainView(output.stream);
  let last: S | null = null;
  try {
    const completed = await feed.subscribe(client, id, (state) => view.show(feed.shown((last = state))), signal);
    if (!completed) return null;
  } finally {
    view.stop();
  }
  if (!last) throw new CliError(`the server ended the watch of job ${id} without sending its state`);
  const final: S = last;
  if (!isFinal(final.status)) throw new CliError(`the watch of job ${id} ended while it was ${final.status}`);
  output.stream.write(`${feed.outcome(final)}\n`);
  return exitCodeFor(final.status);
}
