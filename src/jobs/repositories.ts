import { existsSync } from 'node:fs';
import {
  BorgCommandError,
  borgEnvironment,
  initArgs,
  parseRepositoryInfo,
  repositoryInfoArgs,
  runBorgJson,
  type RepositoryInfo,
} from '../borg/index.js';
import type { PrismaClient, Repository } from '../db/client.js';
import { RepositoryBorgError, ValidationError } from './errors.js';
import {
  isRemoteRepositoryPath,
  validateCompression,
  validateEncryption,
  validateExcludePatterns,
  validateRepositoryPath,
  validateSourcePaths,
} from './repository-settings.js';
import type { RunnerConfig } from './runner.js';

/** A repository to register (DESIGN.md AddRepositoryInput). */
export interface NewRepository {
  name: string;
  path: string;
  sourcePaths: string[];
  excludePatterns?: string[] | null;
  passphrase?: string | null;
  encryption?: string | null;
  initialize?: boolean | null;
  compression?: string | null;
}

function validateName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') throw new ValidationError('name must not be empty', 'name');
  if (trimmed.length > 200) throw new ValidationError('name must be at most 200 characters', 'name');
  return trimmed;
}

/** Registers borg repositories, proving with borg itself that each one works. */
export class RepositoryService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly config: RunnerConfig,
  ) {}

  /**
   * Validates the input, optionally runs `borg init`, then `borg info` to
   * prove the repository opens with the given passphrase, and stores it.
   * Bad input → ValidationError; borg's refusal → RepositoryBorgError
   * (msgid and message, e.g. PassphraseWrong).
   */
  async add(input: NewRepository): Promise<Repository> {
    const name = validateName(input.name);
    const location = validateRepositoryPath(input.path);
    const sourcePaths = validateSourcePaths(input.sourcePaths);
    for (const source of sourcePaths) {
      if (!existsSync(source)) throw new ValidationError(`source path "${source}" does not exist`, 'sourcePaths');
    }
    const excludePatterns = validateExcludePatterns(input.excludePatterns ?? []);
    const compression = validateCompression(input.compression ?? 'lz4');
    const passphrase = input.passphrase || null;
    const encryption = input.encryption ?? 'repokey-blake2';
    if (input.initialize) validateEncryption(encryption, passphrase);
    await this.#ensureUnique(name, location);

    if (input.initialize) {
      await this.#borg(initArgs(location, encryption, { makeParentDirs: !isRemoteRepositoryPath(location) }), location, passphrase, () => null);
    }
    const info = await this.#borg(repositoryInfoArgs(location), location, passphrase, parseRepositoryInfo);
    try {
      return await this.prisma.repository.create({
        data: {
          name,
          path: location,
          sourcePaths: JSON.stringify(sourcePaths),
          excludePatterns: JSON.stringify(excludePatterns),
          passphrase,
          encryption: info.encryptionMode ?? encryption,
          compression,
        },
      });
    } catch (error) {
      // a concurrent add of the same name or path won the race
      if ((error as { code?: string }).code === 'P2002') await this.#ensureUnique(name, location);
      throw error;
    }
  }

  /** Runs `borg info` on a stored repository (a health check). */
  async info(repository: Repository): Promise<RepositoryInfo> {
    return this.#borg(repositoryInfoArgs(repository.path, repository.lockWaitSeconds), repository.path, repository.passphrase, parseRepositoryInfo);
  }

  async #ensureUnique(name: string, location: string): Promise<void> {
    const clash = await this.prisma.repository.findFirst({ where: { OR: [{ name }, { path: location }] } });
    if (clash?.name === name) throw new ValidationError(`a repository named "${name}" already exists`, 'name');
    if (clash) throw new ValidationError(`repository "${location}" is already registered as "${clash.name}"`, 'path');
  }

  async #borg<T>(args: string[], location: string, passphrase: string | null, parse: (stdout: string) => T): Promise<T> {
    try {
      return await runBorgJson(
        { bin: this.config.borgBin, args, env: borgEnvironment({ path: location, passphrase }, this.config.borgEnv) },
        parse,
      );
    } catch (error) {
      if (error instanceof BorgCommandError) throw new RepositoryBorgError(error.message, error.msgid, error.exitCode);
      throw error;
    }
  }
}
