import { listArgs, parseArchiveList, type ArchiveSummary } from '../borg/index.js';
import type { Repository } from '../db/client.js';
import { RepositoryBorgError } from '../domain/errors.js';
import type { RepositoryBorg } from './repository-borg.js';

interface CacheEntry {
  at: number;
  archives: Promise<ArchiveSummary[]>;
}

/**
 * `borg list --json` per repository, cached briefly: a dashboard that asks
 * for every repository's archives on each refresh must not start a borg
 * per request (~0.7 s each), and while a backup runs borg cannot list the
 * repository at all (the lock), so the last listing is served instead.
 * A job's end invalidates its repository's entry.
 */
export class ArchiveCatalog {
  readonly #cache = new Map<number, CacheEntry>();

  constructor(
    private readonly borg: RepositoryBorg,
    /** whether a job holds the repository right now */
    private readonly isBusy: (repositoryId: number) => boolean,
    private readonly ttlMs = 30_000,
  ) {}

  /** The repository's archives, oldest first. */
  async list(repository: Repository): Promise<ArchiveSummary[]> {
    const cached = this.#cache.get(repository.id);
    if (cached && (Date.now() - cached.at < this.ttlMs || this.isBusy(repository.id))) return cached.archives;
    if (this.isBusy(repository.id)) {
      throw new RepositoryBorgError(`repository "${repository.name}" is busy with a job; its archives can be listed when it ends`, 'LockTimeout', null);
    }
    const archives = this.#list(repository);
    const entry = { at: Date.now(), archives };
    this.#cache.set(repository.id, entry);
    // a failed listing is not cached
    archives.catch(() => this.#cache.get(repository.id) === entry && this.#cache.delete(repository.id));
    return archives;
  }

  /** Forgets a repository's listing (its archives changed). */
  invalidate(repositoryId: number): void {
    this.#cache.delete(repositoryId);
  }

  #list(repository: Repository): Promise<ArchiveSummary[]> {
    return this.borg.query(repository, listArgs(repository.path, repository.lockWaitSeconds), parseArchiveList);
  }
}
