import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { buildApp, type App } from '../../src/server/app.js';
import { dropTestDatabasesUnder, testDatabaseEnv } from './test-database.js';

/** The admin token every test server gets (BORGQL_ADMIN_TOKEN); the graphql helpers send it by default. */
export const TEST_ADMIN_TOKEN = 'bq_test-admin-token-0123456789abcdef';

/** `Authorization` header of a bearer token. */
export function bearer(token: string = TEST_ADMIN_TOKEN): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** A real borgql server on a free port with its own data dir and borg base dir. */
export interface TestServer {
  app: App;
  url: string;
  graphqlUrl: string;
  wsUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Makes a temp folder that `cleanup()` removes, and starts dropping the test
 * databases of the servers that kept their data in it (in the background:
 * the run's global teardown drops any a finished worker left).
 */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `borgql-${prefix}-`));
  return {
    dir,
    cleanup: () => {
      // retries: a borg that is still exiting may write its cache while the tree is removed
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
      dropTestDatabasesUnder(dir).catch(() => undefined);
    },
  };
}

/**
 * Starts a server; `env` overrides the environment it reads its configuration
 * from. Its database is the test run's (test-database.ts): SQLite in the data
 * folder, or the folder's own PostgreSQL database.
 */
export async function startServer(options: { dataDir: string; env?: Record<string, string> }): Promise<TestServer> {
  const database = await testDatabaseEnv(options.dataDir, options.env);
  const config = loadConfig({
    ...process.env,
    BORG_BASE_DIR: path.join(options.dataDir, 'borg-base'),
    BORGQL_DATA_DIR: options.dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    BORGQL_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    ...database,
    ...options.env,
  });
  const app = await buildApp(config, { logLevel: false });
  const { url } = await app.start();
  return {
    app,
    url,
    graphqlUrl: `${url}/graphql`,
    wsUrl: `${url.replace(/^http/, 'ws')}/graphql`,
    dataDir: options.dataDir,
    stop: () => app.stop('test finished'),
  };
}
