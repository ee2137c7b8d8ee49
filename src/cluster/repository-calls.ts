import type { ArchiveInfo, ArchiveSummary } from '../borg/index.js';
import type { ProbeResult, RepositoryPlacement, RepositoryProbe, RepositoryService } from '../catalog/repository-service.js';
import type { PrismaClient, Repository } from '../db/client.js';
import { NotFoundError } from '../domain/errors.js';
import type { BrokenLock, RepositoryLocks } from '../jobs/repository-locks.js';
import type { ArchivePage, ContentsQuery } from '../repositories/archive-contents.js';
import type { ArchiveCatalog } from '../repositories/archives.js';
import type { NodeCalls } from './node-calls.js';
import type { NodeDirectory } from './nodes.js';

/** The borg operations on one repository that run where its data is, by the name other nodes call them. */
const METHODS = {
  probe: 'repository.probe',
  list: 'archives.list',
  info: 'archives.info',
  contents: 'archives.contents',
  delete: 'archives.delete',
  breakLock: 'repository.breakLock',
} as const;

/** What this node runs itself. */
export interface LocalRepositoryOperations {
  archives: ArchiveCatalog;
  locks: RepositoryLocks;
}

/**
 * The API's door to borg on a repository: a repository of this node is
 * handled here (ArchiveCatalog, RepositoryLocks); another node's goes to
 * that node as a call over the bus, since its data (a local path, its ssh
 * keys, its borg cache) is there. Answers are JSON: ArchiveSummary, ArchiveInfo
 * and ArchivePage are plain strings and numbers already.
 */
export class ClusterRepositories implements RepositoryPlacement {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly calls: NodeCalls,
    private readonly directory: NodeDirectory,
    private readonly local: LocalRepositoryOperations,
  ) {}

  /** This node's name. */
  get nodeName(): string {
    return this.directory.nodeName;
  }

  /** Whether `node` is a node of the cluster. */
  knows(node: string): Promise<boolean> {
    return this.directory.knows(node);
  }

  /** Runs a new repository's init/info on its node. */
  probeOn(node: string, probe: RepositoryProbe): Promise<ProbeResult> {
    return this.calls.call(node, METHODS.probe, probe);
  }

  /** Whether a repository's borg runs here ("" is a repository no node adopted yet: run here, as before scale-out). */
  isLocal(repository: Pick<Repository, 'node'>): boolean {
    return repository.node === this.nodeName || repository.node === '';
  }

  /** The repository's archives, oldest first (ArchiveCatalog.list on its node). */
  list(repository: Repository): Promise<ArchiveSummary[]> {
    if (this.isLocal(repository)) return this.local.archives.list(repository);
    return this.calls.call(repository.node, METHODS.list, { repositoryId: repository.id });
  }

  /** One archive's stats (ArchiveCatalog.info on its node). */
  info(repository: Repository, archive: ArchiveSummary): Promise<ArchiveInfo | null> {
    if (this.isLocal(repository)) return this.local.archives.info(repository, archive);
    return this.calls.call(repository.node, METHODS.info, { repositoryId: repository.id, archive });
  }

  /** One folder level of an archive (ArchiveCatalog.contents on its node). */
  contents(repository: Repository, archive: string, query: ContentsQuery): Promise<ArchivePage> {
    if (this.isLocal(repository)) return this.local.archives.contents(repository, archive, query);
    return this.calls.call(repository.node, METHODS.contents, { repositoryId: repository.id, archive, query });
  }

  /** Deletes one archive (ArchiveCatalog.delete on its node). */
  async delete(repository: Repository, name: string): Promise<void> {
    if (this.isLocal(repository)) return this.local.archives.delete(repository, name);
    await this.calls.call(repository.node, METHODS.delete, { repositoryId: repository.id, archive: name });
  }

  /** `borg break-lock` on a repository given by id, path or name (RepositoryLocks.breakLock on its node). */
  async breakLock(reference: string, find: (reference: string) => Promise<Repository>): Promise<BrokenLock> {
    const repository = await find(reference);
    if (this.isLocal(repository)) return this.local.locks.breakLock(String(repository.id));
    const { message } = await this.calls.call<{ message: string }>(repository.node, METHODS.breakLock, { repositoryId: repository.id });
    return { repository: await this.#repository(repository.id), message };
  }

  /** Answers other nodes' calls for this node's repositories. */
  serve(repositories: RepositoryService): void {
    const { archives, locks } = this.local;
    this.calls.handle(METHODS.probe, (args) => repositories.probe(args as RepositoryProbe));
    this.calls.handle(METHODS.list, async (args) => archives.list(await this.#repository(idOf(args))));
    this.calls.handle(METHODS.info, async (args) => archives.info(await this.#repository(idOf(args)), (args as { archive: ArchiveSummary }).archive));
    this.calls.handle(METHODS.contents, async (args) => {
      const { archive, query } = args as { archive: string; query: ContentsQuery };
      return archives.contents(await this.#repository(idOf(args)), archive, query);
    });
    this.calls.handle(METHODS.delete, async (args) => archives.delete(await this.#repository(idOf(args)), (args as { archive: string }).archive));
    this.calls.handle(METHODS.breakLock, async (args) => ({ message: (await locks.breakLock(String(idOf(args)))).message }));
  }

  async #repository(id: number): Promise<Repository> {
    const repository = await this.prisma.repository.findUnique({ where: { id } });
    if (!repository || repository.removedAt) throw new NotFoundError(`repository ${id} not found`);
    return repository;
  }
}

/** The repository id of a call's arguments (they come from another node of this cluster, checked all the same). */
function idOf(args: unknown): number {
  const id = (args as { repositoryId?: unknown } | null)?.repositoryId;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new NotFoundError('a repository call without a repository id');
  return id;
}
