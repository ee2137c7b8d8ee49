import type { BackupJob, PrismaClient, Repository } from '../db/client.js';
import type { BorgProcessOptions } from '../borg/index.js';
import type { JobLogWriter, LogLine } from '../logs/log-store.js';
import { RetryBackoff, type RetryDelays } from '../db/storage-health.js';
import { startBorgStep, type BorgStep } from './borg-step.js';
import type { StopStep } from './stop-borg.js';
import type { StopReason } from './stop-reason.js';
import type { EventRecord, NewEvent } from '../domain/event-types.js';
import { eventsOfChange, writeJobState } from './job-outbox.js';
import { isTerminal } from '../domain/job-status.js';

/** A job row with its repository, the shape the schema and the job events carry. */
export type JobWithRepository = BackupJob & { repository: Repository };

/** Fields the job domain writes (logLineCount belongs to the log store). */
export type JobUpdate = Partial<Omit<BackupJob, 'id' | 'repositoryId' | 'logLineCount' | 'createdAt'>>;

export interface LiveJobDeps {
  prisma: PrismaClient;
  /** announces each new state of the job, at once (see job-events.ts) */
  onChange: (job: JobWithRepository) => void;
  /** announces events of the log (job-outbox.ts) once committed with the state they report */
  onEventsRecorded?: (events: EventRecord[]) => void;
  /** minimum gap between two progress writes to the database */
  persistIntervalMs: number;
  /** a failed write is reported, not thrown into the runner; it is retried with backoff until it succeeds */
  onPersistError: (jobId: number, error: unknown) => void;
  /** a write succeeded after failing */
  onPersistRecovered?: (jobId: number) => void;
  /** delays between retries of a failing write (default DEFAULT_RETRY_DELAYS) */
  retryDelays?: RetryDelays;
  /** how a stop escalates on the job's borg (default DEFAULT_STOP_STEPS) */
  stopSteps?: readonly StopStep[];
}

/**
 * The in-memory state of a job this process is running or queueing. Every
 * change is announced at once; progress reaches the database at most once
 * per `persistIntervalMs`, status changes and the end immediately. Writes
 * are chained so an older write never lands after a newer one. A failed
 * write (disk full…) keeps the state in memory and is retried with backoff;
 * meanwhile writes wait for the retry instead of failing one by one.
 *
 * A job is stopped through its signal (stop()): every borg step runs under
 * it (startStep), so the step running then is stopped and no later one
 * starts, without any step checking a flag.
 */
export class LiveJob {
  readonly #stopper = new AbortController();
  #borgStopped = false;
  #ending = false;
  /** resolves once the job reached its terminal status */
  readonly finished: Promise<void>;
  #markFinished!: () => void;
  readonly #dirty = new Set<keyof JobUpdate>();
  /** events raised by changes not written yet: they go into the database with them */
  #unwrittenEvents: NewEvent[] = [];
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

  /** Aborts once the job is to stop, with its StopReason. */
  get signal(): AbortSignal {
    return this.#stopper.signal;
  }

  /** Why the job is stopping; null while nothing stopped it. */
  get stopReason(): StopReason | null {
    return this.#stopper.signal.aborted ? (this.#stopper.signal.reason as StopReason) : null;
  }

  /** Stops the job: its running borg step is stopped, no later step starts. The first reason stands. */
  stop(reason: StopReason): void {
    this.#stopper.abort(reason);
  }

  /** Whether a stop signal reached one of the job's borg processes (a cancel's processTerminated). */
  get borgStopped(): boolean {
    return this.#borgStopped;
  }

  /**
   * Starts a borg step under the job's signal (borg-step.ts), the signals a
   * stop sends noted in the job's log; null, starting nothing, once the job
   * is stopping.
   */
  startStep(invocation: BorgProcessOptions): BorgStep | null {
    const step = startBorgStep(this.signal, invocation, { note: (message) => this.note(message), stopSteps: this.deps.stopSteps });
    void step?.result.then(({ stopped }) => {
      if (stopped) this.#borgStopped = true;
    });
    return step;
  }

  /** Whether the manager started ending the job (its log closing, its final state decided): a cancel is too late then. */
  get ending(): boolean {
    return this.#ending;
  }

  /** Called once by the manager when it starts ending the job. */
  beginEnding(): void {
    this.#ending = true;
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
   * status changes or `immediate` is set, otherwise throttled. A terminal
   * status is published only once its write landed (or failed): whoever
   * hears of a job's end and then reads the database (a REST list, the
   * repository's next job, another node) finds it there. A failed write
   * still publishes the end at once and is retried; JobManager.current
   * serves the unsaved end meanwhile. `beforeEndPublished` runs between
   * the end's write and its publication (the manager frees the repository:
   * the next job starts only once this end is stored, and whoever hears of
   * the end finds the repository free).
   */
  update(fields: JobUpdate, immediate = false, beforeEndPublished?: () => void): Promise<void> {
    const statusChanged = fields.status !== undefined && fields.status !== this.row.status;
    this.#unwrittenEvents.push(...eventsOfChange(this.row, fields));
    this.row = { ...this.row, ...fields };
    for (const key of Object.keys(fields) as (keyof JobUpdate)[]) this.#dirty.add(key);
    if (statusChanged && isTerminal(this.row.status)) {
      const ended = this.row;
      return this.persist().then(() => {
        beforeEndPublished?.();
        this.deps.onChange(ended);
      });
    }
    this.deps.onChange(this.row);
    if (statusChanged || immediate) return this.persist();
    this.#timer ??= setTimeout(() => void this.persist(), this.deps.persistIntervalMs);
    return Promise.resolve();
  }

  /**
   * Takes fields another writer already committed (a claim: claims.ts) with
   * the events it recorded: publishes the new state without writing it again.
   */
  applied(fields: JobUpdate, recorded: EventRecord[]): void {
    this.row = { ...this.row, ...fields };
    this.deps.onChange(this.row);
    if (recorded.length > 0) this.deps.onEventsRecorded?.(recorded);
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
    const events = this.#unwrittenEvents;
    this.#unwrittenEvents = [];
    const id = this.row.id;
    this.#writes = this.#writes.then(() =>
      writeJobState(this.deps.prisma, id, data, events).then(
        (recorded) => {
          if (recorded.length > 0) this.deps.onEventsRecorded?.(recorded);
          if (this.#backoff.failing) {
            this.#backoff.succeeded();
            this.deps.onPersistRecovered?.(id);
          }
          if (this.saved) for (const wake of this.#savedWaiters.splice(0)) wake();
        },
        (error: unknown) => {
          for (const key of Object.keys(data) as (keyof JobUpdate)[]) this.#dirty.add(key);
          this.#unwrittenEvents.unshift(...events);
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
