// One server per SQLite database. Was a bug: a second `npm start` on the same
// data folder started and ran beside the first (both re-queued and ran the
// same pending jobs). The lock is kernel-released, so a crash never blocks
// the next start.
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { StartupError } from '../../src/db/startup-error.js';
import { buildApp } from '../../src/server/app.js';
import { runServerToExit, spawnServer, type ChildServer } from '../helpers/child-server.js';
import { gql } from '../helpers/graphql.js';
import { startServer, tempDir, TEST_ADMIN_TOKEN } from '../helpers/server.js';
import { SQLITE_ONLY, onPostgres } from '../helpers/test-database.js';

const IN_USE =
  /^borgql: another borgql server is using the database (\S+)\/borgql\.db \(it holds \1\/borgql\.db-server\.lock\): stop it first, or give this one its own BORGQL_DATA_DIR$/m;

// SQLite's lock file in the data folder; the PostgreSQL twin is in postgres.test.ts
describe.skipIf(onPostgres)(`one server per database (${SQLITE_ONLY})`, () => {
  const tmp = tempDir('single-writer');
  const running: ChildServer[] = [];
  afterAll(async () => {
    await Promise.all(running.map((server) => server.stop()));
    tmp.cleanup();
  }, 60_000);

  it('a second server process on the same data folder exits 1 with a message; after kill -9 of the first, a new one starts', async () => {
    const dataDir = path.join(tmp.dir, 'shared');
    const first = await spawnServer(dataDir);
    running.push(first);

    const second = await runServerToExit(dataDir);
    expect(second.code, second.output).toBe(1);
    expect(second.output).toMatch(IN_USE);
    expect(second.output.trim().split('\n')).toHaveLength(1);
    // the first one is untouched
    expect(await gql(first.graphqlUrl, '{ jobs(limit: 1) { id } }')).toEqual({ jobs: [] });

    // also through another path to the same file (DATABASE_URL), from another data folder
    const viaUrl = await runServerToExit(path.join(tmp.dir, 'elsewhere'), { DATABASE_URL: `file:${dataDir}/../shared/borgql.db` });
    expect(viaUrl.code, viaUrl.output).toBe(1);
    expect(viaUrl.output).toMatch(/another borgql server is using the database/);

    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const next = await spawnServer(dataDir);
    running.push(next);
    expect(await gql(next.graphqlUrl, '{ jobs(limit: 1) { id } }')).toEqual({ jobs: [] });
  }, 120_000);

  it('in one process: a second buildApp on the same folder is refused, other folders are not, and stop releases the lock', async () => {
    const dataDir = path.join(tmp.dir, 'in-process');
    const config = (dir: string, env: Record<string, string> = {}) =>
      loadConfig({ ...process.env, BORGQL_DATA_DIR: dir, PORT: '0', BORGQL_ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...env });
    const first = await startServer({ dataDir });
    const other = await startServer({ dataDir: path.join(tmp.dir, 'in-process-other') });
    try {
      await expect(buildApp(config(dataDir), { logLevel: false })).rejects.toThrow(StartupError);
      await expect(buildApp(config(dataDir), { logLevel: false })).rejects.toThrow(/another borgql server is using the database/);
      // a symlink to the database file is the same database
      const link = path.join(tmp.dir, 'link-to-the-database.db');
      symlinkSync(path.join(dataDir, 'borgql.db'), link);
      await expect(buildApp(config(path.join(tmp.dir, 'in-process-link'), { DATABASE_URL: `file:${link}` }), { logLevel: false })).rejects.toThrow(
        /another borgql server is using the database/,
      );
      // both servers keep working
      for (const server of [first, other]) expect(await gql(server.graphqlUrl, '{ jobs(limit: 1) { id } }')).toEqual({ jobs: [] });
    } finally {
      await other.stop();
      await first.stop();
    }
    const again = await startServer({ dataDir });
    await again.stop();
  });
});
