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
}

/**
 * Starts a borgql server in this process on a free port for the tests of
 * the enclosing describe block (or file), in a temp folder named after
 * `name`; `env` adds to the environment it reads its configuration from.
 * Call it before the block's own hooks: its `beforeAll` runs first and its
 * `afterAll` last (vitest runs after-hooks in reverse order).
 */
export function useServer(name: string, env: Record<string, string> = {}): ServerSetup<TestServer> {
  return useRunning(name, (dataDir) => startServer({ dataDir, env }));
}

/** {@link useServer} with the server as its own process (from the TypeScript sources), for tests that read its output. */
export function useChildServer(name: string, env: Record<string, string> = {}): ServerSetup<ChildServer> {
  return useRunning(name, (dataDir) => spawnServer(dataDir, env));
}

/**
 * The hooks behind both: every resource is put on a stack as soon as it
 * exists and disposed in `afterAll`, last first, so a set-up that failed
 * half way still removes what it made.
 */
function useRunning<Server extends object & { wsUrl: string; stop(): Promise<unknown> }>(
  name: string,
  start: (dataDir: string) => Promise<Server>,
): ServerSetup<Server> {
  const tmp = tempDir(name);
  const dataDir = path.join(tmp.dir, 'data');
  const leftovers: (() => unknown)[] = [tmp.cleanup];
  let running: Server | undefined;
  const current = (): Server => {
    if (!running) throw new Error(`the ${name} test server starts in beforeAll: use it in hooks and tests`);
    return running;
  };
  const client = wsClient(() => current().wsUrl);

  beforeAll(async () => {
    const started = await start(dataDir);
    running = started;
    leftovers.push(() => started.stop());
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

  return { dir: tmp.dir, dataDir, server: runningServer(current), client };
}

/** Stands for the server `current()` returns, looked up at each property read. */
function runningServer<Server extends object>(current: () => Server): Server {
  return new Proxy({} as Server, { get: (_target, key) => Reflect.get(current(), key) });
}
