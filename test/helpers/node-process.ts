// One cluster node as its own process, from the TypeScript sources like
// test/helpers/child-server.ts, but patient: several nodes compile through
// tsx at once on a machine other tests keep busy, so a start may take well
// over the 30 s a single server gets. A node that does not start in time is
// killed, never left behind.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildServer } from './child-server.js';
import { killProcessTree, processTree } from './process-tree.js';
import { TEST_ADMIN_TOKEN } from './server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** How long a node may take to print its listening line. */
export const NODE_START_TIMEOUT_MS = 180_000;

/** Starts `node --import tsx src/main.ts` with its own data folder and borg base, PORT=0, the test admin token and `env`. */
export async function spawnNode(dataDir: string, env: Record<string, string>): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      BORGQL_DATA_DIR: dataDir,
      BORG_BASE_DIR: path.join(dataDir, 'borg-base'),
      PORT: '0',
      HOST: '127.0.0.1',
      BORGQL_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let started = false;
  const url = await new Promise<string>((resolve, reject) => {
    const fail = (message: string) => {
      if (started) return;
      clearTimeout(timer);
      killProcessTree(processTree(child.pid as number).slice(1));
      child.kill('SIGKILL');
      reject(new Error(`node ${env.BORGQL_NODE_NAME ?? ''} ${message}:\n${output}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${NODE_START_TIMEOUT_MS / 1000} s`), NODE_START_TIMEOUT_MS);
    child.stdout.on('data', () => {
      const match = /borgql listening on (http:\/\/[^/\s]+)\/graphql/.exec(output);
      if (match && !started) {
        started = true;
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    void exited.then((code) => fail(`exited with ${code}`));
  });
  return {
    child,
    url,
    graphqlUrl: `${url}/graphql`,
    wsUrl: `${url.replace(/^http/, 'ws')}/graphql`,
    output: () => output,
    exited,
    stop: async (graceMs = 30_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
