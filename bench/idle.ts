/**
 * What an idle borgql costs: resident memory once started (and after its
 * first requests), and how long `npm start` takes until /healthz answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal, type JobStatus } from '../src/domain/job-status.js';
import { addRepository, startBackup } from './lib/borgql.js';
import { httpClient } from './lib/graphql.js';
import { requireMemory, SERVER_ARGS, SERVER_COMMAND, serverEnv, trackServer } from './lib/server.js';
import { STANDIN_BIN, standinSource } from './lib/standin.js';
import { idleSamples, serverPidOf } from './idle/memory.js';
import type { BenchContext, BenchReport, Benchmark } from './lib/types.js';
import { idleReport, type MemoryPhase, type StartRun } from './idle/report.js';

/** The two ways to start the server: what users type, and the process it runs. */
const STARTERS = [
  { label: '`npm start`', command: 'npm', args: ['start'] },
  { label: `\`${SERVER_COMMAND}\``, command: process.execPath, args: SERVER_ARGS },
] as const;

/** Timed starts per starter (alternated), after one untimed start that creates the database. */
const STARTS = 10;
/** RSS is sampled once a second for this long in each idle phase (V8's memory reducer needs ~10 s of quiet). */
const IDLE_MS = 30_000;

/** A port nobody listens on now (the server must be polled before it prints its URL). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A started server: its process group (npm runs node under a shell) and base URL. */
interface Started {
  child: ChildProcess;
  url: string;
  /** spawn → first 200 from /healthz */
  ms: number;
}

async function start(
  ctx: BenchContext,
  starter: (typeof STARTERS)[number],
  dataDir: string,
  token: string,
  env: Record<string, string> = {},
): Promise<Started> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  // its own process group, so stopping it reaches node under npm and sh too
  const child = spawn(starter.command, starter.args, {
    cwd: ctx.rootDir,
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...serverEnv(dataDir, { port, token }), ...env },
  });
  trackServer(child, { group: true });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${starter.label} exited with code ${child.exitCode} before /healthz answered`);
    if (performance.now() - started > 30_000) throw new Error(`${starter.label}: /healthz did not answer within 30 s`);
    const ok = await fetch(`${url}/healthz`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) return { child, url, ms: performance.now() - started };
    await sleep(5);
  }
}

async function stop(server: Started): Promise<void> {
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
  if (server.child.exitCode === null) process.kill(-(server.child.pid as number), 'SIGTERM');
  await exited;
}

/** What a first visitor does: a dashboard query, the REST list, a metrics scrape, the OpenAPI document. */
async function firstRequests(url: string, token: string): Promise<void> {
  const auth = { authorization: `Bearer ${token}` };
  const query = '{ jobs(limit: 20) { id status repository { name } } repositories { id name lastJob { id } } }';
  const requests = [
    fetch(`${url}/graphql`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ query }) }),
    fetch(`${url}/api/backup/jobs?limit=20`, { headers: auth }),
    fetch(`${url}/metrics`, { headers: auth }),
    fetch(`${url}/api/docs/json`),
  ];
  for (const request of requests) {
    const response = await request;
    if (response.status !== 200) throw new Error(`${response.url}: HTTP ${response.status}`);
    await response.arrayBuffer();
  }
}

/** Lines of the large job: a first backup of a big tree with every file listed. */
const LARGE_JOB_LINES = 200_000;
/** Large jobs in all, one after the other: the last phase follows the last of them. */
const LARGE_JOBS = 5;
const STATUS = `query Status($id: ID!) { job(id: $id) { status } }`;

/** Runs one job whose borg (the stand-in) prints `lines` file lines as fast as it can, and waits for its end. */
async function largeJob(ctx: BenchContext, url: string, token: string, lines: number, name: string): Promise<void> {
  const http = httpClient(`${url}/graphql`, token);
  const source = standinSource(path.join(ctx.tmpDir, `${name}-source`), {
    intervalMs: [0, 0],
    durationMs: 3_600_000,
    fileStatusPerTick: [1000, 1000],
    bytesPerTick: 4e6,
    goFile: null,
    maxFiles: lines,
    batchWrites: true,
  });
  const repo = await addRepository(http, { name, path: path.join(ctx.tmpDir, `${name}-repo`), sourcePaths: [source], initialize: true, encryption: 'none' });
  const id = await startBackup(http, repo.path);
  for (;;) {
    const { job } = await http.request<{ job: { status: JobStatus } }>(STATUS, { id });
    if (isTerminal(job.status)) {
      if (job.status !== 'COMPLETED') throw new Error(`large job ended ${job.status}`);
      return;
    }
    await sleep(200);
  }
}

/** The phases of one server's idle life, started by `starter` (RSS of the server process; of its whole group beside it). */
async function memoryPhases(
  ctx: BenchContext,
  starter: (typeof STARTERS)[number],
  dataDir: string,
  token: string,
): Promise<{ phases: MemoryPhase[]; peakRss: number }> {
  // the stand-in as borg: the large job is about what borgql keeps of it, not about borg
  const server = await start(ctx, starter, dataDir, token, { BORG_BIN: STANDIN_BIN });
  const pgid = server.child.pid as number;
  const idle = ctx.quick ? 3000 : IDLE_MS;
  const phase = async (label: string): Promise<MemoryPhase> => ({ label, starter: starter.label, ...(await idleSamples(pgid, idle)) });
  try {
    const phases = [await phase('after start')];
    await firstRequests(server.url, token);
    phases.push(await phase('after a first GraphQL query, REST list, /metrics scrape and OpenAPI document'));
    const page = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    await page.arrayBuffer();
    phases.push(await phase('after opening GraphiQL once'));
    const lines = ctx.quick ? 10_000 : LARGE_JOB_LINES;
    const name = starter.command === 'npm' ? 'large-npm' : 'large-node';
    await largeJob(ctx, server.url, token, lines, name);
    phases.push(await phase(`after a job of ${lines.toLocaleString('en')} log lines`));
    // what a server running for years shows: memory that stays flat from one large job to the next, or grows
    for (let n = 2; n <= LARGE_JOBS; n++) await largeJob(ctx, server.url, token, lines, `${name}-${n}`);
    phases.push(await phase(`after ${LARGE_JOBS} such jobs`));
    return { phases, peakRss: requireMemory(serverPidOf(pgid)).peakRssBytes };
  } finally {
    await stop(server);
  }
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  const dataDir = path.join(ctx.tmpDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const token = `bench-${randomBytes(16).toString('hex')}`;
  // the first start creates and migrates the database: timed apart, it is not the usual start
  const first = await start(ctx, STARTERS[1], dataDir, token);
  await stop(first);
  const starts: StartRun[] = [];
  for (let i = 0; i < (ctx.quick ? 1 : STARTS); i++) {
    for (const starter of STARTERS) {
      await ctx.quiet();
      const server = await start(ctx, starter, dataDir, token);
      await stop(server);
      starts.push({ starter: starter.label, ms: server.ms });
      ctx.log(`${starter.label}: /healthz after ${server.ms.toFixed(0)} ms`);
    }
  }
  const memory: MemoryPhase[] = [];
  const peaks: { starter: string; peakRss: number }[] = [];
  // as a service manager runs it (node directly), then as `npm start` does
  for (const starter of [STARTERS[1], STARTERS[0]]) {
    await ctx.quiet();
    const { phases, peakRss } = await memoryPhases(ctx, starter, dataDir, token);
    memory.push(...phases);
    peaks.push({ starter: starter.label, peakRss });
  }
  return idleReport({ firstStartMs: first.ms, starts, memory, peaks, idleMs: ctx.quick ? 3000 : IDLE_MS });
}

/** Idle memory and start-up time (issue 6). */
export const idle: Benchmark = {
  name: 'idle',
  description:
    'Resident memory (RSS) of an idle server started as a service manager runs it (node directly) and by `npm start`: fresh, after first requests, after GraphiQL was opened and after a large job; and the time from `npm start` (and from its node command line without npm) to the first 200 from `/healthz`, on an existing small database.',
  target: 'idle RSS ≤ 150 MB; `npm start` → /healthz ≤ 2 s',
  run,
};
