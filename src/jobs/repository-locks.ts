import type { Repository } from '../db/client.js';
import { RepositoryBorgError, RepositoryBusyError } from '../domain/errors.js';
import type { RepositoryBorg } from '../repositories/repository-borg.js';
import type { JobManager } from './manager.js';

/** What breaking a lock did. */
export interface BrokenLock {
  repository: Repository;
  message: string;
}

/**
 * Breaks a repository's borg lock on request (Borg UI's break-lock button,
 * after a job failed with LockTimeout): `borg break-lock` removes every
 * lock, whoever holds it, so it runs only while no job of ours runs on the
 * repository, and no job starts on it until it is done (the queue holds the
 * repository meanwhile). A borg of another host or tool still working on
 * the repository is not detected: README, "REST (Borg UI compatible)", says
 * when breaking is safe.
 */
export class RepositoryLocks {
  /** break-locks running now, by repository: a second request for one waits for the first */
  readonly #breaking = new Map<number, Promise<BrokenLock>>();

  constructor(
    private readonly jobs: JobManager,
    private readonly borg: RepositoryBorg,
  ) {}

  /**
   * Runs `borg break-lock` on a repository given by id, path or name; a
   * request while one runs for the same repository gets that one's outcome.
   * @throws NotFoundError for an unknown or removed repository
   * @throws RepositoryBusyError while one of our jobs runs on it
   * @throws RepositoryBorgError when borg refuses (not a repository, unreachable…)
   */
  async breakLock(reference: string): Promise<BrokenLock> {
    const repository = await this.jobs.findRepository(reference);
    const running = this.#breaking.get(repository.id);
    if (running) return running;
    const jobId = this.jobs.queue.runningOn(repository.id);
    if (jobId !== null) {
      throw new RepositoryBusyError(`job ${jobId} is running on repository "${repository.name}": its lock is that job's, wait for it or cancel it`, jobId);
    }
    // free of jobs, and only this class reserves repositories: the reservation cannot fail here
    const release = this.jobs.queue.reserve(repository.id);
    if (!release) throw new Error(`repository ${repository.id} is held without a running job`);
    const breaking = this.#break(repository).finally(() => {
      this.#breaking.delete(repository.id);
      release();
    });
    this.#breaking.set(repository.id, breaking);
    return breaking;
  }

  async #break(repository: Repository): Promise<BrokenLock> {
    const result = await this.borg.breakLock(repository.path);
    if (result.outcome.kind !== 'success') {
      throw new RepositoryBorgError(result.outcome.message, result.outcome.kind === 'error' ? result.outcome.msgid : null, result.exitCode);
    }
    return { repository, message: `the lock of repository "${repository.name}" was broken` };
  }
}
