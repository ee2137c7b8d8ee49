import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killProcessTree, processTree } from './process-tree.js';
import { TEST_ADMIN_TOKEN } from './server.js';
import { testDatabaseEnv } from './test-database.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** borgql as its own process (`node --import tsx src/main.ts`, or compiled), for kill -9, signal and build tests. */
export interface ChildServer {
  child: ChildProcess;
  url: string;
  graphqlUrl: string;
  wsUrl: string;
  /** everything the server printed so far */
  output(): string;
  /** resolves with the exit code (or signal name) */
  exited: Promise<number | string>;
  /**
   * Stops the server as a service manager would: SIGTERM (it stops its borg
   * runs first), SIGKILL after `graceMs`. A bare SIGKILL would leave borg
   * (its own process group) writing into the temp folder being removed.
   */
  stop(graceMs?: number): Promise<number | string>;
}

/** Runs the server's command through another one (e.g. `nsenter … --`): returns the command and arguments to spawn. */
export type Launcher = (command: string, args: string[]) => [string, string[]];

/** node's arguments that run the server from the TypeScript sources. */
const SOURCE_ENTRY = ['--import', 'tsx', 'src/main.ts'];

/** The environment of a child server: its own data folder, borg base and test database, a free port, the test admin token. */
async function childEnv(dataDir: string, env: Record<string, string>): Promise<NodeJS.ProcessEnv> {
  return {
    ...process.env,
    BORGQL_DATA_DIR: dataDir,
    BORG_BASE_DIR: path.join(dataDir, 'borg-base'),
    PORT: '0',
    HOST: '127.0.0.1',
    BORGQL_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    ...(await testDatabaseEnv(dataDir, env)),
    ...env,
  };
}

/**
 * Runs the server from the sources for a start that must fail, and resolves
 * with its exit code and everything it printed. `wrapper` is put before node
 * (e.g. a command that runs it in another mount namespace). A server that
 * starts anyway is stopped and reported with the code `"listening"`.
 */
export async function runServerToExit(
  dataDir: string,
  env: Record<string, string> = {},
  wrapper: string[] = [],
): Promise<{ code: number | string; output: string }> {
  const [command, ...args] = [...wrapper, process.execPath, ...SOURCE_ENTRY] as [string, ...string[]];
  const child = spawn(command, args, { cwd: root, env: await childEnv(dataDir, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let listening = false;
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (!listening && output.includes('borgql listening on')) {
      listening = true;
      child.kill('SIGTERM');
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code: listening ? 'listening' : (code ?? signal ?? -1), output })));
}

/** How long a started server may take to print its listening line, by default. */
export const SERVER_START_TIMEOUT_MS = 30_000;

/**
 * Starts the server with `BORGQL_DATA_DIR=dataDir` (and the test admin token)
 * and waits for its listening line. It runs the TypeScript sources through
 * tsx unless `entry` names a compiled main.js (the build test); `launcher`
 * wraps the command (it must exec the server, so the child is the server).
 * A server that exits first, or does not listen within `startTimeoutMs`, is
 * a rejection; one that timed out is killed with what it started, never
 * left running behind the test.
 */
export async function spawnServer(
  dataDir: string,
  env: Record<string, string> = {},
  entry?: string,
  launcher?: Launcher,
  startTimeoutMs = SERVER_START_TIMEOUT_MS,
): Promise<ChildServer> {
  const [command, args] = (launcher ?? ((c, a) => [c, a]))(process.execPath, entry ? [entry] : SOURCE_ENTRY);
  const child = spawn(command, args, { cwd: root, env: await childEnv(dataDir, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      killProcessTree(processTree(child.pid as number).slice(1));
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${startTimeoutMs / 1000} s:\n${output}`));
    }, startTimeoutMs);
    child.stdout.on('data', () => {
      const match = /borgql listening on (http:\/\/[^/\s]+)\/graphql/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
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
