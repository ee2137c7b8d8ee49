/** A job waiting for, or holding, a slot. */
export interface QueueEntry {
  jobId: number;
  repositoryId: number;
}

/**
 * Decides when jobs run: one at a time per repository (borg allows one
 * writer), at most `maxConcurrent` across repositories, first come first
 * served. It knows nothing of borg; `run` does the work and the queue frees
 * the slot when the promise settles. `run` is called synchronously from
 * enqueue() (the job is running when enqueue returns); a synchronous throw
 * is treated like a rejection. Rejections go to `onError`, if given.
 */
export class JobQueue {
  readonly #pending: QueueEntry[] = [];
  readonly #running = new Map<number, QueueEntry>();
  readonly #busyRepositories = new Set<number>();
  #paused = false;

  constructor(
    private readonly maxConcurrent: number,
    private readonly run: (entry: QueueEntry) => Promise<void>,
    private readonly onError?: (entry: QueueEntry, error: unknown) => void,
  ) {}

  /**
   * Queues a job and starts whatever can start. Returns the job that this one
   * waits behind on its repository (running or pending), or null.
   */
  enqueue(entry: QueueEntry): number | null {
    const behind = this.lastOnRepository(entry.repositoryId);
    this.#pending.push(entry);
    this.#pump();
    return this.#running.has(entry.jobId) ? null : behind;
  }

  /** Removes a pending job; false when it is not pending (running or unknown). */
  remove(jobId: number): boolean {
    const index = this.#pending.findIndex((entry) => entry.jobId === jobId);
    if (index === -1) return false;
    this.#pending.splice(index, 1);
    return true;
  }

  /** Whether a job waits in the queue. */
  isPending(jobId: number): boolean {
    return this.#pending.some((entry) => entry.jobId === jobId);
  }

  /** Whether a repository has a job running now. */
  isRepositoryBusy(repositoryId: number): boolean {
    return this.#busyRepositories.has(repositoryId);
  }

  /**
   * Frees a running job's slot and repository once its borg steps are over,
   * before its final state is written and published: a client that sees the
   * job end may use the repository at once (list archives, break a lock,
   * start the next job). Idempotent; the queue frees it anyway when run() settles.
   */
  release(jobId: number): void {
    const entry = this.#running.get(jobId);
    if (!entry) return;
    this.#running.delete(jobId);
    this.#busyRepositories.delete(entry.repositoryId);
    this.#pump();
  }

  /** The job running on a repository now, or null. */
  runningOn(repositoryId: number): number | null {
    for (const entry of this.#running.values()) if (entry.repositoryId === repositoryId) return entry.jobId;
    return null;
  }

  /**
   * Holds a free repository for work outside a job (breaking its lock), so
   * no job starts on it meanwhile; null when a job runs on it. Jobs queued
   * for it start once the returned release is called.
   */
  reserve(repositoryId: number): (() => void) | null {
    if (this.#busyRepositories.has(repositoryId)) return null;
    this.#busyRepositories.add(repositoryId);
    return () => {
      this.#busyRepositories.delete(repositoryId);
      this.#pump();
    };
  }

  /** The ids of the jobs waiting, oldest first. */
  pendingIds(): number[] {
    return this.#pending.map((entry) => entry.jobId);
  }

  get pendingCount(): number {
    return this.#pending.length;
  }

  get runningCount(): number {
    return this.#running.size;
  }

  /** Stops starting new jobs (shutdown); pending ones stay pending. */
  pause(): void {
    this.#paused = true;
  }

  /** The last job (pending, else running) on a repository. */
  private lastOnRepository(repositoryId: number): number | null {
    for (let i = this.#pending.length - 1; i >= 0; i--) {
      const entry = this.#pending[i] as QueueEntry;
      if (entry.repositoryId === repositoryId) return entry.jobId;
    }
    for (const entry of this.#running.values()) if (entry.repositoryId === repositoryId) return entry.jobId;
    return null;
  }

  #pump(): void {
    if (this.#paused) return;
    for (let i = 0; i < this.#pending.length && this.#running.size < this.maxConcurrent;) {
      const entry = this.#pending[i] as QueueEntry;
      if (this.#busyRepositories.has(entry.repositoryId)) {
        i++;
        continue;
      }
      this.#pending.splice(i, 1);
      this.#running.set(entry.jobId, entry);
      this.#busyRepositories.add(entry.repositoryId);
      void this.#start(entry)
        .catch((error: unknown) => {
          try {
            this.onError?.(entry, error);
          } catch {
            // a failing reporter must not become an unhandled rejection
          }
        })
        .finally(() => this.release(entry.jobId));
    }
  }

  /**
   * Calls run, turning a synchronous throw into a rejection: otherwise it
   * would escape enqueue() with the entry left in #running, holding its
   * repository and a slot forever.
   */
  #start(entry: QueueEntry): Promise<void> {
    try {
      return Promise.resolve(this.run(entry));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
