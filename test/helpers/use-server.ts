import path from 'node:path';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll } from 'vitest';
import { spawnServer, type ChildServer } from './child-server.js';
import { wsClient } from './graphql.js';
import { startServer, tempDir, type TestServer } from './server.js';

/**
 * One test file's server, started in `beforeAll` and disposed in `afterAll`.
 * `dir` and `dataDir` are there from the start; `server` and `client` may be
 * named at once (e.g. in a describe block's helpers) but work only inside
 * hooks and tests, once the server runs.
 */
export interface ServerSetup<Server> {
  /** the file's temp folder, removed after its last test */
  dir: string;
  /** the server's data folder, `<dir>/data` */
  dataDir: string;
  /** the running server */
  server: Server;
  /** a graphql-ws client of the server as the test admin; it connects on its first operation */
  client: Client;
  /**
   * Stops the server and starts it again on the same data folder, with `env`
   * in place of the environment it was started with; `client` then is a new
   * client of the new server.
   */
  restart(env?: Record<string, string>): Promise<void>;
}

/**
 * Starts a borgql server in this process on a free port for the tests of
 * the enclosing describe block (or file), in a temp folder named after
 * `name`; `env` adds to the environment it reads its configuration from.
 * Call it before the block's own hooks: its `beforeAll` runs first and its
 * `afterAll` last (vitest runs after-hooks in reverse order).
 */
export function useServer(name: string, env: Record<string, string> = {}): ServerSetup<TestServer> {
  return useRunning(name, env, (dataDir, startEnv) => startServer({ dataDir, env: startEnv }));
}

/** {@link useServer} with the server as its own process (from the TypeScript sources), for tests that read its output. */
export function useChildServer(name: string, env: Record<string, string> = {}): ServerSetup<ChildServer> {
  return useRunning(name, env, spawnServer);
}

/**
 * The hooks behind both: every resource is put on a stack as soon as it
 * exists and disposed in `afterAll`, last first, so a set-up that failed
 * half way still removes what it made.
 */
function useRunning<Server extends object & { wsUrl: string; stop(): Promise<unknown> }>(
  name: string,
  env: Record<string, string>,
  start: (dataDir: string, env: Record<string, string>) => Promise<Server>,
): ServerSetup<Server> {
  const tmp = tempDir(name);
  const dataDir = path.join(tmp.dir, 'data');
  const leftovers: (() => unknown)[] = [tmp.cleanup];
  let running: Server | undefined;
  const current = (): Server => {
    if (!running) throw new Error(`the ${name} test server starts in beforeAll: use it in hooks and tests`);
    return running;
  };
  const newClient = () => wsClient(() => current().wsUrl);
  let client = newClient();

  beforeAll(async () => {
    running = await start(dataDir, env);
    leftovers.push(() => running?.stop());
    leftovers.push(() => client.dispose());
  });
  afterAll(async () => {
    const failures: unknown[] = [];
    for (let dispose = leftovers.pop(); dispose; dispose = leftovers.pop()) {
      try {
        await dispose();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  });

  const restart = async (restartEnv: Record<string, string> = env) => {
    await client.dispose();
    await current().stop();
    running = undefined;
    running = await start(dataDir, restartEnv);
    client = newClient();
  };
  return { dir: tmp.dir, dataDir, server: standIn(current), client: standIn(() => client), restart };
}

/** Stands for the object `current()` returns, looked up at each property read: it may be replaced, or not be there yet. */
function standIn<T extends object>(current: () => T): T {
  return new Proxy({} as T, { get: (_target, key) => Reflect.get(current(), key) });
}
