import {
  archiveInfoArgs,
  deleteArchiveArgs,
  isValidArchiveName,
  listArgs,
  parseArchiveInfo,
  parseArchiveList,
  type ArchiveInfo,
  type ArchiveSummary,
} from '../borg/index.js';
import type { Repository } from '../db/client.js';
import { NotFoundError, RepositoryBorgError, RepositoryBusyError, ValidationError } from '../domain/errors.js';
import type { RepositoryBorg } from './repository-borg.js';
import { browseArchive, type ArchivePage, type ContentsQuery } from './archive-contents.js';

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

  /** `borg info` of archives by id: an archive never changes, so its stats are read once (a few thousand at most) */
  readonly #info = new Map<string, ArchiveInfo>();

  constructor(
    private readonly borg: RepositoryBorg,
    /** whether a job holds the repository right now */
    private readonly isBusy: (repositoryId: number) => boolean,
    private readonly ttlMs = 30_000,
    /** the job running on, or waiting for, a repository (deleteArchive waits for none) */
    private readonly activeJob: (repositoryId: number) => Promise<{ id: number; status: string } | null> = () => Promise.resolve(null),
  ) {}

  /** One archive by name, from the listing; NotFoundError when the repository has none of that name. */
  async find(repository: Repository, name: string): Promise<ArchiveSummary> {
    const found = (await this.list(repository)).find((archive) => archive.name === name);
    if (!found) throw new NotFoundError(`archive "${name}" not found in repository "${repository.name}"`);
    return found;
  }

  /**
   * `borg info` of one archive (its stats); null while a job holds the
   * repository and the archive's stats were not read before.
   */
  async info(repository: Repository, archive: ArchiveSummary): Promise<ArchiveInfo | null> {
    const known = this.#info.get(archive.id);
    if (known) return known;
    if (this.isBusy(repository.id)) return null;
    const info = await this.borg.query(repository, archiveInfoArgs(repository.path, archive.name, repository.lockWaitSeconds), parseArchiveInfo);
    if (this.#info.size >= 10_000) this.#info.clear();
    this.#info.set(archive.id, info);
    return info;
  }

  /** One folder level of an archive, paged (archive-contents.ts). */
  contents(repository: Repository, archive: string, query: ContentsQuery): Promise<ArchivePage> {
    return browseArchive(this.borg, repository, archive, query);
  }

  /**
   * Deletes one archive with `borg delete` (its space is freed by the next
   * compact). Refused while a job runs on or waits for the repository.
   * @throws RepositoryBusyError, NotFoundError, RepositoryBorgError
   */
  async delete(repository: Repository, name: string): Promise<void> {
    if (!isValidArchiveName(name)) throw new ValidationError(`invalid archive name ${JSON.stringify(name)}`, 'archive');
    const busy = await this.activeJob(repository.id);
    if (busy)
      throw new RepositoryBusyError(
        `repository "${repository.name}" has a ${busy.status.toLowerCase()} job (${busy.id}); delete the archive when it ended`,
        busy.id,
      );
    await this.find(repository, name);
    try {
      await this.borg.run(repository, deleteArchiveArgs(repository.path, name, repository.lockWaitSeconds));
    } finally {
      this.invalidate(repository.id);
    }
  }

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
    return this.borg.query(repository, listArgs(repository.path, repository.lockWaitSeconds, { details: true }), parseArchiveList);
  }
}
