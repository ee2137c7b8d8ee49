import type { Repository } from '../db/client.js';
import { JobNotCancellableError, ValidationError } from '../domain/errors.js';
import { recordNotFound } from '../domain/ids.js';
import { LiveJob, type JobUpdate, type JobWithRepository } from './live-job.js';
import type { LogPage } from '../logs/log-store.js';
import { JobQueue, type QueueEntry } from './queue.js';
import { JobKind, JobStatus, JobTrigger, isTerminal } from '../domain/job-status.js';
import { isValidArchiveName } from '../borg/index.js';
import { checkRestoreTarget } from './restore-target.js';
import { CANCELLED_BY_USER, cancelledErrorMessage, serverShutdown, type StopReason } from './stop-reason.js';
import { overrideColumns } from './backup-overrides.js';
import { claimWhenFree } from './claims.js';
import { cancelElsewhere } from './remote-cancel.js';
import { findRepository } from './find-repository.js';
import { runJobSteps } from './run-job.js';
import { flushQuietly } from './log-flush.js';
import type { CancelResult, JobManagerDeps, StartOptions, StartRestoreOptions } from './manager-types.js';

export type { CancelResult, JobManagerDeps, StartOptions, StartRestoreOptions } from './manager-types.js';

/**
 * The job lifecycle: creates jobs, queues them per repository, runs them,
 * cancels them, and keeps the live state of every unfinished job of this
 * process (reads of those jobs see it before the throttled db write).
 */
export class JobManager {
  readonly queue: JobQueue;
  readonly #live = new Map<number, LiveJob>();
  /** jobs that ended here whose final state is not in the database yet (it failed to write; retried) */
  readonly #unsaved = new Map<number, LiveJob>();
  /** the last jobs this process let go of: a poll that read one PENDING just before it started must not queue it again */
  readonly #done = new Set<number>();
  /** jobs being placed right after their row and repository were read: one that starts at once needs no second read */
  readonly #justRead = new Set<number>();

  constructor(private readonly deps: JobManagerDeps) {
    this.queue = new JobQueue(
      deps.config.maxConcurrentJobs,
      (entry) => this.#execute(entry),
      (entry, error) => deps.warn(`job ${entry.jobId} failed unexpectedly`, error),
    );
  }

  /** Finds a repository by id, path or name; NotFoundError otherwise, also for a removed one (its row stays for the history). */
  findRepository(reference: string): Promise<Repository> {
    return findRepository(this.deps.prisma, reference);
  }

  /** Creates a PENDING job for a repository given by id, path or name (see findRepository) and queues it. */
  async startBackup(repositoryReference: string, options: StartOptions = {}): Promise<JobWithRepository> {
    return this.startBackupOf(await this.findRepository(repositoryReference), options);
  }

  /**
   * Creates a PENDING job for a repository row the caller already holds (the scheduler) and queues it.
   * @throws ValidationError for overrides a repository's settings would not take (backup-overrides.ts)
   */
  async startBackupOf(repository: Repository, options: StartOptions = {}): Promise<JobWithRepository> {
    const row = await this.deps.prisma.backupJob.create({
      data: {
        repositoryId: repository.id,
        repositoryPath: repository.path,
        trigger: options.trigger ?? JobTrigger.MANUAL,
        scheduleId: options.scheduleId ?? null,
        ...overrideColumns(options),
        retryOfId: options.retryOfId ?? null,
      },
      include: { repository: true },
    });
    this.#place(row);
    return row;
  }

  /**
   * Queues a restore of an archive into a destination (checked now, and
   * again when it starts: restore-target.ts). It waits PENDING behind any
   * job on the repository, like a second backup.
   * @throws NotFoundError for an unknown repository, ValidationError for bad input
   */
  async startRestore(options: StartRestoreOptions): Promise<JobWithRepository> {
    const repository = await this.findRepository(options.repository);
    const archive = options.archive.trim();
    if (!isValidArchiveName(archive)) throw new ValidationError(`invalid archive name ${JSON.stringify(options.archive)}`, 'archive');
    const { destination, paths } = checkRestoreTarget(options, repository);
    return this.#create(repository, {
      kind: JobKind.RESTORE,
      archiveName: archive,
      destination,
      paths: JSON.stringify(paths),
      dryRun: options.dryRun,
      overwrite: options.overwrite,
    });
  }

  /** Queues a `borg check` of a repository (id, path or name); NotFoundError when there is none. */
  async startCheck(repositoryReference: string, verifyData: boolean): Promise<JobWithRepository> {
    return this.#create(await this.findRepository(repositoryReference), { kind: JobKind.CHECK, verifyData });
  }

  async #create(
    repository: Repository,
    fields: Partial<Pick<JobWithRepository, 'kind' | 'archiveName' | 'destination' | 'paths' | 'dryRun' | 'overwrite' | 'verifyData'>>,
  ) {
    const row = await this.deps.prisma.backupJob.create({
      data: { repositoryId: repository.id, repositoryPath: repository.path, ...fields },
      include: { repository: true },
    });
    this.#place(row);
    return row;
  }

  /** The job running on a repository, else the first one waiting for it; null when it is free. */
  async activeJobOn(repositoryId: number): Promise<{ id: number; status: string } | null> {
    return this.deps.prisma.backupJob.findFirst({
      where: { repositoryId, status: { in: [JobStatus.RUNNING, JobStatus.PENDING] } },
      orderBy: [{ status: 'desc' }, { id: 'asc' }],
      select: { id: true, status: true },
    });
  }

  /** Re-queues a job found PENDING in the database (start-up recovery, a job another node created for this one). */
  requeue(row: JobWithRepository, why = 'queued again after a server restart'): void {
    if (this.#live.has(row.id) || this.#done.has(row.id)) return;
    this.#enqueue(this.#track(row), why);
  }

  /**
   * Whether this node runs a repository's jobs (DESIGN "Borg runs where the
   * data is"): its own, and one no node adopted yet ("" from before nodes:
   * the claim keeps it to one run even if two nodes try).
   */
  ownsRepository(repository: Pick<Repository, 'node'>): boolean {
    return !this.deps.cluster || repository.node === '' || repository.node === this.deps.cluster.nodeName;
  }

  /** Queues a new job here when its repository is this node's; else it stays PENDING in the database and its node is told. */
  #place(row: JobWithRepository): void {
    if (this.ownsRepository(row.repository)) {
      this.#justRead.add(row.id);
      this.#enqueue(this.#track(row));
      this.#justRead.delete(row.id);
      return;
    }
    this.deps.events.emit('queued', row);
    this.deps.cluster?.send({ type: 'jobQueued', jobId: row.id, node: row.repository.node });
  }

  /** Lets go of a queued job another process settled (cancelled or claimed it): nothing is written; readers get the database's state. */
  async #drop(job: LiveJob): Promise<void> {
    this.#letGo(job.id);
    this.deps.logs.forget(job.id);
    job.markFinished();
    const row = await this.deps.prisma.backupJob.findUnique({ where: { id: job.id }, include: { repository: true } });
    if (row) this.deps.events.emit('changed', row);
  }

  /**
   * Lets go of jobs queued here that another node ended meanwhile (a cancel
   * of a PENDING job elsewhere ends it in the database only): without this
   * the queued copy would shadow the database's state in reads (current())
   * until it reached the front of the queue. Nothing is written.
   */
  async dropSettledElsewhere(): Promise<void> {
    const queued = this.queue.pendingIds();
    if (queued.length === 0) return;
    const settled = await this.deps.prisma.backupJob.findMany({
      where: { id: { in: queued }, status: { not: JobStatus.PENDING } },
      select: { id: true },
    });
    for (const { id } of settled) {
      const job = this.#live.get(id);
      if (job && this.queue.remove(id)) await this.#drop(job);
    }
  }

  /** The live state of a job this process has not finished, if any. */
  live(jobId: number): JobWithRepository | undefined {
    return this.#live.get(jobId)?.row;
  }

  /**
   * The state of a job this process holds newer than the database: an
   * unfinished one, or a finished one whose final state is not saved yet.
   */
  current(jobId: number): JobWithRepository | undefined {
    return (this.#live.get(jobId) ?? this.#unsaved.get(jobId))?.row;
  }

  /** A job's current state: from memory when this process holds a newer one (current), else from the database. */
  async get(jobId: number): Promise<JobWithRepository | null> {
    return this.current(jobId) ?? (await this.deps.prisma.backupJob.findUnique({ where: { id: jobId }, include: { repository: true } }));
  }

  /** A page of a job's log (see LogStore.read). */
  readLog(jobId: number, offset: number, limit: number): LogPage {
    return this.deps.logs.read(jobId, offset, limit);
  }

  /**
   * Cancels a job: a queued one leaves the queue at once; a running one gets
   * its borg step stopped (borg-step.ts), skips the steps after it, and ends
   * CANCELLED whatever borg's exit code. Resolves once the job is CANCELLED.
   * A repeated request waits for the first.
   */
  cancel(jobId: number): Promise<CancelResult> {
    return this.#cancel(jobId, CANCELLED_BY_USER);
  }

  async #cancel(jobId: number, reason: StopReason): Promise<CancelResult> {
    const job = this.#live.get(jobId);
    const unsaved = this.#unsaved.get(jobId);
    if (unsaved) throw new JobNotCancellableError(`job ${jobId} is ${unsaved.row.status.toLowerCase()} and cannot be cancelled`, unsaved.row.status);
    if (!job) {
      const row = await this.deps.prisma.backupJob.findUnique({ where: { id: jobId } });
      if (!row) throw recordNotFound('job', jobId);
      // queued or running on another node (or in no process at all): the database and that node settle it
      const { cluster } = this.deps;
      if (cluster && !isTerminal(row.status)) return cancelElsewhere({ ...this.deps, cluster }, jobId);
      throw new JobNotCancellableError(`job ${jobId} is ${row.status.toLowerCase()} and cannot be cancelled`, row.status);
    }
    if (job.ending) {
      // its log is closed and its end state decided: nothing left to cancel
      await job.finished;
      throw new JobNotCancellableError(`job ${jobId} is ${job.row.status.toLowerCase()} and cannot be cancelled`, job.row.status);
    }
    if (!job.signal.aborted) {
      job.note('cancel requested');
      // a running job's step stops at once (its listener sends the first signal); one between steps starts no other
      job.stop(reason);
      if (this.queue.remove(job.id)) await this.#finish(job, JobStatus.CANCELLED, null);
    }
    await job.finished;
    return { job: job.row, processTerminated: job.borgStopped };
  }

  /**
   * Stops starting jobs and cancels the running ones (graceful shutdown);
   * pending ones stay PENDING in the db for the next start. Resolves with the
   * ids of the jobs it stopped.
   */
  async shutdown(reason: string): Promise<number[]> {
    this.queue.pause();
    const running = [...this.#live.values()].filter((job) => job.row.status === JobStatus.RUNNING);
    await Promise.all(
      running.map((job) => {
        job.note(`stopping: ${reason}`, 'WARNING');
        return this.#cancel(job.id, serverShutdown(reason)).catch((error: unknown) => this.deps.warn(`could not stop job ${job.id}`, error));
      }),
    );
    for (const job of [...this.#live.values(), ...this.#unsaved.values()]) {
      await job.persist();
      job.stopSaving();
    }
    this.deps.logs.flushAll();
    return running.map((job) => job.id);
  }

  #letGo(jobId: number): void {
    this.#live.delete(jobId);
    this.#done.add(jobId);
    // a poll reads what is PENDING now; a job is long out of any poll's answer after a thousand more have ended
    if (this.#done.size > 1000) this.#done.delete(this.#done.values().next().value as number);
  }

  #track(row: JobWithRepository): LiveJob {
    const job = new LiveJob(row, this.deps.logs.writer(row.id), {
      prisma: this.deps.prisma,
      persistIntervalMs: this.deps.persistIntervalMs ?? 1000,
      stopSteps: this.deps.stopSteps,
      onChange: (state) => this.deps.events.emit('changed', state),
      onEventsRecorded: (events) => events.forEach((event) => this.deps.events.emit('recorded', event)),
      onPersistError: (id, error) => {
        this.deps.health?.failed(`the state of job ${id}`, error);
        this.deps.warn(`could not save job ${id}; retrying`, error);
      },
      onPersistRecovered: (id) => this.deps.health?.recovered(`the state of job ${id}`),
    });
    this.#live.set(row.id, job);
    return job;
  }

  #enqueue(job: LiveJob, why = 'queued'): void {
    const behind = this.queue.enqueue({ jobId: job.id, repositoryId: job.row.repositoryId });
    job.note(behind === null ? why : `${why} behind job ${behind}`);
    this.deps.events.emit('queued', job.row);
  }

  async #execute(entry: QueueEntry): Promise<void> {
    const job = this.#live.get(entry.jobId);
    if (!job || job.signal.aborted) return;
    let status: JobStatus = JobStatus.FAILED;
    let errorMessage: string | null = null;
    try {
      // settings may have changed while the job waited: run with the current ones (a job that did not wait has them)
      const repository = this.#justRead.has(job.id)
        ? job.row.repository
        : await this.deps.prisma.repository.findUniqueOrThrow({ where: { id: job.row.repositoryId } });
      job.row = { ...job.row, repository };
      // moved to another node while it waited: that node runs it
      if (!this.ownsRepository(repository)) {
        this.deps.cluster?.send({ type: 'jobQueued', jobId: job.id, node: repository.node });
        return await this.#drop(job);
      }
      // the RUNNING transition is the claim (claims.ts): the database decides who runs it
      const cluster = this.deps.cluster;
      // its queued lines stored first: a log flush of this row during the claim would wait for the claim's row lock,
      // on this very thread (the log store writes synchronously), until the claim's transaction timed out
      flushQuietly(job);
      const claim = await claimWhenFree(this.deps.prisma, cluster?.postgres ?? false, job.row, cluster?.nodeName ?? null, job.signal, (error) =>
        this.deps.warn(`could not start job ${job.id}; retrying`, error),
      );
      if (claim.kind === 'gone') return await this.#drop(job);
      if (claim.kind === 'claimed') {
        job.applied(claim.fields, claim.events);
        job.note(`started on ${repository.path}`);
        ({ status, errorMessage } = await runJobSteps(job, this.deps.borg));
      } else status = JobStatus.CANCELLED; // cancelled while its repository was still busy
    } catch (error) {
      errorMessage = `internal error: ${error instanceof Error ? error.message : String(error)}`;
      this.deps.warn(`job ${job.id} failed unexpectedly`, error);
    }
    if (status === JobStatus.CANCELLED) errorMessage = cancelledErrorMessage(job.stopReason) ?? errorMessage;
    if (status === JobStatus.FAILED && errorMessage) job.note(errorMessage, 'ERROR');
    // borg is done with the repository: freed once the end is stored, before it is published
    await this.#finish(job, status, errorMessage, () => this.queue.release(entry.jobId));
  }

  /**
   * Ends a job: closes its log and sets its final state. Neither throws when
   * the database cannot be written (a full disk): the job is final in
   * memory at once, readers see it through current(), and the state and the
   * last lines are written when a retry succeeds. `release` (freeing the
   * repository) runs once the end is stored or its write failed, before the
   * end is published.
   */
  async #finish(job: LiveJob, status: JobStatus, errorMessage: string | null, release = () => {}): Promise<void> {
    job.beginEnding();
    job.note(`job ${status.toLowerCase()}`);
    job.log.close();
    const fields: JobUpdate = { status, errorMessage, completedAt: new Date(), borgPid: null, runningRepositoryId: null };
    if (!isTerminal(job.row.status)) await job.update(fields, true, release);
    else release();
    this.#letGo(job.id);
    if (!job.saved) {
      this.#unsaved.set(job.id, job);
      void job.whenSaved().then(() => this.#unsaved.delete(job.id));
    }
    job.markFinished();
  }
}
