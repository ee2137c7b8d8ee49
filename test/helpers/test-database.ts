// The database a test server runs on. SQLite (a file in the server's data
// folder) unless BORGQL_TEST_DATABASE=postgres: then each data folder gets
// its own PostgreSQL database on the local service (127.0.0.1:5432, user
// postgres, trust; BORGQL_TEST_POSTGRES_URL overrides), named after the run
// and the folder, so a server restarted on the same folder finds its data
// again. tempDir's cleanup drops the databases of the folders it removes;
// test/helpers/postgres-teardown.ts drops whatever is left after the run.
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';

/** Whether this run's servers use PostgreSQL. */
export const onPostgres = process.env.BORGQL_TEST_DATABASE === 'postgres';

/** The reason SQLite-only tests give when they are skipped on PostgreSQL. */
export const SQLITE_ONLY = 'SQLite by nature (the database file in the data folder)';

/** The local PostgreSQL service's maintenance database, where test databases are created and dropped. */
export const TEST_POSTGRES_URL = process.env.BORGQL_TEST_POSTGRES_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';

/** This run's prefix of database names (set once by the global setup, so every worker agrees). */
export function testDatabasePrefix(): string {
  process.env.BORGQL_TEST_RUN ??= randomBytes(4).toString('hex');
  return `borgql_test_${process.env.BORGQL_TEST_RUN}_`;
}

/** A URL on the test service naming `database`. */
function urlOf(database: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs statements on the maintenance database. */
export async function onMaintenanceDatabase<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const databaseName = (dataDir: string) => `${testDatabasePrefix()}${createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16)}`;

/** A new, empty PostgreSQL database of its own; returns its URL. */
export async function createTestDatabase(name: string = `${testDatabasePrefix()}${randomBytes(6).toString('hex')}`): Promise<{ name: string; url: string }> {
  await onMaintenanceDatabase(async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  });
  return { name, url: urlOf(name) };
}

/** Drops a test database, ending the sessions still on it. */
export async function dropTestDatabase(name: string): Promise<void> {
  await onMaintenanceDatabase((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Drops the databases of data folders under `dir` (tempDir's cleanup). */
export async function dropTestDatabasesUnder(dir: string): Promise<void> {
  const names = [...created.entries()].filter(([dataDir]) => dataDir === dir || dataDir.startsWith(`${dir}${path.sep}`));
  for (const [dataDir, name] of names) {
    created.delete(dataDir);
    await dropTestDatabase(name);
  }
}

/** databases made by this worker, by data folder */
const created = new Map<string, string>();

/**
 * The environment that points a server with data folder `dataDir` at its
 * test database: nothing on SQLite (the default file in the folder), else
 * DATABASE_URL of the folder's PostgreSQL database, created on first use.
 * An explicit DATABASE_URL in `env` wins (tests of the SQLite file itself).
 */
export async function testDatabaseEnv(dataDir: string, env: Record<string, string> = {}): Promise<Record<string, string>> {
  if (!onPostgres || env.DATABASE_URL !== undefined) return {};
  const dir = path.resolve(dataDir);
  const { name, url } = await createTestDatabase(databaseName(dir));
  created.set(dir, name);
  return { DATABASE_URL: url };
}
