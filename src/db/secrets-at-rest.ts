import path from 'node:path';
import { ConfigError } from '../config.js';
import { createKeyFile, readKeyFile } from '../secrets/key-file.js';
import { SECRET_KEY_BYTES, SecretBox, SecretUnreadableError, isSealed } from '../secrets/secret-box.js';
import type { SecretStorage } from './secret-storage.js';

/** The key file, in the data folder beside the database: back it up with the database. */
export const SECRETS_KEY_FILE = 'secrets.key';

/** A column whose values are encrypted at rest; `table.column` is the purpose every value is authenticated with. */
interface SecretColumn {
  table: string;
  column: string;
  /** what a row is called in messages, from its name column */
  describe: (name: string) => string;
  /** how a person sets a discarded value again */
  reenter: string;
}

const SECRET_COLUMNS: readonly SecretColumn[] = [
  {
    table: 'Repository',
    column: 'passphrase',
    describe: (name) => `the passphrase of repository "${name}"`,
    reenter: 'updateRepository(id, input: { passphrase })',
  },
  {
    table: 'Webhook',
    column: 'secret',
    describe: (name) => `the signing secret of webhook "${name}"`,
    reenter: 'updateWebhook(id, input: { secret })',
  },
];

/** The purpose Repository.passphrase values are sealed for (SecretBox.seal/open). */
export const REPOSITORY_PASSPHRASE = 'Repository.passphrase';

const purposeOf = (column: SecretColumn): string => `${column.table}.${column.column}`;

/** The key file does not fit the database; the server cannot start until a person decides. */
export class SecretKeyError extends ConfigError {
  override name = 'SecretKeyError';
}

/** Options of {@link openSecretsAtRest}. */
export interface SecretsAtRestOptions {
  /** BORGQL_DISCARD_UNREADABLE_SECRETS: delete values no key can open instead of refusing to start */
  discardUnreadable: boolean;
  /** one-time notices an operator must read (values encrypted or discarded) */
  warn: (message: string) => void;
}

interface StoredSecret {
  column: SecretColumn;
  id: number;
  name: string;
  value: string;
}

function readStoredSecrets(db: SecretStorage): StoredSecret[] {
  return SECRET_COLUMNS.flatMap((column) => db.read(column.table, column.column).map((row) => ({ column, ...row })));
}

const RECOVERY_HINT =
  'Put back the secrets.key that belongs to this database (from the backup made together with it). ' +
  'If that key is lost for good, start once with BORGQL_DISCARD_UNREADABLE_SECRETS=yes: the values it cannot open are then deleted and must be entered again';

/**
 * Makes every stored secret readable with the data folder's key before the
 * server starts: reads `secrets.key` (0600; created at the first start with
 * 32 random bytes), encrypts values an older version stored in clear text,
 * and proves every encrypted one opens. A missing or wrong key with
 * encrypted values present stops the start with a {@link SecretKeyError}
 * naming them, never an empty passphrase later, unless the operator chose
 * to discard them (`discardUnreadable`).
 */
export function openSecretsAtRest(db: SecretStorage, dataDir: string, options: SecretsAtRestOptions): SecretBox {
  const keyFile = path.join(dataDir, SECRETS_KEY_FILE);
  const stored = readStoredSecrets(db);
  const encrypted = stored.filter((secret) => isSealed(secret.value));
  let key = readKeyFile(keyFile);
  if (!key && encrypted.length > 0 && !options.discardUnreadable) {
    throw new SecretKeyError(
      `${keyFile} is missing, and the database holds ${encrypted.length} secret(s) encrypted with a key: ${encrypted.map((s) => s.column.describe(s.name)).join(', ')}. ${RECOVERY_HINT}.`,
    );
  }
  key ??= createKeyFile(keyFile, SECRET_KEY_BYTES);
  if (key.length !== SECRET_KEY_BYTES) {
    throw new SecretKeyError(`${keyFile} has ${key.length} bytes where a borgql key has ${SECRET_KEY_BYTES}: it is not a borgql key file. ${RECOVERY_HINT}.`);
  }
  const box = new SecretBox(key);

  const sealed: StoredSecret[] = [];
  const unreadable: { secret: StoredSecret; why: string }[] = [];
  for (const secret of stored) {
    if (!isSealed(secret.value)) {
      sealed.push({ ...secret, value: box.seal(secret.value, purposeOf(secret.column)) });
      continue;
    }
    try {
      box.open(secret.value, purposeOf(secret.column));
    } catch (error) {
      if (!(error instanceof SecretUnreadableError)) throw error;
      unreadable.push({ secret, why: error.message });
    }
  }
  if (unreadable.length > 0 && !options.discardUnreadable) {
    const list = unreadable.map(({ secret, why }) => `${secret.column.describe(secret.name)} (${why})`).join('; ');
    throw new SecretKeyError(`${unreadable.length} stored secret(s) cannot be decrypted with ${keyFile} (key ${box.keyId}): ${list}. ${RECOVERY_HINT}.`);
  }

  db.rewrite(
    [...sealed, ...unreadable.map(({ secret }) => ({ ...secret, value: null }))].map(({ column, id, value }) => ({
      table: column.table,
      column: column.column,
      id,
      value,
    })),
  );
  for (const { secret, why } of unreadable) {
    options.warn(
      `BORGQL_DISCARD_UNREADABLE_SECRETS: deleted ${secret.column.describe(secret.name)}, which ${keyFile} cannot decrypt (${why}); set it again with ${secret.column.reenter}`,
    );
  }
  if (sealed.length > 0) {
    const notice = db.purgeOldCopies([...new Set(SECRET_COLUMNS.map((column) => column.table))]);
    if (notice) options.warn(notice);
    options.warn(
      `encrypted ${sealed.length} secret(s) stored in clear text by an older version with ${keyFile}; back that file up together with the database: without it they cannot be read`,
    );
  }
  return box;
}
