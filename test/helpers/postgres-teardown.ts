// Vitest global setup: fixes this run's prefix of PostgreSQL test database
// names (see test-database.ts) before the workers start, and drops every
// database of the run that is left at the end (a test that failed before
// its cleanup, a folder removed without tempDir).
import { onMaintenanceDatabase, onPostgres, testDatabasePrefix } from './test-database.js';

export function setup(): (() => Promise<void>) | undefined {
  if (!onPostgres) return undefined;
  const prefix = testDatabasePrefix();
  return async () => {
    await onMaintenanceDatabase(async (client) => {
      const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [prefix]);
      for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    });
  };
}
