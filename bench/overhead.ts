/**
 * Overhead of running a backup through borgql instead of calling borg, for
 * each workload of bench/overhead/workloads.ts: the same data, the same
 * flags, environment and borg base folder, raw and API in ABBA order.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { runAbba } from './lib/abba.js';
import { changeFiles, workingCopy } from './lib/changes.js';
import { ensureDataset } from './lib/dataset.js';
import { connectWs, httpClient } from './lib/graphql.js';
import { startServerProcess } from './lib/server.js';
import type { BenchContext, BenchReport, Benchmark } from './lib/types.js';
import { overheadReport } from './overhead/report.js';
import { apiSide, ENCRYPTION, rawSide, type RawStats } from './overhead/sides.js';
import { measureWakeUp } from './overhead/wake-up.js';
import { WORKLOADS, type Workload } from './overhead/workloads.js';

export { FULL, QUICK } from './overhead/workloads.js';

/** The same pause before every timed run, after sync and the quiet wait: writeback and the disk settle equally for both sides. */
const SETTLE_MS = 2000;
/** Requests timed after the pause and back-to-back (bench/overhead/wake-up.ts), per server. */
const WAKE_UP_ROUNDS = 8;

async function run(ctx: BenchContext, workload: Workload): Promise<BenchReport> {
  const cached = ensureDataset(ctx.cacheDir, ctx.quick ? workload.quick : workload.full, ctx.log);
  // the incremental workload changes files: it works on a hard-linked copy, never on the cache
  const data = workload.fresh ? cached : workingCopy(cached, path.join(ctx.tmpDir, 'tree'));
  const repos = path.join(ctx.tmpDir, 'repos');
  mkdirSync(repos, { recursive: true });
  const server = await startServerProcess({ rootDir: ctx.rootDir, dir: path.join(ctx.tmpDir, 'server') });
  const http = httpClient(server.graphqlUrl, server.token);
  const ws = await connectWs(server.wsUrl, server.token);
  const setup = { data, repos, rootDir: ctx.rootDir, server, http, ws, fresh: workload.fresh };
  const rawStats: RawStats = { last: {} };
  const changed: { files: number; bytes: number }[] = [];
  const wanted = ctx.quick ? 2 : workload.pairs;
  try {
    const result = await runAbba({
      raw: rawSide(setup, rawStats),
      api: apiSide(setup),
      pairs: wanted,
      beforePair: workload.fresh
        ? undefined
        : async (pair) => {
            // the warm-up pair follows each side's first archive (made in its prepare): nothing to change yet
            if (pair > 0) changed.push(changeFiles(data, pair));
          },
      quiet: () => ctx.quiet(),
      settleMs: ctx.quick ? 200 : SETTLE_MS,
      maxDiscarded: 3 * wanted,
      log: ctx.log,
    });
    const wakeUp = ctx.quick ? null : await measureWakeUp(http, SETTLE_MS, WAKE_UP_ROUNDS);
    return overheadReport({
      workload,
      data,
      encryption: ENCRYPTION,
      archiveStats: rawStats.last,
      changed: changed[0] ?? null,
      result,
      settleMs: ctx.quick ? 200 : SETTLE_MS,
      serverNode: server.nodeVersion,
      wakeUp,
    });
  } finally {
    await ws.dispose();
    await server.stop();
  }
}

/** One Benchmark per workload. */
function overheadBenchmark(workload: Workload): Benchmark {
  return {
    name: workload.name,
    description:
      `Wall time of one backup through the API (startBackup → jobProgress COMPLETED over graphql-ws) against raw \`borg create\` with the same flags, environment and borg base folder, on the same data: ${workload.summary}. ` +
      'Raw and API alternate in ABBA order.',
    target: 'API ÷ raw: upper bound of the 95 % interval ≤ 1.03',
    run: (ctx) => run(ctx, workload),
  };
}

/** borgql vs raw `borg create` wall time, one benchmark per workload (see README "How jobs run"). */
export const OVERHEADS: readonly Benchmark[] = WORKLOADS.map(overheadBenchmark);
