/**
 * Restore throughput through borgql against raw `borg extract`: one archive
 * of the overhead data set, extracted into a fresh folder each run, raw and
 * API alternated.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Client } from 'graphql-ws';
import { borgEnvironment, extractArgs } from '../src/borg/command.js';
import { isTerminal } from '../src/domain/job-status.js';
import { borgOk } from './lib/borg.js';
import { addRepository, timedBackup } from './lib/borgql.js';
import { ensureDataset } from './lib/dataset.js';
import { connectWs, httpClient, subscribe, type GraphQLClient } from './lib/graphql.js';
import { cpuMeter } from './lib/machine.js';
import { startServerProcess } from './lib/server.js';
import { seconds } from './lib/stats.js';
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

/** Flushes dirty pages so one run's writeback does not land on the next run's clock. */
const sync = () => execFileSync('sync');

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

async function run(ctx: BenchContext): Promise<BenchReport> {
  const data = ensureDataset(ctx.cacheDir, ctx.quick ? QUICK : FULL, ctx.log);
  const wanted = ctx.quick ? 1 : PAIRS;
  const out = path.join(ctx.tmpDir, 'out');
  const repository = path.join(ctx.tmpDir, 'repo');
  const server = await startServerProcess({ rootDir: ctx.rootDir, dir: path.join(ctx.tmpDir, 'server') });
  // the raw side reads the same repository with borgql's own environment builder and argv
  const rawEnv = borgEnvironment({ path: repository, passphrase: PASSPHRASE }, { ...process.env, BORG_BASE_DIR: path.join(ctx.tmpDir, 'raw-borg-base') });
  const http = httpClient(server.graphqlUrl, server.token);
  const ws = await connectWs(server.wsUrl, server.token);
  const pairs: RestorePair[] = [];
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
    for (let i = 0; pairs.length < wanted; i++) {
      await ctx.quiet();
      const rawDir = path.join(out, `raw-${i}`);
      mkdirSync(rawDir, { recursive: true });
      sync();
      const rawMeter = cpuMeter();
      const raw = await borgOk(extractArgs({ repoPath: repository, archiveName }), rawEnv, rawDir);
      const rawBusy = rawMeter.busy();
      rmSync(rawDir, { recursive: true, force: true });
      sync();
      const apiMeter = cpuMeter();
      const api = await timedRestore(http, ws, { repository, archive: archiveName, destination: path.join(out, `api-${i}`) });
      const apiBusy = apiMeter.busy();
      if (api.job.status !== 'COMPLETED') throw new Error(`restore ended ${api.job.status}: ${api.job.errorMessage}`);
      if (api.job.progress.bytesRestored !== data.bytes) throw new Error(`restored ${api.job.progress.bytesRestored} bytes, expected ${data.bytes}`);
      rmSync(path.join(out, `api-${i}`), { recursive: true, force: true });
      sync();
      const pair = { rawMs: raw.ms, apiMs: api.ms, payloads: api.payloads, rawBusy, apiBusy };
      ctx.log(
        `${i === 0 ? 'warm-up' : `pair ${pairs.length + 1}/${wanted}`}: raw ${seconds(raw.ms)}, api ${seconds(api.ms)}, ratio ${(api.ms / raw.ms).toFixed(3)}`,
      );
      if (i > 0 || ctx.quick) pairs.push(pair);
    }
  } finally {
    await ws.dispose();
    await server.stop();
  }
  return restoreReport({ data, encryption: ENCRYPTION, pairs });
}

/** borgql vs raw `borg extract` wall time on the same archive (README "Restore"). */
export const restore: Benchmark = {
  name: 'restore',
  description:
    'Wall time of one whole-archive restore through the API (startRestore → jobUpdates COMPLETED over graphql-ws) against raw `borg extract` with the same flags, same archive, fresh destination each run.',
  target: 'API ÷ raw (ratio of medians) ≤ 1.05 (issue 14)',
  run,
};
