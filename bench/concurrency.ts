/**
 * Four backups at once: four raw borgs against four borgql jobs, in ABBA
 * order, with the progress latency the API's subscribers saw meanwhile and
 * the CPU each side spent per job.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiSide, rawSide } from './concurrency/sides.js';
import { concurrencyReport, LATENCY_TARGET_MS, RATIO_TARGET } from './concurrency/report.js';
import { runAbba } from './lib/abba.js';
import { ensureDataset, type DatasetSpec } from './lib/dataset.js';
import { connectWs, httpClient } from './lib/graphql.js';
import { startServerProcess } from './lib/server.js';
import type { BenchContext, BenchReport, Benchmark } from './lib/types.js';
import type { LiveEvent } from './lib/watch.js';

/** Backups at once: BORGQL_MAX_CONCURRENT_JOBS' default. */
const WIDTH = 4;
const PAIRS = 8;
const SETTLE_MS = 2000;

/** ~1,000 small files plus 2 × 96 MiB random, ≈ 270 MB: each of the four borgs gets several seconds of work. */
export const CONCURRENT: DatasetSpec = {
  name: 'concurrency',
  seed: 'borgql-concurrency-v1',
  smallFiles: 1000,
  smallMinBytes: 1024,
  smallMaxBytes: 128 * 1024,
  largeFiles: 2,
  largeBytes: 96 * 2 ** 20,
};
const QUICK: DatasetSpec = { ...CONCURRENT, name: 'concurrency-quick', smallFiles: 100, largeFiles: 1, largeBytes: 8 * 2 ** 20 };

async function run(ctx: BenchContext): Promise<BenchReport> {
  const data = ensureDataset(ctx.cacheDir, ctx.quick ? QUICK : CONCURRENT, ctx.log);
  const repos = path.join(ctx.tmpDir, 'repos');
  mkdirSync(repos, { recursive: true });
  const server = await startServerProcess({ rootDir: ctx.rootDir, dir: path.join(ctx.tmpDir, 'server'), env: { BORGQL_MAX_CONCURRENT_JOBS: String(WIDTH) } });
  const http = httpClient(server.graphqlUrl, server.token);
  const ws = await connectWs(server.wsUrl, server.token);
  const setup = { data, repos, rootDir: ctx.rootDir, server, http, ws, width: WIDTH };
  const events = new Map<number, LiveEvent[]>();
  const settleMs = ctx.quick ? 200 : SETTLE_MS;
  try {
    const result = await runAbba({
      raw: rawSide(setup),
      api: apiSide(setup, events),
      pairs: ctx.quick ? 2 : PAIRS,
      quiet: () => ctx.quiet(),
      settleMs,
      maxDiscarded: 2 * PAIRS,
      log: ctx.log,
    });
    const kept = result.pairs.flatMap((p) => events.get(p.index) ?? []);
    return concurrencyReport({ data, width: WIDTH, result, events: kept, settleMs, serverNode: server.nodeVersion, cores: os.cpus().length });
  } finally {
    await ws.dispose();
    await server.stop();
  }
}

/** Four backups at once through the API against four raw borgs at once. */
export const concurrency: Benchmark = {
  name: 'concurrency',
  description: `${WIDTH} backups at once through the API (one server, ${WIDTH} jobs, a graphql-ws subscriber each) against ${WIDTH} raw \`borg create\` at once, same data and flags, fresh repositories, ABBA order; progress latency and CPU per job measured in the same runs.`,
  target: `API ÷ raw (time until all ${WIDTH} finished): upper 95 % bound ≤ ${RATIO_TARGET}; progress latency p99 ≤ ${LATENCY_TARGET_MS} ms during it`,
  run,
};
