import {
  BorgCommandError,
  borgEnvironment,
  breakLockArgs,
  runBorg,
  runBorgJson,
  type BorgProcessOptions,
  type BorgRunResult,
  type RepositoryAccess,
} from '../borg/index.js';
import { RepositoryBorgError } from '../domain/errors.js';
import { repositoryAccess, type RepositorySecrets, type StoredRepositoryAccess } from './repository-access.js';

/** What running borg on registered repositories needs from the server's configuration. */
export interface RepositoryBorgConfig extends RepositorySecrets {
  /** the borg executable (BORG_BIN) */
  borgBin: string;
}

/**
 * The one door for "run this borg command on this repository": it unlocks
 * the repository the way repository-access.ts decides (stored passphrase or
 * allowed passcommand), gives borg its fixed environment (docs/borg.md "How
 * borg is started"), and maps borg's refusals to RepositoryBorgError once,
 * for every caller (jobs, archives, adding and changing repositories,
 * start-up recovery). It builds no argv: callers pick the command and pass
 * the repository's lock wait to the builders of src/borg.
 */
export class RepositoryBorg {
  constructor(private readonly config: RepositoryBorgConfig) {}

  /**
   * How borg opens the repository (passphrase or passcommand).
   * @throws RepositoryBorgError when it cannot be unlocked (see repositoryAccess)
   */
  access(repository: StoredRepositoryAccess): RepositoryAccess {
    return repositoryAccess(repository, this.config);
  }

  /**
   * The invocation of `args` on the repository, to start as is or as a job's
   * step (add `onEvent` to read its lines).
   * @throws RepositoryBorgError when the repository cannot be unlocked: borg must not run then
   */
  invocation(repository: StoredRepositoryAccess, args: string[]): BorgProcessOptions {
    return { bin: this.config.borgBin, args, env: borgEnvironment(this.access(repository), this.config.borgEnv) };
  }

  /**
   * Runs a one-shot command (list, info, init) to its end and parses its
   * stdout.
   * @throws RepositoryBorgError with borg's msgid (PassphraseWrong…) when borg
   *   did not end with success or warning, or the repository cannot be unlocked
   */
  async query<T>(repository: StoredRepositoryAccess, args: string[], parse: (stdout: string) => T): Promise<T> {
    try {
      return await runBorgJson(this.invocation(repository, args), parse);
    } catch (error) {
      if (error instanceof BorgCommandError) throw new RepositoryBorgError(error.message, error.msgid, error.exitCode);
      throw error;
    }
  }

  /**
   * Runs a command whose stdout is read line by line as it arrives (`borg
   * list --json-lines`), never buffered whole.
   * @throws RepositoryBorgError as query()
   */
  async stream(repository: StoredRepositoryAccess, args: string[], onLine: (line: string) => void): Promise<void> {
    const run = await runBorg({ ...this.invocation(repository, args), onStdoutLine: onLine });
    if (run.listenerError) throw run.listenerError instanceof Error ? run.listenerError : new Error('reading borg output failed');
    if (run.outcome.kind !== 'success' && run.outcome.kind !== 'warning')
      throw new RepositoryBorgError(run.outcome.message, run.outcome.kind === 'error' ? run.outcome.msgid : null, run.outcome.exitCode);
  }

  /**
   * Runs a command to its end for its effect (`borg delete`).
   * @throws RepositoryBorgError as query()
   */
  async run(repository: StoredRepositoryAccess, args: string[]): Promise<void> {
    await this.stream(repository, args, () => undefined);
  }

  /**
   * `borg break-lock` on a repository location. It opens neither the key nor
   * the manifest, so no secret is handed out for it. Never throws: the
   * outcome says how it went.
   */
  breakLock(path: string): Promise<BorgRunResult> {
    return runBorg({ bin: this.config.borgBin, args: breakLockArgs(path), env: borgEnvironment({ path }, this.config.borgEnv) });
  }
}
