import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { childrenCpuMs, processCpuMs, processMemory, type ProcessMemory } from './proc.js';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** A borgql server running as a child process (its own event loop, like production). */
export interface ServerProcess {
  pid: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  graphqlUrl: string;
  wsUrl: string;
  /** the admin bearer token (BORGQL_ADMIN_TOKEN) the server was started with */
  token: string;
  dataDir: string;
  /** CPU time (user + system, ms) the server process used so far; null where /proc is missing. */
  cpuMs(): number | null;
  /** CPU time of the server's finished children (its borgs) so far: cutime + cstime; null where /proc is missing. */
  childCpuMs(): number | null;
  /** the environment the server was started with (its borgs inherit it: config.borgEnv) */
  env: Record<string, string>;
  /** the Node.js version the server runs on (`BENCH_SERVER_NODE` may pick another than the benchmark's) */
  nodeVersion: string;
  /** Resident memory of the server process now and at its peak; null where /proc is missing. */
  memory(): ProcessMemory | null;
  /** SIGTERM (graceful: the server stops its jobs), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Options of {@link startServerProcess}. */
export interface ServerOptions {
  rootDir: string;
  /** parent folder for the server's data dir and borg base dir */
  dir: string;
  /** extra node flags, e.g. `--cpu-prof` */
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** how long to wait for the listening line */
  startTimeoutMs?: number;
}

const LISTENING = /borgql listening on (http:\/\/\S+)\/graphql/;

export { childrenCpuMs, processCpuMs, processMemory, requireMemory, type ProcessMemory } from './proc.js';

/** Servers still running, so an interrupted bench run can stop exactly these; `group`: the child leads its own process group. */
const running = new Map<ChildProcess, { group: boolean }>();

/**
 * Registers a server child started outside startServerProcess (bench/idle.ts
 * starts `npm start` in a process group of its own), so killAllServers
 * reaches it; it is forgotten when it exits.
 */
export function trackServer(child: ChildProcess, options: { group: boolean }): void {
  running.set(child, options);
  child.once('exit', () => running.delete(child));
}

/** Stops every server this process started (SIGKILL; a whole process group where it has one); for the runner's exit path. */
export function killAllServers(): void {
  for (const [child, { group }] of running) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    if (group) process.kill(-(child.pid as number), 'SIGKILL');
    else child.kill('SIGKILL');
  }
}

/** The environment a benchmark server runs with: its own data and borg base dirs, the port, a known admin token. */
export function serverEnv(dataDir: string, options: { port: number; token: string; borgBaseDir?: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    BORGQL_DATA_DIR: dataDir,
    BORG_BASE_DIR: options.borgBaseDir ?? path.join(dataDir, 'borg-base'),
    PORT: String(options.port),
    HOST: '127.0.0.1',
    BORGQL_ADMIN_TOKEN: options.token,
  };
}

/**
 * How benchmarks run the server: exactly `npm start`'s command line
 * (package.json, V8 flags included) on the compiled JavaScript that
 * bench/run.ts builds first, started without npm in between.
 */
export const SERVER_COMMAND: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } })
  .scripts.start;
/** {@link SERVER_COMMAND}'s arguments after `node`. */
export const SERVER_ARGS: readonly string[] = SERVER_COMMAND.split(/\s+/).slice(1);

/** Compiles src/ into dist/ (`npm run build`), so benchmarks measure the current sources. */
export function buildServer(rootDir: string): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: rootDir, stdio: 'inherit' });
}

/** Entries whose value is set (a NodeJS.ProcessEnv may hold undefined). */
function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/**
 * The node binary servers run on: `BENCH_SERVER_NODE` (e.g. the `node@22`
 * package's binary, for the Node 22 rows), else the benchmark's own.
 */
export function serverNode(): string {
  return process.env.BENCH_SERVER_NODE || process.execPath;
}

const versions = new Map<string, string>([[process.execPath, process.version]]);

/** `v22.x.y`: the version of {@link serverNode}, asked once per binary. */
export function serverNodeVersion(): string {
  const node = serverNode();
  if (!versions.has(node)) versions.set(node, execFileSync(node, ['--version'], { encoding: 'utf8' }).trim());
  return versions.get(node)!;
}

/**
 * The folder servers run from (their working directory, and so the dist/
 * and node_modules/ they load): `BENCH_SERVER_ROOT` (the Node 22 rows' tree
 * in `.bench/node22`, whose native addon is built for Node 22), else `rootDir`.
 */
export function serverRoot(rootDir: string): string {
  return process.env.BENCH_SERVER_ROOT || rootDir;
}

/**
 * Starts {@link SERVER_COMMAND} with its own BORGQL_DATA_DIR and
 * BORG_BASE_DIR, PORT=0, and resolves once it printed its listening line.
 * A child process, not an in-process server: an in-process server would
 * share the benchmark client's event loop and each would slow the other.
 * `BENCH_SERVER_NODE_ARGS` (space-separated) adds node flags for profiling;
 * `BENCH_SERVER_NODE` and `BENCH_SERVER_ROOT` pick the node and the tree
 * ({@link serverNode}, {@link serverRoot}).
 */
export async function startServerProcess(options: ServerOptions): Promise<ServerProcess> {
  const dataDir = path.join(options.dir, 'data');
  const borgBase = path.join(options.dir, 'borg-base');
  mkdirSync(borgBase, { recursive: true });
  // A known admin token (README "Authentication and roles"): otherwise the server generates one and prints it once.
  const token = `bench-${randomBytes(16).toString('hex')}`;
  const extraNodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const node = serverNode();
  const env = definedOnly({ ...serverEnv(dataDir, { port: 0, token, borgBaseDir: borgBase }), ...options.env });
  const child = spawn(node, [...extraNodeArgs, ...(options.nodeArgs ?? []), ...SERVER_ARGS], {
    cwd: serverRoot(options.rootDir),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackServer(child, { group: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  let listening = false;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('server did not print its listening line in time')), options.startTimeoutMs ?? 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n--- server output ---\n${output}`));
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        listening = true;
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      if (!listening) fail(new Error(`server exited early (code ${code}, signal ${signal})`));
    });
  });
  // Keep draining the pipes: a full pipe would block the server's writes.
  child.stdout.removeAllListeners('data').resume();
  child.stderr.removeAllListeners('data').on('data', (chunk: Buffer) => process.stderr.write(`[server] ${chunk.toString()}`));
  let stopping = false;
  // A server dying mid-benchmark otherwise shows up only as "fetch failed" in the client.
  child.once('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`[server] pid ${child.pid} exited unexpectedly (code ${code}, signal ${signal})\n`);
  });
  return {
    pid: child.pid as number,
    url,
    graphqlUrl: `${url}/graphql`,
    wsUrl: `${url.replace(/^http/, 'ws')}/graphql`,
    token,
    dataDir,
    cpuMs: () => processCpuMs(child.pid as number),
    childCpuMs: () => childrenCpuMs(child.pid as number),
    env,
    nodeVersion: serverNodeVersion(),
    memory: () => processMemory(child.pid as number),
    async stop(timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
