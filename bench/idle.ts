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
import { requireMemory, SERVER_ARGS, SERVER_COMMAND, serverEnv, trackServer } from './lib/server.js';
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

async function start(ctx: BenchContext, starter: (typeof STARTERS)[number], dataDir: string, token: string): Promise<Started> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  // its own process group, so stopping it reaches node under npm and sh too
  const child = spawn(starter.command, starter.args, {
    cwd: ctx.rootDir,
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: serverEnv(dataDir, { port, token }),
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

/**
 * Samples the server's RSS once a second for `ms`. Right after activity the
 * heap still holds its garbage and a grown young generation; V8's memory
 * reducer shrinks it after some seconds of quiet. Both are reported: the
 * largest sample of the first third ("just after") and of the last third
 * ("settled", the idle figure the target is about).
 */
async function idleRss(pid: number, ms: number): Promise<{ justAfter: number; settled: number }> {
  const samples: number[] = [];
  for (let waited = 0; waited < ms; waited += 1000) {
    await sleep(1000);
    samples.push(requireMemory(pid).rssBytes);
  }
  const third = Math.max(1, Math.floor(samples.length / 3));
  return { justAfter: Math.max(...samples.slice(0, third)), settled: Math.max(...samples.slice(-third)) };
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

async function memoryPhases(ctx: BenchContext, dataDir: string, token: string): Promise<{ phases: MemoryPhase[]; peakRss: number }> {
  const server = await start(ctx, STARTERS[1], dataDir, token);
  const pid = server.child.pid as number;
  const idle = ctx.quick ? 3000 : IDLE_MS;
  const phase = async (label: string, informational = false): Promise<MemoryPhase> => ({ label, ...(await idleRss(pid, idle)), informational });
  try {
    const phases = [await phase('after start')];
    await firstRequests(server.url, token);
    phases.push(await phase('after a first GraphQL query, REST list, /metrics scrape and OpenAPI document'));
    const page = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    await page.arrayBuffer();
    phases.push(await phase('after opening GraphiQL once', true));
    return { phases, peakRss: requireMemory(pid).peakRssBytes };
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
  await ctx.quiet();
  const { phases, peakRss } = await memoryPhases(ctx, dataDir, token);
  return idleReport({ firstStartMs: first.ms, starts, memory: phases, peakRss, idleMs: ctx.quick ? 3000 : IDLE_MS });
}

/** Idle memory and start-up time (issue 6). */
export const idle: Benchmark = {
  name: 'idle',
  description:
    'Resident memory (RSS) of an idle server, and the time from `npm start` (and from its node command line without npm) to the first 200 from `/healthz`, on an existing small database.',
  target: 'idle RSS ≤ 150 MB; `npm start` → /healthz ≤ 2 s',
  run,
};
