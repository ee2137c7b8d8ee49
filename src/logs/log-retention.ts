import { setImmediate as nextTurn } from 'node:timers/promises';
import type { PrismaClient } from '../db/client.js';
import type { LogStorage } from './log-storage.js';
import type { LogStore } from './log-store.js';
import { JobStatus } from '../domain/job-status.js';
import { RetryBackoff } from '../db/storage-health.js';

export interface LogRetentionOptions {
  /** days a finished job keeps its log lines; 0 keeps them forever */
  days: number;
  /** time between two sweeps (default one hour) */
  intervalMs?: number;
  /** blocks deleted per transaction (default 100, about 100,000 lines: a few ms) */
  batchBlocks?: number;
  /** a sweep failed (it is retried with backoff, as failing writes are) */
  onError?: (error: unknown) => void;
  /** a sweep completed */
  onSuccess?: (report: SweepReport) => void;
}

/** What one sweep did. */
export interface SweepReport {
  /** jobs whose logs expired in this sweep */
  expiredJobs: number[];
  /** blocks deleted (of these jobs, and of jobs an interrupted sweep had marked) */
  deletedBlocks: number;
}

const FINISHED = [JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_WARNINGS, JobStatus.FAILED, JobStatus.CANCELLED];
const DAY_MS = 86_400_000;

/**
 * Jobs expired per transaction, and the blocks of each deleted with it (the
 * rest of a long log goes afterwards, `batchBlocks` at a time): a backlog of
 * a year of jobs (a first start with retention, a long downtime) is read a
 * page at a time and expired in transactions of at most 100 blocks, not one
 * transaction per job, which kept the event loop busy for minutes
 * (BENCHMARKS.md, history: 750,000 jobs).
 */
const JOBS_PER_BATCH = 50;
const BLOCKS_PER_JOB = 2;

/**
 * Removes the log lines of jobs that ended more than `days` ago, at start
 * and then every `intervalMs`. The job rows stay, marked `logsExpired` in
 * the same transaction that starts deleting their lines, so a reader sees a
 * whole log or none; the lines go in small transactions with a turn of the
 * event loop between them, so a sweep never holds the server up. A sweep
 * interrupted by a restart is finished by the next one. Freed pages are
 * reused by new lines (the file does not shrink).
 */
export class LogRetention {
  readonly #options: LogRetentionOptions & { intervalMs: number; batchBlocks: number };
  #timer: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  readonly #backoff = new RetryBackoff();
  #running: Promise<SweepReport> | null = null;
  #stopped = false;

  constructor(
    private readonly storage: LogStorage,
    private readonly prisma: PrismaClient,
    private readonly logs: Pick<LogStore, 'hasWriter'>,
    options: LogRetentionOptions,
  ) {
    this.#options = { intervalMs: 3_600_000, batchBlocks: 100, ...options };
  }

  /**
   * Sweeps now (in the background) and then every interval; a failed sweep
   * is retried after 1, 2, 4, 8, then every 15 s, so a passing problem (a
   * locked database, a full disk freed again) is not reported for an hour.
   * Does nothing when days is 0.
   */
  start(): void {
    if (this.#options.days === 0 || this.#timer) return;
    const run = (): void => {
      clearTimeout(this.#retry);
      this.sweep().then(
        (report) => {
          this.#backoff.succeeded();
          this.#options.onSuccess?.(report);
        },
        (error: unknown) => {
          if (this.#stopped) return;
          this.#retry = setTimeout(run, this.#backoff.failed()).unref();
          this.#options.onError?.(error);
        },
      );
    };
    this.#timer = setInterval(run, this.#options.intervalMs).unref();
    run();
  }

  /** Stops the schedule; a sweep under way ends after its current batch. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#retry);
  }

  /**
   * Expires the logs of jobs that ended before `now` − days and deletes
   * their lines. Concurrent calls share one sweep.
   */
  sweep(now: Date = new Date()): Promise<SweepReport> {
    this.#running ??= this.#sweep(now).finally(() => (this.#running = null));
    return this.#running;
  }

  async #sweep(now: Date): Promise<SweepReport> {
    const report: SweepReport = { expiredJobs: [], deletedBlocks: 0 };
    if (this.#options.days === 0) return report;
    const cutoff = new Date(now.getTime() - this.#options.days * DAY_MS);
    // a log still in this store's memory is not finished with (its last lines wait to be stored)
    const open: number[] = [];
    // ended before the cutoff, oldest first; then the few that ended without an end time
    const phases = [{ completedAt: { lt: cutoff } }, { completedAt: null, createdAt: { lt: cutoff } }];
    for (const phase of phases) {
      while (!this.#stopped) {
        // each page's jobs are marked as it is expired, so the next read finds the next ones; read along
        // the (logsExpired, completedAt) index, never sorted by id: that sorted every due job per page
        const due = await this.prisma.backupJob.findMany({
          where: { ...phase, logsExpired: false, status: { in: FINISHED }, id: { notIn: open } },
          select: { id: true },
          orderBy: phase.completedAt === null ? undefined : { completedAt: 'asc' },
          take: JOBS_PER_BATCH,
        });
        if (due.length === 0) break;
        const ids: number[] = [];
        for (const { id } of due) (this.logs.hasWriter(id) ? open : ids).push(id);
        // marked expired together with their first blocks; the rest goes with the leftovers
        report.deletedBlocks += this.storage.expire(ids, BLOCKS_PER_JOB);
        report.expiredJobs.push(...ids);
        await nextTurn();
      }
    }
    for (const jobId of this.storage.expiredWithBlocks()) {
      for (let deleted = -1; deleted !== 0 && !this.#stopped;) {
        deleted = this.storage.deleteBlocks(jobId, this.#options.batchBlocks);
        report.deletedBlocks += deleted;
        await nextTurn();
      }
    }
    return report;
  }
}
