import type { RepositoryAccess } from '../borg/index.js';
import type { Repository } from '../db/client.js';
import { REPOSITORY_PASSPHRASE } from '../db/secrets-at-rest.js';
import { SecretUnreadableError, type SecretBox } from '../secrets/secret-box.js';
import { RepositoryBorgError, ValidationError } from '../domain/errors.js';
import { validatePasscommand } from './passcommand.js';

/** What unlocking a stored repository needs from the server. */
export interface RepositorySecrets {
  /** opens stored passphrases (the data folder's secrets.key) */
  secrets: SecretBox;
  /** BORGQL_PASSCOMMAND_PREFIXES as it is now */
  passcommandPrefixes: readonly string[];
  /** the environment borg inherits */
  borgEnv: NodeJS.ProcessEnv;
}

/** The columns of a repository row that say where it is and how to unlock it. */
export type StoredRepositoryAccess = Pick<Repository, 'name' | 'path' | 'passphrase' | 'passcommand'>;

/**
 * How borg opens a registered repository: its passphrase decrypted, or its
 * passcommand checked again against the operator's allow-list as it is
 * today (narrowing BORGQL_PASSCOMMAND_PREFIXES stops commands stored
 * before, and a passcommand written into the database by hand runs only if
 * the operator allowed its prefix).
 * @throws RepositoryBorgError (no msgid) when the passphrase cannot be
 *   decrypted or the passcommand is not allowed: borg must not run then.
 */
export function repositoryAccess(repository: StoredRepositoryAccess, config: RepositorySecrets): RepositoryAccess {
  const { name, path } = repository;
  if (repository.passcommand) {
    try {
      return { path, passcommand: validatePasscommand(repository.passcommand, config.passcommandPrefixes) };
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new RepositoryBorgError(`the passcommand of repository "${name}" is refused: ${error.message}`, null, null);
    }
  }
  if (!repository.passphrase) return { path };
  try {
    return { path, passphrase: config.secrets.open(repository.passphrase, REPOSITORY_PASSPHRASE) };
  } catch (error) {
    if (!(error instanceof SecretUnreadableError)) throw error;
    throw new RepositoryBorgError(
      `the stored passphrase of repository "${name}" cannot be decrypted (${error.message}); restore the data folder's secrets.key, or set the passphrase again with updateRepository`,
      null,
      null,
    );
  }
}
