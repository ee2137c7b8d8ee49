/**
 * The job history at scale: GraphQL reads of a million-job database, one
 * request at a time, plus what else touches every job (metrics, start-up).
 */

import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { httpClient } from './lib/graphql.js';
import { measureStarts } from './lib/start-up.js';
import type { BenchContext, BenchReport, Benchmark } from './lib/types.js';
import { copyForServer, ensureHistoryDatabase, type HistorySpec } from './history/dataset.js';
import { explainPlans } from './history/plans.js';
import { historyReport, type Measured } from './history/report.js';
import { prng } from './lib/random.js';

const FULL: HistorySpec = { seed: 'borgql-history-v1', jobs: 1_000_000, repositories: 20, rareJobs: 200, batch: 1000 };
const QUICK: HistorySpec = { ...FULL, jobs: 20_000, rareJobs: 20 };

/** Requests per variant after the warm-up; sequential, so each one is a clean latency. */
const SAMPLES = 300;
const WARMUP = 30;
/** /metrics counts jobs in memory and reads the repository names at most every 5 s: each timed scrape waits that out. */
const METRICS_SAMPLES = 5;
const METRICS_CACHE_MS = 5_000;

/** What a dashboard's job list selects (the REST shim selects about the same). */
export const JOB_FIELDS = `id status trigger scheduleId repositoryPath archiveName createdAt startedAt completedAt errorMessage exitCode maintenanceStatus
  repository { id name }
  progress { percent originalSize compressedSize deduplicatedSize filesProcessed speedMBps etaSeconds }`;
export const JOBS = `query Jobs($limit: Int, $status: [JobStatus!], $repository: String, $scheduledOnly: Boolean, $manualOnly: Boolean) {
  jobs(limit: $limit, status: $status, repository: $repository, scheduledOnly: $scheduledOnly, manualOnly: $manualOnly) { ${JOB_FIELDS} }
}`;
export const JOB = `query Job($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`;
const LAST_JOBS = `{ repositories { id name lastJob { id status completedAt } } }`;

/** Deterministic job ids spread over the whole history (cold and warm pages alike). */
function jobIds(count: number, jobs: number): number[] {
  const random = prng(0x2545f491);
  return Array.from({ length: count }, () => 1 + Math.floor(random() * jobs));
}

/** Runs `request` WARMUP times untimed, then `samples` times timed, one after the other. */
export async function timeSequential(request: (i: number) => Promise<unknown>, samples: number): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await request(i);
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    // past the warm-up's requests: a random job id is not one the warm-up just read
    await request(WARMUP + i);
    ms.push(performance.now() - started);
  }
  return ms;
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  const spec = ctx.quick ? QUICK : FULL;
  const db = await ensureHistoryDatabase(ctx.cacheDir, spec, ctx.log);
  const serverDir = path.join(ctx.tmpDir, 'server');
  const copy = path.join(serverDir, 'data', 'borgql.db');
  const schedulesDisabled = copyForServer(db.file, copy);
  const plans = await explainPlans(copy, db.paths);
  await ctx.quiet();
  const { times: starts, server } = await measureStarts(copy, { rootDir: ctx.rootDir, dir: serverDir });
  const samples = ctx.quick ? 20 : SAMPLES;
  const measured: Measured[] = [];
  try {
    const http = httpClient(server.graphqlUrl, server.token);
    const jobs = (label: string, variables: Record<string, unknown>) => ({
      label,
      request: async () => {
        const { jobs: rows } = await http.request<{ jobs: unknown[] }>(JOBS, { limit: 50, ...variables });
        if (rows.length === 0) throw new Error(`${label}: no jobs`);
      },
    });
    const ids = jobIds(samples + WARMUP, spec.jobs);
    const variants = [
      jobs('`jobs(limit: 50)`', {}),
      {
        label: '`job(id)` (random ids)',
        request: async (i: number) => {
          const { job } = await http.request<{ job: unknown }>(JOB, { id: String(ids[i]) });
          if (!job) throw new Error(`job ${ids[i]} not found`);
        },
      },
      jobs('`jobs(limit: 50, status: [FAILED])`', { status: ['FAILED'] }),
      jobs('`jobs(limit: 50, status: [FAILED, CANCELLED])`', { status: ['FAILED', 'CANCELLED'] }),
      jobs('`jobs(limit: 50, scheduledOnly: true)`', { scheduledOnly: true }),
      jobs('`jobs(limit: 50, manualOnly: true)`', { manualOnly: true }),
      jobs('`jobs(limit: 50, repository: <busiest>)`', { repository: db.paths.busy }),
      jobs('`jobs(limit: 50, repository: <quietest>)`', { repository: db.paths.small }),
      jobs(`\`jobs(limit: 50, repository: <rare: ${spec.rareJobs} old jobs>)\``, { repository: db.paths.rare }),
      {
        label: '`jobs` (default limit 200)',
        request: () => http.request(`{ jobs { ${JOB_FIELDS} } }`),
      },
      { label: `\`repositories { lastJob }\` (${spec.repositories + 1} repositories)`, request: () => http.request(LAST_JOBS) },
      {
        label: 'REST `GET /api/backup/jobs?limit=50`',
        request: async () => {
          const response = await fetch(`${server.url}/api/backup/jobs?limit=50`, { headers: { authorization: `Bearer ${server.token}` } });
          if (response.status !== 200) throw new Error(`REST jobs: HTTP ${response.status}`);
          await response.arrayBuffer();
        },
      },
    ];
    for (const variant of variants) {
      await ctx.quiet();
      ctx.log(`measuring ${variant.label}…`);
      measured.push({ label: variant.label, ms: await timeSequential(variant.request, samples) });
    }
    // each scrape after the names cache expired: the database work a Prometheus scrape really causes
    const metricsMs: number[] = [];
    for (let i = 0; i < (ctx.quick ? 2 : METRICS_SAMPLES); i++) {
      await new Promise((resolve) => setTimeout(resolve, METRICS_CACHE_MS + 100));
      const started = performance.now();
      const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } });
      if (response.status !== 200) throw new Error(`/metrics: HTTP ${response.status}`);
      await response.text();
      metricsMs.push(performance.now() - started);
    }
    measured.push({ label: '`GET /metrics` (repository names not cached)', ms: metricsMs });
  } finally {
    await server.stop();
  }
  return historyReport({ db, plans, measured, starts, schedulesDisabled, samples, warmup: WARMUP });
}

/** GraphQL history reads with a million jobs (issue 6). */
export const history: Benchmark = {
  name: 'history',
  description:
    'GraphQL reads of the job history with 1,000,000 jobs in the database (`jobs(limit: 50)`, `job(id)`, the filtered lists), one request at a time over HTTP, plus `/metrics` and server start-up on the same database.',
  target: '`jobs(limit: 50)` and `job(id)` p50 ≤ 10 ms',
  run,
};
