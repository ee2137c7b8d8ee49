/**
 * Stalled subscribers: 100 graphql-ws clients subscribe to `jobLogs` of a
 * job, then stop reading (their TCP sockets paused), while the job writes a
 * million log lines (the borg stand-in, bench/borg-standin.mjs, as fast as
 * it can). The server's RSS growth meanwhile, against the same job with no
 * subscriber; one client beside the stalled ones reads the whole log.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'graphql-ws';
import { addRepository, startBackup } from './lib/borgql.js';
import { connectWs, httpClient, type GraphQLClient } from './lib/graphql.js';
import { requireMemory, startServerProcess, type ServerProcess } from './lib/server.js';
import { STANDIN_BIN, standinSource } from './lib/standin.js';
import { stallableWs, type StallableSubscription } from './lib/stalled-ws.js';
import type { BenchContext, BenchReport, Benchmark } from './lib/types.js';
import { isTerminal } from '../src/domain/job-status.js';
import { stalledReport, TARGET_MB, type Run } from './stalled/report.js';

const STALLED = 100;
const LINES = 1_000_000;
const LOGS = `subscription Logs($id: ID!, $offset: Int) { jobLogs(id: $id, offset: $offset) { lineNumber content level time } }`;
const STATUS = `query Status($id: ID!) { job(id: $id) { status logs(limit: 0) { totalLines } } }`;
/** Idle time before the job, for V8's memory reducer to shrink the heap (it waits ~8 s without allocation). */
const SETTLE_MS = 20_000;

/** Samples the server's RSS every 100 ms until `stop()`; `peak()` is the highest value seen. */
function rssSampler(server: ServerProcess): { peak: () => number; stop: () => void } {
  let max = requireMemory(server.pid).rssBytes;
  // a server that is gone is reported by whatever waits for it, not by a throw in this timer
  const sample = () => (max = Math.max(max, server.memory()?.rssBytes ?? 0));
  const timer = setInterval(sample, 100);
  return { peak: () => (sample(), max), stop: () => clearInterval(timer) };
}

async function waitForEnd(http: GraphQLClient, jobId: string): Promise<{ status: string; totalLines: number }> {
  for (let failures = 0; ;) {
    try {
      const { job } = await http.request<{ job: { status: string; logs: { totalLines: number } } }>(STATUS, { id: jobId });
      if (isTerminal(job.status)) return { status: job.status, totalLines: job.logs.totalLines };
      failures = 0;
    } catch (error) {
      // a poll on a pooled connection can meet a reset while the server is busiest (seen once): ask again
      if (++failures >= 5) throw error;
    }
    await sleep(100);
  }
}

/**
 * Reads a whole log as a careful client does: on SLOW_CONSUMER it subscribes
 * again at `resumeOffset`. Counts lines out of order (gaps, duplicates).
 */
async function readWholeLog(client: Client, jobId: string): Promise<{ lines: number; outOfOrder: number; resumed: number }> {
  let last = 0;
  let outOfOrder = 0;
  let resumed = 0;
  for (;;) {
    const resumeOffset = await new Promise<number | null>((resolve, reject) => {
      client.subscribe<{ jobLogs: { lineNumber: number } }>(
        { query: LOGS, variables: { id: jobId, offset: last } },
        {
          next: ({ data }) => {
            if (data!.jobLogs.lineNumber !== last + 1) outOfOrder++;
            last = data!.jobLogs.lineNumber;
          },
          error: (errors) => {
            const extensions = (errors as { extensions?: { code?: string; resumeOffset?: number } }[])[0]?.extensions;
            if (extensions?.code === 'SLOW_CONSUMER') resolve(extensions.resumeOffset ?? null);
            else reject(new Error(JSON.stringify(errors)));
          },
          complete: () => resolve(null),
        },
      );
    });
    if (resumeOffset === null) return { lines: last, outOfOrder, resumed };
    if (resumeOffset !== last) outOfOrder++;
    resumed++;
  }
}

async function runOnce(ctx: BenchContext, label: string, stalledCount: number, withReader: boolean, lines: number): Promise<Run> {
  const dir = path.join(ctx.tmpDir, label.replace(/\W+/g, '-'));
  const goFile = path.join(dir, 'go');
  const source = standinSource(path.join(dir, 'source'), {
    intervalMs: [0, 0],
    durationMs: 3_600_000,
    fileStatusPerTick: [1000, 1000],
    bytesPerTick: 4e6,
    goFile,
    maxFiles: lines,
    batchWrites: true,
  });
  // the stalled clients must wait to be read again, not be closed as stalled: what they cost is measured
  const server = await startServerProcess({
    rootDir: ctx.rootDir,
    dir: path.join(dir, 'server'),
    env: { BORG_BIN: STANDIN_BIN, BORGQL_STALLED_CLIENT_TIMEOUT: '3600' },
  });
  const stalled: StallableSubscription[] = [];
  let reader: Client | null = null;
  let sampler: ReturnType<typeof rssSampler> | null = null;
  try {
    const http = httpClient(server.graphqlUrl, server.token);
    const repo = await addRepository(http, { name: 'chatty', path: path.join(dir, 'repo'), sourcePaths: [source], initialize: true, encryption: 'none' });
    const jobId = await startBackup(http, repo.path);
    const auth = { authorization: `Bearer ${server.token}` };
    for (let i = 0; i < stalledCount; i++) stalled.push(await stallableWs(server.wsUrl, auth, LOGS, { id: jobId }));
    // each got the job's first line: it waits for live lines, and stops reading now
    await Promise.all(stalled.map((s) => s.received(1)));
    for (const s of stalled) s.pause();
    if (withReader) reader = await connectWs(server.wsUrl, server.token);
    await ctx.quiet();
    const baseline = await sleep(ctx.quick ? 2000 : SETTLE_MS).then(() => requireMemory(server.pid).rssBytes);
    sampler = rssSampler(server);
    const started = performance.now();
    const reading = reader ? readWholeLog(reader, jobId) : null;
    writeFileSync(goFile, '');
    const { status, totalLines } = await waitForEnd(http, jobId);
    const jobMs = performance.now() - started;
    const readBeside = reading ? await reading : null;
    const peakRss = sampler.peak();
    sampler.stop();
    if (status !== 'COMPLETED') throw new Error(`job ${jobId} ended ${status}`);
    // read again, each stalled client gets what was on its way, then SLOW_CONSUMER at the line it got to
    let slowConsumers = 0;
    let exactOffsets = 0;
    const receivedLines: number[] = [];
    for (const s of stalled) {
      s.resume();
      const results = await s.ended;
      const error = results.at(-1)?.errors?.[0]?.extensions;
      const received = results.filter((r) => r.data).length;
      receivedLines.push(received);
      if (error?.code === 'SLOW_CONSUMER') slowConsumers++;
      if (error?.resumeOffset === received) exactOffsets++;
    }
    ctx.log(`${label}: ${totalLines} lines in ${(jobMs / 1000).toFixed(1)} s, RSS +${((peakRss - baseline) / 1e6).toFixed(1)} MB`);
    return { label, stalled: stalledCount, totalLines, jobMs, baselineRss: baseline, peakRss, slowConsumers, exactOffsets, receivedLines, reader: readBeside };
  } finally {
    sampler?.stop();
    for (const s of stalled) s.close();
    await reader?.dispose();
    await server.stop();
  }
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  const lines = ctx.quick ? 20_000 : LINES;
  const count = ctx.quick ? 10 : STALLED;
  const runs = [
    await runOnce(ctx, 'the job alone', 0, false, lines),
    await runOnce(ctx, `${count} stalled clients`, count, false, lines),
    await runOnce(ctx, `${count} stalled clients and a reader`, count, true, lines),
  ];
  return stalledReport({ runs, lines });
}

/** Clients that stop reading (issue 11). */
export const stalled: Benchmark = {
  name: 'stalled',
  description: `${STALLED} graphql-ws \`jobLogs\` subscribers whose TCP sockets stop reading, on a job whose borg (the stand-in) prints ${LINES.toLocaleString('en')} lines as fast as it can: the server's RSS growth meanwhile, against the same job alone; what the stalled clients get once they read again; a reader beside them.`,
  target: `${STALLED} stalled clients cost ≤ ${TARGET_MB} MB of RSS in all (issue 11)`,
  run,
};
