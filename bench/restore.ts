/**
 * Restore throughput through borgql against raw `borg extract`: one archive
 * of the overhead data set, extracted into a fresh folder each run, raw and
 * API in ABBA order (bench/lib/abba.ts).
 */
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Client } from 'graphql-ws';
import { extractArgs } from '../src/borg/command.js';
import { isTerminal } from '../src/domain/job-status.js';
import { borgOk } from './lib/borg.js';
import { addRepository, timedBackup } from './lib/borgql.js';
import { ensureDataset } from './lib/dataset.js';
import { connectWs, httpClient, subscribe, type GraphQLClient } from './lib/graphql.js';
import { runAbba, type Side } from './lib/abba.js';
import { childrenCpuMs, startServerProcess } from './lib/server.js';
import { rawEnvironment } from './overhead/sides.js';
import type { BenchContext, BenchReport, Benchmark } from './lib/types.js';
import { FULL, QUICK } from './overhead.js';
import { restoreReport, type RestorePair } from './restore/report.js';

const PASSPHRASE = 'bench passphrase';
const ENCRYPTION = 'repokey-blake2';
/** Measured pairs after the warm-up pair (see bench/overhead.ts for why ~10). */
const PAIRS = 8;

const START = `mutation Start($input: StartRestoreInput!) {
  startRestore(input: $input) { __typename ... on StartRestoreSuccess { job { id } } ... on Error { message } }
}`;
const UPDATES = `subscription Updates($id: ID!) {
  jobUpdates(id: $id) { status errorMessage ... on RestoreJob { progress { filesRestored bytesRestored } } }
}`;
const ARCHIVES = `query Archives($r: String!) { repositoryByReference(reference: $r) { archives { name } } }`;

type RestoreState = { status: string; errorMessage: string | null; progress: { filesRestored: number; bytesRestored: number } };

/** startRestore, then jobUpdates over graphql-ws until the terminal state; the clock spans both. */
async function timedRestore(http: GraphQLClient, ws: Client, input: Record<string, unknown>): Promise<{ ms: number; job: RestoreState; payloads: number }> {
  const started = performance.now();
  const { startRestore } = await http.request<{ startRestore: { __typename: string; message?: string; job?: { id: string } } }>(START, { input });
  if (!startRestore.job) throw new Error(`startRestore: ${startRestore.__typename}: ${startRestore.message}`);
  let final: RestoreState | null = null;
  let ms = 0;
  let payloads = 0;
  await subscribe<{ jobUpdates: RestoreState }>(ws, UPDATES, { id: startRestore.job.id }, ({ jobUpdates }) => {
    payloads++;
    if (!isTerminal(jobUpdates.status)) return;
    ms = performance.now() - started;
    final = jobUpdates;
    return true;
  });
  if (!final) throw new Error('the subscription ended before a terminal status');
  return { ms, job: final, payloads };
}

/** The same settling as the overhead benchmarks (bench/overhead.ts). */
const SETTLE_MS = 2000;

async function run(ctx: BenchContext): Promise<BenchReport> {
  const data = ensureDataset(ctx.cacheDir, ctx.quick ? QUICK : FULL, ctx.log);
  const wanted = ctx.quick ? 2 : PAIRS;
  const out = path.join(ctx.tmpDir, 'out');
  const repository = path.join(ctx.tmpDir, 'repo');
  const server = await startServerProcess({ rootDir: ctx.rootDir, dir: path.join(ctx.tmpDir, 'server') });
  // the raw side reads the same repository with the environment and BORG_BASE_DIR the server gives its borgs (bench/overhead/sides.ts)
  const rawEnv = rawEnvironment(server);
  const http = httpClient(server.graphqlUrl, server.token);
  const ws = await connectWs(server.wsUrl, server.token);
  try {
    await addRepository(http, {
      name: 'restore',
      path: repository,
      sourcePaths: [data.root],
      passphrase: PASSPHRASE,
      encryption: ENCRYPTION,
      initialize: true,
    });
    const backup = await timedBackup(http, ws, repository);
    if (backup.job.status !== 'COMPLETED') throw new Error(`backup ended ${backup.job.status}: ${backup.job.errorMessage}`);
    const { repositoryByReference } = await http.request<{ repositoryByReference: { archives: { name: string }[] } }>(ARCHIVES, { r: repository });
    const archiveName = repositoryByReference.archives[0]!.name;
    const folder = (side: string, pair: number) => path.join(out, `${side}-${pair}`);
    const raw: Side = {
      prepare: async (pair) => void mkdirSync(folder('raw', pair), { recursive: true }),
      async measure(pair) {
        const before = childrenCpuMs(process.pid);
        const run = await borgOk(extractArgs({ repoPath: repository, archiveName }), rawEnv, folder('raw', pair));
        const after = childrenCpuMs(process.pid);
        return { ms: run.ms, borgCpuMs: before === null || after === null ? null : after - before, serverCpuMs: null };
      },
      cleanup: async (pair) => rmSync(folder('raw', pair), { recursive: true, force: true }),
    };
    const api: Side = {
      prepare: async () => undefined,
      async measure(pair) {
        const run = await timedRestore(http, ws, { repository, archive: archiveName, destination: folder('api', pair) });
        if (run.job.status !== 'COMPLETED') throw new Error(`restore ended ${run.job.status}: ${run.job.errorMessage}`);
        if (run.job.progress.bytesRestored !== data.bytes) throw new Error(`restored ${run.job.progress.bytesRestored} bytes, expected ${data.bytes}`);
        return { ms: run.ms, borgCpuMs: null, serverCpuMs: null, payloads: run.payloads };
      },
      cleanup: async (pair) => rmSync(folder('api', pair), { recursive: true, force: true }),
    };
    const result = await runAbba({
      raw,
      api,
      pairs: wanted,
      quiet: () => ctx.quiet(),
      settleMs: ctx.quick ? 200 : SETTLE_MS,
      busyLimit: Math.min(0.9, 1.5 / os.cpus().length),
      maxDiscarded: 3 * wanted,
      log: ctx.log,
    });
    const pairs: RestorePair[] = result.pairs.map((p) => ({
      order: p.order,
      rawMs: p.raw.ms,
      apiMs: p.api.ms,
      payloads: p.api.payloads ?? 0,
      rawBusy: p.raw.busy,
      apiBusy: p.api.busy,
    }));
    return restoreReport({ data, encryption: ENCRYPTION, pairs, discarded: result.discarded.length });
  } finally {
    await ws.dispose();
    await server.stop();
  }
}

/** borgql vs raw `borg extract` wall time on the same archive (README "Restore"). */
export const restore: Benchmark = {
  name: 'restore',
  description:
    'Wall time of one whole-archive restore through the API (startRestore → jobUpdates COMPLETED over graphql-ws) against raw `borg extract` with the same flags, environment and borg base folder, same archive, fresh destination each run, ABBA order.',
  target: 'API ÷ raw: upper bound of the 95 % interval ≤ 1.05 (issue 14)',
  run,
};
