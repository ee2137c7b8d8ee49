import type { BackupJob, PrismaClient, Repository } from '../db/client.js';
import type { BorgProcess } from '../borg/index.js';
import type { JobLogWriter, LogLine } from '../logs/log-store.js';
import { RetryBackoff, type RetryDelays } from '../db/storage-health.js';

/** A job row with its repository, the shape the schema and pubsub carry. */
export type JobWithRepository = BackupJob & { repository: Repository };

/** Fields the job domain writes (logLineCount belongs to the log store). */
export type JobUpdate = Partial<Omit<BackupJob, 'id' | 'repositoryId' | 'logLineCount' | 'createdAt'>>;

export interface LiveJobDeps {
  prisma: PrismaClient;
  /** publishes a state snapshot to the job's subscribers */
  publish: (job: JobWithRepository, statusChanged: boolean) => void;
  /** minimum gap between two progress writes to the database */
  persistIntervalMs: number;
  /** a failed write is reported, not thrown into the runner; it is retried with backoff until it succeeds */
  onPersistError: (jobId: number, error: unknown) => void;
  /** a write succeeded after failing */
  onPersistRecovered?: (jobId: number) => void;
  /** delays between retries of a failing write (default DEFAULT_RETRY_DELAYS) */
  retryDelays?: RetryDelays;
}

/**
 * The in-memory state of a job this process is running or queueing. Every
 * change is published at once; progress reaches the database at most once
 * per `persistIntervalMs`, status changes and the end immediately. Writes
 * are chained so an older write never lands after a newer one. A failed
 * write (disk full…) keeps the state in memory and is retried with backoff;
 * meanwhile writes wait for the retry instead of failing one by one.
 */
export class LiveJob {
  /** the borg process of the current step, while one runs */
  process: BorgProcess | null = null;
  /** set once a cancel was requested; the runner stops at the next step */
  cancelRequested = false;
  /** set when the manager starts ending the job (log closing, final state); a cancel is too late */
  ending = false;
  /** why the server stopped this job, when it did (shutdown) */
  shutdownReason: string | null = null;
  /** the outcome of the first cancel request, shared by repeated ones */
  cancelling: Promise<boolean> | null = null;
  /** resolves once the job reached its terminal status */
  readonly finished: Promise<void>;
  #markFinished!: () => void;
  readonly #dirty = new Set<keyof JobUpdate>();
  #timer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  readonly #backoff: RetryBackoff;
  #writes: Promise<void> = Promise.resolve();
  readonly #savedWaiters: (() => void)[] = [];

  constructor(
    public row: JobWithRepository,
    readonly log: JobLogWriter,
    private readonly deps: LiveJobDeps,
  ) {
    this.finished = new Promise((resolve) => (this.#markFinished = resolve));
    this.#backoff = new RetryBackoff(deps.retryDelays);
  }

  /** Called once by the manager after the terminal status was set (written, or waiting for a retry: see whenSaved). */
  markFinished(): void {
    this.#markFinished();
  }

  get id(): number {
    return this.row.id;
  }

  /**
   * Appends a server note to the job's log. A note that arrives once the log
   * is complete (a cancel step racing the job's end) has no place left: it is
   * dropped rather than thrown into the caller.
   */
  note(content: string, level: string | null = 'INFO'): LogLine | null {
    return this.log.closed ? null : this.log.append(content, level);
  }

  /**
   * Applies fields, publishes the new state, and persists: at once when the
   * status changes or `immediate` is set, otherwise throttled.
   */
  update(fields: JobUpdate, immediate = false): Promise<void> {
    const statusChanged = fields.status !== undefined && fields.status !== this.row.status;
    this.row = { ...this.row, ...fields };
    for (const key of Object.keys(fields) as (keyof JobUpdate)[]) this.#dirty.add(key);
    this.deps.publish(this.row, statusChanged);
    if (statusChanged || immediate) return this.persist();
    this.#timer ??= setTimeout(() => void this.persist(), this.deps.persistIntervalMs);
    return Promise.resolve();
  }

  /**
   * Writes every changed field now (or, while writes fail, at the next
   * retry); resolves when it and earlier writes landed or failed. Never
   * rejects.
   */
  persist(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#retryTimer !== undefined || this.#dirty.size === 0) return this.#writes;
    const data: Record<string, unknown> = {};
    for (const key of this.#dirty) data[key] = this.row[key];
    this.#dirty.clear();
    const id = this.row.id;
    this.#writes = this.#writes.then(() =>
      this.deps.prisma.backupJob.update({ where: { id }, data }).then(
        () => {
          if (this.#backoff.failing) {
            this.#backoff.succeeded();
            this.deps.onPersistRecovered?.(id);
          }
          if (this.saved) for (const wake of this.#savedWaiters.splice(0)) wake();
        },
        (error: unknown) => {
          for (const key of Object.keys(data) as (keyof JobUpdate)[]) this.#dirty.add(key);
          this.#retryTimer ??= setTimeout(() => {
            this.#retryTimer = undefined;
            void this.persist();
          }, this.#backoff.failed());
          this.deps.onPersistError(id, error);
        },
      ),
    );
    return this.#writes;
  }

  /** Whether every change is in the database. */
  get saved(): boolean {
    return this.#dirty.size === 0 && this.#retryTimer === undefined && this.#timer === undefined;
  }

  /** Resolves once every change is in the database (after retries, if writes fail). */
  whenSaved(): Promise<void> {
    return this.#writes.then(() => (this.saved ? undefined : new Promise<void>((resolve) => this.#savedWaiters.push(resolve))));
  }

  /** Cancels the pending write and retry (the server is stopping; the state stays unsaved). */
  stopSaving(): void {
    clearTimeout(this.#timer);
    clearTimeout(this.#retryTimer);
    this.#timer = undefined;
    this.#retryTimer = undefined;
  }
}
