/**
 * A realistic year with logs: 50 repositories backed up hourly, every job
 * with its filtered log lines and a few large ones. Reads (`jobs(limit: 50)`,
 * `job(id)`, `logs(offset)`) one at a time, the database size per job, a
 * cold start to /healthz, and what log expiry costs on it.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSqlitePrismaClient } from '../src/db/client.js';
import { openSqlite } from '../src/db/sqlite.js';
import { LogRetention } from '../src/logs/log-retention.js';
import { SqliteLogStorage } from '../src/logs/sqlite-log-storage.js';
import { JOB, JOBS, timeSequential } from './history.js';
import { copyForServer, createdAtOf, ensureHistoryDatabase, type HistorySpec } from './history/dataset.js';
import { historyLogsReport, type Expiry, type Sizes } from './history/logs-report.js';
import type { Measured } from './history/report.js';
import { httpClient } from './lib/graphql.js';
import { prng } from './lib/random.js';
import { measureStarts } from './lib/start-up.js';
import type { BenchContext, BenchReport, Benchmark } from './lib/types.js';

/** A year: 50 × 8,760 hourly jobs; one in 5,000 a first backup listing 100,000 files. */
export const YEAR: HistorySpec = {
  seed: 'borgql-history-year-v1',
  jobs: 50 * 8760,
  repositories: 50,
  rareJobs: 50,
  batch: 1000,
  uniform: true,
  logs: { maxFileLines: 200, largeEvery: 5000, largeLines: 100_000 },
};
const QUICK: HistorySpec = { ...YEAR, jobs: 50 * 48, rareJobs: 5, logs: { maxFileLines: 200, largeEvery: 500, largeLines: 20_000 } };
const SAMPLES = 300;
const PAGE = 100;
const DAY_MS = 86_400_000;
const RETENTION_DAYS = 90;

const LOGS = `query Logs($id: ID!, $offset: Int, $limit: Int) { job(id: $id) { logs(offset: $offset, limit: $limit) { totalLines lines { lineNumber content level time } } } }`;

function sizes(file: string, jobs: number): Sizes {
  const db = openSqlite(file);
  try {
    const blocks = db.prepare<[], { n: number; bytes: number }>('SELECT count(*) AS n, coalesce(sum(length(data)), 0) AS bytes FROM JobLogBlock').get()!;
    const lines = db.prepare<[], { lines: number }>('SELECT coalesce(sum(logLineCount), 0) AS lines FROM BackupJob').get()!.lines;
    return { fileBytes: statSync(file).size, jobs, blocks: blocks.n, blockBytes: blocks.bytes, lines };
  } finally {
    db.close();
  }
}

/** Jobs with their line counts, for offsets inside each log. */
function logCounts(file: string): { id: number; lines: number }[] {
  const db = openSqlite(file);
  try {
    return db.prepare<[], { id: number; lines: number }>('SELECT id, logLineCount AS lines FROM BackupJob WHERE logLineCount > 0 ORDER BY id').all();
  } finally {
    db.close();
  }
}

/** One retention sweep, as the server runs it, with `now` set so that the first half of the year is older than the retention. */
async function expiry(file: string, spec: HistorySpec): Promise<Expiry> {
  const sqlite = openSqlite(file);
  const prisma = createSqlitePrismaClient(`file:${file}`);
  try {
    const retention = new LogRetention(new SqliteLogStorage(sqlite), prisma, { hasWriter: () => false }, { days: RETENTION_DAYS });
    const now = new Date(createdAtOf(spec, Math.floor(spec.jobs / 2)) + RETENTION_DAYS * DAY_MS);
    const started = performance.now();
    const report = await retention.sweep(now);
    return { ms: performance.now() - started, jobs: report.expiredJobs.length, blocks: report.deletedBlocks, fileBytesAfter: statSync(file).size };
  } finally {
    await prisma.$disconnect();
    sqlite.close();
  }
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  const spec = ctx.quick ? QUICK : YEAR;
  const db = await ensureHistoryDatabase(ctx.cacheDir, spec, ctx.log);
  const serverDir = path.join(ctx.tmpDir, 'server');
  const copy = path.join(serverDir, 'data', 'borgql.db');
  const schedulesDisabled = copyForServer(db.file, copy);
  const before = sizes(copy, spec.jobs);
  const counts = logCounts(copy);
  const large = counts.filter((c) => c.lines > (spec.logs?.maxFileLines ?? 0) + 10);
  await ctx.quiet();
  const { times: starts, server } = await measureStarts(copy, { rootDir: ctx.rootDir, dir: serverDir, env: { BORGQL_LOG_RETENTION_DAYS: '0' } });
  const samples = ctx.quick ? 20 : SAMPLES;
  const random = prng(0x51ed270b);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)] as T;
  const measured: Measured[] = [];
  try {
    const http = httpClient(server.graphqlUrl, server.token);
    const logsOf = async (job: { id: number; lines: number }) => {
      const offset = Math.floor(random() * Math.max(1, job.lines - PAGE));
      const { job: row } = await http.request<{ job: { logs: { lines: unknown[] } } | null }>(LOGS, { id: String(job.id), offset, limit: PAGE });
      if (!row || row.logs.lines.length === 0) throw new Error(`job ${job.id}: no log lines at offset ${offset}`);
    };
    const variants = [
      { label: '`jobs(limit: 50)`', request: () => http.request(JOBS, { limit: 50 }) },
      { label: '`job(id)` (random ids)', request: () => http.request(JOB, { id: String(1 + Math.floor(random() * spec.jobs)) }) },
      { label: `\`logs(offset, limit: ${PAGE})\` (random job, random offset)`, request: () => logsOf(pick(counts)) },
      { label: `\`logs(offset, limit: ${PAGE})\` (large jobs, random offset)`, request: () => logsOf(pick(large)) },
    ];
    for (const variant of variants) {
      await ctx.quiet();
      ctx.log(`measuring ${variant.label}…`);
      measured.push({ label: variant.label, ms: await timeSequential(variant.request, samples) });
    }
  } finally {
    await server.stop();
  }
  await ctx.quiet();
  ctx.log('measuring a log expiry sweep…');
  const expired = await expiry(copy, spec);
  return historyLogsReport({
    db,
    schedulesDisabled,
    sizes: before,
    largeJobs: large.length,
    measured,
    starts,
    expiry: expired,
    retentionDays: RETENTION_DAYS,
    samples,
    page: PAGE,
  });
}

/** History reads, size and log expiry on a year of hourly backups with logs. */
export const historyLogs: Benchmark = {
  name: 'history-logs',
  description:
    'A realistic year: 50 repositories backed up hourly (438,000 jobs), each job with its filtered log lines and one in 5,000 with 100,000: `jobs(limit: 50)`, `job(id)` and `logs(offset)` one request at a time, the database size per job, a cold start to /healthz, and one log expiry sweep.',
  target: '`jobs(limit: 50)`, `job(id)`, `logs(offset)` p50 ≤ 10 ms; size per job and expiry cost recorded',
  run,
};
