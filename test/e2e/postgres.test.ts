// PostgreSQL twins of the tests that read the SQLite file (README "Running
// several nodes"): one server per database through the advisory lock,
// secrets and token hashes as stored, and a database that does not answer
// at start. They run in the PostgreSQL pass (BORGQL_TEST_DATABASE=postgres),
// but the one that needs no PostgreSQL server runs in both.
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runServerToExit, spawnServer, type ChildServer } from '../helpers/child-server.js';
import { gql } from '../helpers/graphql.js';
import { TEST_ADMIN_TOKEN, tempDir } from '../helpers/server.js';
import { onPostgres, testDatabaseEnv } from '../helpers/test-database.js';

const tmp = tempDir('postgres');
const running: ChildServer[] = [];
afterAll(async () => {
  await Promise.all(running.map((server) => server.stop()));
  tmp.cleanup();
}, 60_000);

/** Rows of one statement on the database of a data folder. */
async function rowsOf(dataDir: string, sql: string): Promise<Record<string, unknown>[]> {
  const { DATABASE_URL } = await testDatabaseEnv(dataDir);
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

describe('PostgreSQL at start-up', () => {
  it('a server that does not answer: one line naming host and database (never the password), exit 1', async () => {
    const result = await runServerToExit(path.join(tmp.dir, 'unreachable'), { DATABASE_URL: 'postgresql://borgql:s3cret-pw@127.0.0.1:1/borgql' });
    expect(result.code, result.output).toBe(1);
    expect(result.output.trim()).toMatch(/^borgql: cannot reach PostgreSQL at 127\.0\.0\.1:1\/borgql \(.*ECONNREFUSED.*\): is it running\? \(DATABASE_URL\)$/);
    expect(result.output).not.toContain('s3cret-pw');
  });

  it('a DATABASE_URL of another kind: one line, exit 1', async () => {
    const result = await runServerToExit(path.join(tmp.dir, 'mysql'), { DATABASE_URL: 'mysql://root:pw@127.0.0.1/borgql' });
    expect(result.code, result.output).toBe(1);
    expect(result.output.trim()).toBe('borgql: DATABASE_URL must be a SQLite file: URL or a postgresql:// URL, got one with mysql:');
  });
});

describe.runIf(onPostgres)('one server per PostgreSQL database', () => {
  it('a second server on the database exits 1 with one line, from any data folder; after kill -9 of the first, a new one starts', async () => {
    const dataDir = path.join(tmp.dir, 'shared');
    const first = await spawnServer(dataDir);
    running.push(first);
    const { DATABASE_URL } = await testDatabaseEnv(dataDir);

    const second = await runServerToExit(path.join(tmp.dir, 'another-folder'), { DATABASE_URL: DATABASE_URL! });
    expect(second.code, second.output).toBe(1);
    expect(second.output.trim()).toMatch(
      /^borgql: another borgql server is using the PostgreSQL database 127\.0\.0\.1:5432\/borgql_test_\w+: stop it first, or give this one its own database$/,
    );
    expect(await gql(first.graphqlUrl, '{ jobs(limit: 1) { id } }')).toEqual({ jobs: [] });

    // the lock is the session's: it goes with a killed process
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const next = await spawnServer(dataDir);
    running.push(next);
    expect(await gql(next.graphqlUrl, '{ jobs(limit: 1) { id } }')).toEqual({ jobs: [] });
  }, 120_000);
});

describe.runIf(onPostgres)('what PostgreSQL stores', () => {
  it('passphrases sealed with the data folder’s key, tokens as SHA-256 hashes: no secret in any row', async () => {
    const dataDir = path.join(tmp.dir, 'stored');
    const server = await spawnServer(dataDir);
    running.push(server);
    const passphrase = 'a passphrase only the repository row could leak';
    const added = await gql<{ addRepository: { __typename: string } }>(
      server.graphqlUrl,
      `mutation { addRepository(input: { name: "r", path: ${JSON.stringify(path.join(dataDir, 'repo'))}, sourcePaths: ["/etc/hostname"], passphrase: ${JSON.stringify(passphrase)}, initialize: true }) { __typename } }`,
    );
    expect(added.addRepository.__typename).toBe('AddRepositorySuccess');
    const created = await gql<{ createApiToken: { secret: string } }>(
      server.graphqlUrl,
      'mutation { createApiToken(name: "script", role: VIEWER) { ... on CreateApiTokenSuccess { secret } } }',
    );
    const secret = created.createApiToken.secret;

    const repositories = await rowsOf(dataDir, 'SELECT passphrase FROM "Repository"');
    expect(repositories).toEqual([{ passphrase: expect.stringMatching(/^borgql-secret:v1:/) }]);
    const tokens = await rowsOf(dataDir, 'SELECT "tokenHash", prefix FROM "ApiToken"');
    const hash = (value: string) => createHash('sha256').update(value).digest('hex');
    expect(tokens.map((row) => row.tokenHash)).toEqual(expect.arrayContaining([hash(secret), hash(TEST_ADMIN_TOKEN)]));
    const everything = JSON.stringify(await rowsOf(dataDir, 'SELECT r.*, t.* FROM "Repository" r, "ApiToken" t'));
    for (const clear of [passphrase, secret, TEST_ADMIN_TOKEN]) expect(everything).not.toContain(clear);

    // the key stays in the data folder: without it the database's secrets cannot be opened, and the start says so
    await server.stop();
    rmSync(path.join(dataDir, 'secrets.key'));
    const withoutKey = await runServerToExit(dataDir);
    expect(withoutKey.code, withoutKey.output).toBe(1);
    expect(withoutKey.output.trim()).toMatch(
      /^borgql: \S+secrets\.key is missing, and the database holds 1 secret\(s\) encrypted with a key: the passphrase of repository "r"\./,
    );
  }, 120_000);
});
