// openSecretsAtRest on a real SQLite file: clear text an older version left is encrypted and leaves no trace in the file.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, resolveMigrationsDir } from '../../src/db/migrate.js';
import { REPOSITORY_PASSPHRASE, openSecretsAtRest } from '../../src/db/secrets-at-rest.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { sqliteSecretStorage } from '../../src/db/secret-storage.js';
import { tempDir } from '../helpers/server.js';

describe('openSecretsAtRest', () => {
  const tmp = tempDir('secrets-db');
  afterAll(() => tmp.cleanup());

  it('leaves no copy of a clear-text passphrase an older version replaced, in free space or in the log', () => {
    const dbFile = path.join(tmp.dir, 'borgql.db');
    applyMigrations(dbFile, resolveMigrationsDir());
    const db = openSqlite(dbFile);
    const now = new Date().toISOString();
    const insert = db.prepare('INSERT INTO Repository (name, path, sourcePaths, passphrase, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?)');
    // an older version, without secure_delete: the first passphrase is replaced by a longer one,
    // so SQLite moves the cell and leaves the old bytes in the page's free space
    const replaced = 'replaced-7f3a';
    const current = `current-${'9'.repeat(60)}`;
    insert.run('a', '/r/a', JSON.stringify(['/srv/data/'.repeat(10)]), replaced, now, now);
    insert.run('b', '/r/b', JSON.stringify(['/srv/more/'.repeat(10)]), null, now, now); // an unencrypted repository
    db.prepare('UPDATE Repository SET passphrase = ? WHERE name = ?').run(current, 'a');
    db.pragma('wal_checkpoint(TRUNCATE)');
    const files = () =>
      ['', '-wal']
        .map((suffix) => `${dbFile}${suffix}`)
        .filter((file) => existsSync(file))
        .map((file) => readFileSync(file));
    const found = () => [replaced, current].filter((secret) => files().some((bytes) => bytes.includes(Buffer.from(secret))));
    expect(found()).toEqual([replaced, current]);

    const warnings: string[] = [];
    const box = openSecretsAtRest(sqliteSecretStorage(db), tmp.dir, { discardUnreadable: false, warn: (message) => warnings.push(message) });
    expect(found()).toEqual([]);
    const stored = db.prepare<[], { passphrase: string | null }>('SELECT passphrase FROM Repository ORDER BY id').all();
    expect(stored.map((row) => row.passphrase && box.open(row.passphrase, REPOSITORY_PASSPHRASE))).toEqual([current, null]);
    expect(warnings).toEqual([expect.stringMatching(/^encrypted 1 secret\(s\) stored in clear text by an older version/)]);

    // the next start finds nothing to do
    openSecretsAtRest(sqliteSecretStorage(db), tmp.dir, { discardUnreadable: false, warn: (message) => warnings.push(message) });
    expect(warnings).toHaveLength(1);
    db.close();
  });
});
