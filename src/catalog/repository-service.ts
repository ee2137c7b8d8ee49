import { existsSync } from 'node:fs';
import { initArgs, isRemoteLocation, parseRepositoryInfo, repositoryInfoArgs } from '../borg/index.js';
import type { PrismaClient, Repository } from '../db/client.js';
import { REPOSITORY_PASSPHRASE } from '../db/secrets-at-rest.js';
import type { Prisma } from '../generated/prisma/client.js';
import { RepositoryBusyError, ValidationError } from '../domain/errors.js';
import { recordNotFound } from '../domain/ids.js';
import {
  validateCompression,
  validateEncryption,
  validateExcludePatterns,
  validateListFilter,
  validateLockWait,
  validateName,
  validatePassphrase,
  validateRepositoryPath,
  validateRetention,
  validateSourcePaths,
  type RetentionSettings,
} from '../repositories/repository-settings.js';
import { validatePasscommand } from '../repositories/passcommand.js';
import { validateStaleAfter } from '../repositories/stale-after.js';
import type { RepositorySecrets } from '../repositories/repository-access.js';
import type { RepositoryBorg } from '../repositories/repository-borg.js';
import { validateCron, validateTimezone } from '../schedules/scheduler.js';
import type { ScheduleService } from '../schedules/schedule-service.js';
import { JobStatus } from '../domain/job-status.js';
import { ALONE, type ProbeResult, type RepositoryPlacement, type RepositoryProbe } from './repository-placement.js';

export type { ProbeResult, RepositoryPlacement, RepositoryProbe };

/** Settings of a repository (AddRepositoryInput in schema.graphql; all optional on update). */
export interface RepositorySettings {
  name?: string | null;
  path?: string | null;
  sourcePaths?: string[] | null;
  excludePatterns?: string[] | null;
  passphrase?: string | null;
  /** BORG_PASSCOMMAND instead of a passphrase (an allowed prefix plus one argument); null clears it */
  passcommand?: string | null;
  compression?: string | null;
  lockWaitSeconds?: number | null;
  /** borg create --filter letters of the file lines kept in job logs; null: the default (AME) */
  listFilter?: string | null;
  /** null clears the policy */
  retention?: RetentionSettings | null;
  /** shorthand: a schedule of this repository alone, named after it; null removes it */
  schedule?: string | null;
  timezone?: string | null;
  /** REPOSITORY_STALE after this long without a successful backup ("26h"); null clears it */
  staleAfter?: string | null;
}

/** A repository to register: settings plus how to find or create it. */
export interface NewRepository extends RepositorySettings {
  name: string;
  path: string;
  sourcePaths: string[];
  encryption?: string | null;
  initialize?: boolean | null;
  /** the node whose host runs its jobs (a ClusterNode); default this node */
  node?: string | null;
}

/** Registers, changes and removes repositories, proving with borg itself that each one opens. */
export class RepositoryService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly config: RepositorySecrets,
    private readonly schedules: ScheduleService,
    private readonly borg: RepositoryBorg,
    private readonly placement: RepositoryPlacement = ALONE,
  ) {}

  /**
   * Checks the settings that are present and returns the columns they set.
   * Source paths must exist now: a typo is better caught here than as a
   * warning in every backup.
   */
  #columns(input: RepositorySettings): Prisma.RepositoryUpdateInput {
    const data: Prisma.RepositoryUpdateInput = {};
    if (input.name != null) data.name = validateName(input.name);
    if (input.path != null) data.path = validateRepositoryPath(input.path);
    if (input.sourcePaths != null) {
      const sources = validateSourcePaths(input.sourcePaths);
      const missing = sources.find((source) => !existsSync(source));
      if (missing) throw new ValidationError(`source path "${missing}" does not exist`, 'sourcePaths');
      data.sourcePaths = JSON.stringify(sources);
    }
    if (input.excludePatterns != null) data.excludePatterns = JSON.stringify(validateExcludePatterns(input.excludePatterns));
    if (input.compression != null) data.compression = validateCompression(input.compression);
    if (input.lockWaitSeconds != null) data.lockWaitSeconds = validateLockWait(input.lockWaitSeconds);
    if (input.listFilter !== undefined) data.listFilter = validateListFilter(input.listFilter);
    if (input.retention !== undefined) Object.assign(data, validateRetention(input.retention));
    if (input.staleAfter !== undefined) data.staleAfter = input.staleAfter === null ? null : validateStaleAfter(input.staleAfter);
    if (input.passphrase) validatePassphrase(input.passphrase);
    Object.assign(data, this.#secretColumns(input));
    if (input.timezone != null) validateTimezone(input.timezone);
    if (input.schedule != null) validateCron(input.schedule, input.timezone ?? 'UTC');
    return data;
  }

  /**
   * The passphrase (encrypted) and passcommand columns an input sets. A
   * repository has one or the other: setting one clears the other.
   */
  #secretColumns({ passphrase, passcommand }: RepositorySettings): { passphrase?: string | null; passcommand?: string | null } {
    if (passphrase && passcommand) throw new ValidationError('a repository has a passphrase or a passcommand, not both', 'passcommand');
    if (passcommand) return { passcommand: validatePasscommand(passcommand, this.config.passcommandPrefixes), passphrase: null };
    if (passphrase) return { passphrase: this.config.secrets.seal(passphrase, REPOSITORY_PASSPHRASE), passcommand: null };
    return { ...(passphrase !== undefined && { passphrase: null }), ...(passcommand !== undefined && { passcommand: null }) };
  }

  /**
   * Validates the input, optionally runs `borg init`, then `borg info` to
   * prove the repository opens with the given passphrase, and stores it
   * (with its shorthand schedule). Bad input → ValidationError; borg's
   * refusal → RepositoryBorgError (msgid and message, e.g. PassphraseWrong).
   */
  async add(input: NewRepository): Promise<Repository> {
    const data = this.#columns({ compression: 'lz4', ...input, passphrase: input.passphrase ?? null });
    const node = await this.#node(input.node);
    const name = data.name as string;
    const location = data.path as string;
    const stored = { passphrase: (data.passphrase as string | undefined) ?? null, passcommand: (data.passcommand as string | undefined) ?? null };
    const encryption = input.encryption ?? 'repokey-blake2';
    if (input.initialize) validateEncryption(encryption, stored.passphrase ?? stored.passcommand);
    await this.#ensureUnique(name, location, null);
    if (input.schedule && (await this.prisma.schedule.findUnique({ where: { name } }))) {
      throw new ValidationError(`a schedule named "${name}" already exists`, 'schedule');
    }
    const info = await this.#probeOn(node, { name, path: location, ...stored, initialize: input.initialize ?? false, encryption });
    const repository = await this.prisma.repository
      .create({ data: { ...(data as Prisma.RepositoryCreateInput), node, encryption: info.encryptionMode ?? encryption } })
      .catch(async (error: unknown) => {
        // a concurrent add of the same name or path won the race
        if ((error as { code?: string }).code === 'P2002') await this.#ensureUnique(name, location, null);
        throw error;
      });
    if (input.schedule) await this.#setSchedule(repository, input.schedule, input.timezone ?? 'UTC');
    return repository;
  }

  /**
   * Runs on the repository's own node (for another node's, through the
   * placement): optionally `borg init`, then `borg info` to prove the
   * repository opens with its passphrase or passcommand. The passcommand is
   * checked against this node's own allowed prefixes: the node that runs a
   * command decides which it runs.
   */
  async probe(probe: RepositoryProbe): Promise<ProbeResult> {
    if (probe.passcommand) validatePasscommand(probe.passcommand, this.config.passcommandPrefixes);
    if (probe.initialize) {
      await this.borg.query(probe, initArgs(probe.path, probe.encryption, { makeParentDirs: !isRemoteLocation(probe.path) }), () => null);
    }
    const info = await this.borg.query(probe, repositoryInfoArgs(probe.path, probe.lockWaitSeconds), parseRepositoryInfo);
    return { encryptionMode: info.encryptionMode ?? null };
  }

  #probeOn(node: string, probe: RepositoryProbe): Promise<ProbeResult> {
    return this.#isLocal(node) ? this.probe(probe) : this.placement.probeOn(node, probe);
  }

  /** Whether a repository of `node` is this node's ("" is one no node adopted yet: whoever sees it runs it, as before scale-out). */
  #isLocal(node: string): boolean {
    return node === this.placement.nodeName || node === '';
  }

  /** AddRepositoryInput.node: a node of the cluster, default this one. */
  async #node(requested: string | null | undefined): Promise<string> {
    const node = requested?.trim() || this.placement.nodeName;
    if (!(await this.placement.knows(node))) {
      const shown = node.length > 64 ? `${node.slice(0, 64)}…` : node;
      throw new ValidationError(`unknown node "${shown}": name a node of the cluster (Query.nodes)`, 'node');
    }
    return node;
  }

  /** Changes a repository; a new path, passphrase or passcommand must open with borg first. */
  async update(id: number, input: RepositorySettings): Promise<Repository> {
    const current = await this.#find(id);
    const data = this.#columns(input);
    const location = (data.path as string | undefined) ?? current.path;
    await this.#ensureUnique((data.name as string | undefined) ?? current.name, location, id);
    if (data.path !== undefined || data.passphrase !== undefined || data.passcommand !== undefined) {
      const next = { ...current, ...(data as Partial<Pick<Repository, 'path' | 'passphrase' | 'passcommand'>>) };
      const probe = { name: next.name, path: location, passphrase: next.passphrase, passcommand: next.passcommand, lockWaitSeconds: current.lockWaitSeconds };
      await this.#probeOn(current.node, { ...probe, initialize: false, encryption: current.encryption });
    }
    const shorthand = await this.#shorthandSchedule(current);
    const repository = await this.prisma.repository.update({ where: { id }, data });
    if (shorthand && repository.name !== current.name) await this.schedules.update(shorthand.id, { name: repository.name });
    if (input.schedule === null && shorthand) await this.schedules.remove(shorthand.id);
    else if (input.schedule) await this.#setSchedule(repository, input.schedule, input.timezone ?? shorthand?.timezone ?? 'UTC');
    else if (input.timezone && shorthand) await this.schedules.update(shorthand.id, { timezone: input.timezone });
    return repository;
  }

  /**
   * Forgets a repository, never touching borg's data. Refused while it has a
   * pending or running job. The row stays (marked removed, its name and path
   * freed) so its jobs keep their history; it leaves every schedule.
   */
  async remove(id: number): Promise<Repository> {
    const current = await this.#find(id);
    const busy = await this.prisma.backupJob.findFirst({
      where: { repositoryId: id, status: { in: [JobStatus.PENDING, JobStatus.RUNNING] } },
      select: { id: true, status: true },
    });
    if (busy) {
      throw new RepositoryBusyError(`repository "${current.name}" has a ${busy.status.toLowerCase()} job (${busy.id}); cancel it or wait`, busy.id);
    }
    const shorthand = await this.#shorthandSchedule(current);
    if (shorthand) await this.schedules.remove(shorthand.id);
    const memberships = await this.prisma.scheduleRepository.findMany({ where: { repositoryId: id } });
    await this.prisma.scheduleRepository.deleteMany({ where: { repositoryId: id } });
    for (const { scheduleId } of memberships) await this.schedules.changed(scheduleId);
    const suffix = ` (removed #${id})`;
    return this.prisma.repository.update({
      where: { id },
      data: { removedAt: new Date(), name: `${current.name}${suffix}`, path: `${current.path}${suffix}` },
    });
  }

  async #find(id: number): Promise<Repository> {
    const repository = await this.prisma.repository.findUnique({ where: { id } });
    if (!repository || repository.removedAt) throw recordNotFound('repository', id);
    return repository;
  }

  /** The schedule the `schedule` shorthand made: named after the repository, for it alone. */
  async #shorthandSchedule(repository: Repository) {
    const schedule = await this.prisma.schedule.findUnique({ where: { name: repository.name }, include: { repositories: true } });
    return schedule?.repositories.length === 1 && schedule.repositories[0]?.repositoryId === repository.id ? schedule : null;
  }

  async #setSchedule(repository: Repository, cron: string, timezone: string): Promise<void> {
    const existing = await this.#shorthandSchedule(repository);
    if (existing) await this.schedules.update(existing.id, { cron, timezone });
    else await this.schedules.create({ name: repository.name, cron, timezone, repositoryIds: [repository.id] });
  }

  async #ensureUnique(name: string, location: string, self: number | null): Promise<void> {
    const clash = await this.prisma.repository.findFirst({ where: { OR: [{ name }, { path: location }], NOT: { id: self ?? -1 } } });
    if (clash?.name === name) throw new ValidationError(`a repository named "${name}" already exists`, 'name');
    if (clash) throw new ValidationError(`repository "${location}" is already registered as "${clash.name}"`, 'path');
  }
}
