import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, resolveMigrationsDir } from '../../src/db/migrate.js';
import { borg } from '../helpers/borg.js';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { ADD_REPOSITORY_OR_ERROR, JOB_STATUS_UPDATES } from '../helpers/documents.js';
import { collectSse, gql } from '../helpers/graphql.js';
import { tempDir } from '../helpers/server.js';
import { SQLITE_ONLY, onPostgres } from '../helpers/test-database.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIRST_MIGRATION_WITH_PASSCOMMAND = '20261202025847_repository_passcommand';

/**
 * What a server of the previous version leaves behind when it is killed: a
 * 0644 database (it was created under umask 022) holding a passphrase in
 * clear text, an older passphrase of the same row still in the main file, the
 * current one in a 0644 write-ahead log. Written by a separate process that
 * SIGKILLs itself, so nothing checkpoints or removes the log.
 */
function writeOldVersionDatabase(dbFile: string, row: { name: string; path: string; source: string; stale: string; passphrase: string }) {
  const migrations = path.join(path.dirname(path.dirname(dbFile)), 'old-migrations');
  for (const entry of readdirSync(resolveMigrationsDir())) {
    if (entry < FIRST_MIGRATION_WITH_PASSCOMMAND || entry.endsWith('.toml'))
      cpSync(path.join(resolveMigrationsDir(), entry), path.join(migrations, entry), { recursive: true });
  }
  applyMigrations(dbFile, migrations);
  const script = `
    const Database = require('better-sqlite3');
    const [file, name, repo, sources, stale, passphrase] = process.argv.slice(1);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    const now = new Date().toISOString().replace('Z', '+00:00');
    db.prepare('INSERT INTO "Repository" (name, path, sourcePaths, passphrase, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?)')
      .run(name, repo, JSON.stringify([sources]), stale, now, now);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.prepare('UPDATE "Repository" SET passphrase = ? WHERE name = ?').run(passphrase, name);
    process.kill(process.pid, 'SIGKILL');`;
  const child = spawnSync(process.execPath, ['-e', script, dbFile, row.name, row.path, row.source, row.stale, row.passphrase], { cwd: root });
  expect(child.signal, child.stderr.toString()).toBe('SIGKILL');
}

type JobState = { status: string; errorMessage: string | null; logs: { lines: { content: string }[] } };

/**
 * At rest, passphrases are encrypted with a key file in
 * the data folder, and the database and key files are 0600 whatever the
 * folder's mode and the umask.
 */
// an older version's SQLite file and the bytes left in it; the PostgreSQL twin is in postgres.test.ts
describe.skipIf(onPostgres)(`passphrases at rest (${SQLITE_ONLY})`, () => {
  const tmp = tempDir('at-rest');
  const dataDir = path.join(tmp.dir, 'data');
  const dbFile = path.join(dataDir, 'borgql.db');
  const keyFile = path.join(dataDir, 'secrets.key');
  const sources = path.join(tmp.dir, 'src');
  const legacy = { name: 'legacy', path: path.join(tmp.dir, 'repos', 'legacy'), passphrase: `legacy-${randomBytes(9).toString('hex')}` };
  // an older passphrase of the row, replaced by a longer one: its bytes may survive in free space
  const stale = `stale-${randomBytes(3).toString('hex')}`;
  const added = { name: 'added', path: path.join(tmp.dir, 'repos', 'added'), passphrase: `added-${randomBytes(9).toString('hex')}` };
  const allPassphrases = [legacy.passphrase, stale, added.passphrase];
  let server: ChildServer | null = null;
  let umask = 0;

  const databaseFiles = () => ['', '-wal', '-shm', '-journal'].map((suffix) => `${dbFile}${suffix}`).filter((file) => existsSync(file));
  const modeOf = (file: string) => statSync(file).mode & 0o777;
  /** the passphrases found anywhere in the raw database files */
  const leaked = () => allPassphrases.filter((secret) => databaseFiles().some((file) => readFileSync(file).includes(Buffer.from(secret))));
  const storedPassphrase = (name: string) => {
    const db = new Database(dbFile, { readonly: true, timeout: 10_000 });
    try {
      return db.prepare<[string], { passphrase: string | null }>('SELECT passphrase FROM Repository WHERE name = ?').get(name)?.passphrase;
    } finally {
      db.close();
    }
  };
  const setStoredPassphrase = (name: string, value: string) => {
    const db = new Database(dbFile, { timeout: 10_000 });
    try {
      db.prepare('UPDATE Repository SET passphrase = ? WHERE name = ?').run(value, name);
    } finally {
      db.close();
    }
  };

  const start = async (env: Record<string, string> = {}) => {
    server = await spawnServer(dataDir, env);
    return server;
  };
  const stop = async () => {
    expect(await server?.stop()).toBe(0);
    server = null;
  };
  /** Why the server refused to start (its whole output), and that it exited with 1 without a stack trace. */
  const refusal = async (env: Record<string, string> = {}) => {
    const error = await spawnServer(dataDir, env).then(
      async (started) => {
        await started.stop();
        throw new Error('the server started');
      },
      (failure: Error) => failure.message,
    );
    expect(error).toMatch(/^server exited with 1:\nborgql: /);
    expect(error).not.toMatch(/^\s+at /m);
    for (const secret of allPassphrases) expect(error).not.toContain(secret);
    return error;
  };
  const query = <T = any>(document: string, variables: Record<string, unknown> = {}) => gql<T>(server!.graphqlUrl, document, variables);
  const backup = async (repository: string): Promise<JobState> => {
    const started = await query('mutation($r: String!) { startBackup(repository: $r) { ... on StartBackupSuccess { job { id } } ... on Error { message } } }', {
      r: repository,
    });
    const id = started.startBackup.job.id as string;
    await collectSse(server!.graphqlUrl, JOB_STATUS_UPDATES, { id });
    return (await query<{ job: JobState }>('query($id: ID!) { job(id: $id) { status errorMessage logs(limit: 1000) { lines { content } } } }', { id })).job;
  };
  const repositories = async () =>
    (await query<{ repositories: { name: string; hasPassphrase: boolean }[] }>('{ repositories { name hasPassphrase } }')).repositories;

  beforeAll(async () => {
    umask = process.umask(0o022);
    mkdirSync(dataDir, { recursive: true });
    chmodSync(dataDir, 0o755);
    mkdirSync(sources, { recursive: true });
    writeFileSync(path.join(sources, 'file.txt'), 'data');
    const init = await borg(['init', '--make-parent-dirs', '--encryption=repokey-blake2', legacy.path], {
      BORG_PASSPHRASE: legacy.passphrase,
      BORG_BASE_DIR: path.join(tmp.dir, 'borg-test'),
    });
    expect(init.exitCode, init.stderr).toBe(0);
    writeOldVersionDatabase(dbFile, { ...legacy, source: sources, stale });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    process.umask(umask);
    tmp.cleanup();
  }, 60_000);

  it('starts from an older version: the database files are 0644 and hold the passphrases in clear text', () => {
    expect(databaseFiles().map((file) => path.basename(file))).toEqual(['borgql.db', 'borgql.db-wal', 'borgql.db-shm']);
    for (const file of databaseFiles()) expect(modeOf(file)).toBe(0o644);
    expect(leaked()).toEqual([legacy.passphrase, stale]);
  });

  it('encrypts them at start, leaves no clear copy in the files, and makes every file 0600 (the folder stays 0755)', async () => {
    await start();
    expect(server!.output()).toMatch(/encrypted 1 secret\(s\) stored in clear text .*secrets\.key; back that file up together with the database/);
    expect(storedPassphrase(legacy.name)).toMatch(/^borgql-secret:v1:[0-9a-f]{8}:/);
    expect(leaked()).toEqual([]);
    for (const file of [...databaseFiles(), keyFile, path.join(dataDir, 'download-token.key')]) expect([file, modeOf(file)]).toEqual([file, 0o600]);
    expect(readFileSync(keyFile)).toHaveLength(32);
    expect(modeOf(dataDir)).toBe(0o755);
    expect(await repositories()).toEqual([{ name: 'legacy', hasPassphrase: true }]);
  });

  it('backs up with the decrypted passphrase; a passphrase given to the API is never written in clear', async () => {
    const add = await query(ADD_REPOSITORY_OR_ERROR, {
      input: { name: added.name, path: added.path, sourcePaths: [sources], passphrase: added.passphrase, initialize: true },
    });
    expect(add.addRepository).toEqual({ __typename: 'AddRepositorySuccess' });
    expect((await backup(legacy.path)).status).toBe('COMPLETED');
    expect((await backup(added.path)).status).toBe('COMPLETED');
    expect(storedPassphrase(added.name)).toMatch(/^borgql-secret:v1:/);
    expect(databaseFiles().length).toBeGreaterThanOrEqual(2); // the server writes through its WAL now
    expect(leaked()).toEqual([]);
    for (const file of databaseFiles()) expect([file, modeOf(file)]).toEqual([file, 0o600]);
  });

  it('a stored value that does not decrypt fails its job with a clear message; borg does not run', async () => {
    const good = storedPassphrase(added.name) as string;
    const parts = good.split(':');
    const sealed = Buffer.from(parts[4]!, 'base64url');
    sealed[0]! ^= 1; // one bit of the ciphertext
    setStoredPassphrase(added.name, [...parts.slice(0, 4), sealed.toString('base64url')].join(':'));
    const job = await backup(added.path);
    setStoredPassphrase(added.name, good);
    expect(job.status).toBe('FAILED');
    expect(job.errorMessage).toMatch(
      /^the stored passphrase of repository "added" cannot be decrypted \(it does not authenticate .*\); restore .*secrets\.key, or set the passphrase again with updateRepository$/,
    );
    expect(job.logs.lines.map((line) => line.content)).not.toContainEqual(expect.stringMatching(/^borg /));
  });

  it('a server restarted on the same folder still backs up with the encrypted passphrases', async () => {
    await stop();
    await start();
    expect(server!.output()).not.toMatch(/encrypted \d+ secret/);
    expect((await backup(legacy.path)).status).toBe('COMPLETED');
    expect((await backup(added.path)).status).toBe('COMPLETED');
  });

  it('refuses to start with a missing, wrong or malformed key file, naming what it cannot open', async () => {
    await stop();
    const saved = path.join(tmp.dir, 'secrets.key.saved');
    renameSync(keyFile, saved);
    const missing = await refusal();
    expect(missing).toContain(
      `${keyFile} is missing, and the database holds 2 secret(s) encrypted with a key: the passphrase of repository "legacy", the passphrase of repository "added"`,
    );
    expect(missing).toMatch(/Put back the secrets\.key that belongs to this database.*BORGQL_DISCARD_UNREADABLE_SECRETS=yes/);
    expect(existsSync(keyFile)).toBe(false); // no new key was made up

    writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
    const wrong = await refusal();
    expect(wrong).toMatch(
      /2 stored secret\(s\) cannot be decrypted with .*secrets\.key \(key [0-9a-f]{8}\): the passphrase of repository "legacy" \(it was encrypted with key [0-9a-f]{8}, and the key file holds key [0-9a-f]{8}\)/,
    );

    writeFileSync(keyFile, randomBytes(16));
    expect(await refusal()).toMatch(/secrets\.key has 16 bytes where a borgql key has 32/);

    copyFileSync(saved, keyFile);
    await start();
    expect((await backup(added.path)).status).toBe('COMPLETED');
  });

  it('BORGQL_DISCARD_UNREADABLE_SECRETS=yes deletes what the key cannot open; updateRepository sets it again', async () => {
    await stop();
    rmSync(keyFile);
    await start({ BORGQL_DISCARD_UNREADABLE_SECRETS: 'yes' });
    expect(server!.output()).toMatch(
      /deleted the passphrase of repository \\"legacy\\", which .*secrets\.key cannot decrypt .*set it again with updateRepository/,
    ); // pino's JSON
    expect(modeOf(keyFile)).toBe(0o600);
    expect(await repositories()).toEqual([
      { name: 'legacy', hasPassphrase: false },
      { name: 'added', hasPassphrase: false },
    ]);
    const without = await backup(legacy.path);
    expect(without).toMatchObject({ status: 'FAILED', errorMessage: expect.stringMatching(/^PassphraseWrong/) });
    const { repository } = await query('query($id: ID!) { repository(id: $id) { name } }', { id: '1' });
    expect(repository.name).toBe('legacy'); // the row the old version wrote
    const update = await query('mutation($id: ID!, $p: String!) { updateRepository(id: $id, input: { passphrase: $p }) { __typename } }', {
      id: '1',
      p: legacy.passphrase,
    });
    expect(update.updateRepository.__typename).toBe('AddRepositorySuccess');
    expect((await backup(legacy.path)).status).toBe('COMPLETED');
    expect(leaked()).toEqual([]);
  });
});
