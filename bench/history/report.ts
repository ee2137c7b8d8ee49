/** Renders the history benchmark's figures (bench/history.ts measures). */
import { latencyHeader, latencyRow, summarize } from '../lib/stats.js';
import type { BenchReport, TargetResult } from '../lib/types.js';
import type { HistoryDatabase } from './dataset.js';
import type { Plan } from './plans.js';
import { startTimesText, type StartTimes } from '../lib/start-up.js';

/** One request variant and its latencies (ms). */
export interface Measured {
  label: string;
  ms: number[];
}

/** Everything the history run measured. */
export interface HistoryRun {
  db: HistoryDatabase;
  plans: Plan[];
  measured: Measured[];
  /** the server's starts on the million-job database */
  starts: StartTimes;
  /** schedules of the copy disabled before the server started (copyForServer) */
  schedulesDisabled: number;
  samples: number;
  warmup: number;
}

const TARGET_MS = 10;
/** The two reads the issue sets a target for; the filtered lists are reported against the same bar. */
const TARGETED = ['`jobs(limit: 50)`', '`job(id)` (random ids)'];

const count = (n: number) => n.toLocaleString('en');

/** What the first run (commit c2d4773, same data, server under tsx) showed, and what was changed. */
const NOTES = [
  'Before (commit c2d4773, same database): `jobs(limit: 50)` p50 6.3 ms, `job(id)` 1.8 ms, the filtered lists 3.6–4.9 ms — the targets held — but ' +
    '`jobs(repository: <rare>)` took **89 ms** (`SCAN BackupJob`: no index on `repositoryPath`, every job read until 50 matched), ' +
    "an uncached `/metrics` scrape **1,456 ms** (two GROUP BYs over every job: 944 ms and 534 ms in SQLite), the scheduler's " +
    '"pending scheduled job of this repository?" check **154 ms** per repository per firing (it walked the `trigger` index: every scheduled job) ' +
    "and `removeRepository`'s busy check **86 ms**. better-sqlite3 runs on the event loop, so each of these stalled every request, subscription and log write for that long.",
  'Changed: migration `job_history_indexes` adds `(repositoryPath, id)` and `(repositoryId, status, completedAt)`; `/metrics` counts jobs per ' +
    "repository and status through the covering index and finds each repository's last success with one index lookup per status " +
    "(`findFirst … orderBy completedAt desc`: Prisma's `aggregate` wraps MAX around a subquery that reads all of the repository's jobs). " +
    "The job list's filter is `jobListWhere` (src/jobs/history.ts); the plans above are of the SQL Prisma generates for it.",
  'Measured with commit 7d03567 (2026-11-26): upgrading an existing database builds the two indexes once, at the first start after the upgrade: ~1.4 s for a million jobs.',
  'The count per repository and status (commit 7d03567, 2026-11-26) still reads the whole covering index (~50 ms per million jobs, once per scrape at most every 5 s); ' +
    'keeping the counts in memory would end that, at the price of keeping them right across restarts and recovery.',
  "Generation speed (commit be6d50d, 2026-11-26): Prisma's `createMany` writes ~2,900 jobs/s here (347 s for the million on a quiet machine; the time under Data is that of " +
    'the cached file, made while other work shared the machine). Nothing in the server needs that path.',
  'Latency is end to end from a client in another process (GraphQL over HTTP, JSON both ways), so most of it is GraphQL and Prisma, ' +
    "not SQLite (the right-hand column); p95/p99 include the server's garbage collection pauses.",
];

function planTable(plans: Plan[]): string[] {
  const rows = plans.map((p) => `| ${p.label} | ${p.plan.map((step) => `\`${step}\``).join('<br>')} | ${p.ms.toFixed(2)} ms |`);
  return ['| query | SQLite plan | SQLite alone (median of 5) |', '| --- | --- | --- |', ...rows];
}

/** The section body: data, latencies per variant, plans, targets. */
export function historyReport(run: HistoryRun): BenchReport {
  const { db } = run;
  const c = db.counts;
  const data = [
    `${count(db.spec.jobs)} finished jobs over ${db.spec.repositories} repositories with Zipf-like shares (the busiest gets ~28 %, the quietest ~1.4 %),`,
    `plus one rare repository with ${db.spec.rareJobs} jobs, all in the oldest 5 % of the history. Statuses: ${count(c.COMPLETED ?? 0)} COMPLETED,`,
    `${count(c.COMPLETED_WITH_WARNINGS ?? 0)} COMPLETED_WITH_WARNINGS, ${count(c.FAILED ?? 0)} FAILED, ${count(c.CANCELLED ?? 0)} CANCELLED;`,
    `triggers: ${count(c.SCHEDULE ?? 0)} SCHEDULE (with their schedule), ${count(c.MANUAL ?? 0)} MANUAL. One job every 3 minutes from 2021 on, with sizes, times, archive names, error messages.`,
    `Generated deterministically (seed \`${db.spec.seed}\`) through borgql's own data layer — the server's migrations, then the Prisma client's`,
    `\`createMany\` in batches of ${count(db.spec.batch)} — in ${db.generationSeconds} s, cached in \`.bench/history/\` (keyed by the spec and the migrations).`,
    `Each run copies the cached file to a fresh data dir with its ${run.schedulesDisabled} schedules disabled (they fire every minute on repositories that do not exist: each firing would run a real, failing borg beside the reads measured); the server applies any newer migration at start-up.`,
  ].join('\n');
  const stats = run.measured.map((m) => ({ label: m.label, stats: summarize(m.ms) }));
  const figures = [
    `${count(run.samples)} requests per query after ${run.warmup} warm-up ones, one at a time (GraphQL over HTTP with keep-alive, from another process), ms:`,
    '',
    latencyHeader('query'),
    ...stats.map((s) => latencyRow(s.stats, s.label)),
    '',
    startTimesText(run.starts),
    '',
    'The statements behind them, as Prisma writes them, with their plans:',
    '',
    ...planTable(run.plans),
  ].join('\n');
  // the issue's two reads, and the filtered 50-job lists held to the same bar
  const targets: TargetResult[] = stats
    .filter((s) => TARGETED.includes(s.label) || s.label.startsWith('`jobs(limit: 50,'))
    .map((s) => ({
      target: `${s.label} p50 ≤ ${TARGET_MS} ms${TARGETED.includes(s.label) ? '' : ' (filtered list, same bar)'}`,
      measured: `${s.stats.median.toFixed(1)} ms`,
      met: s.stats.median <= TARGET_MS,
    }));
  return { data, figures, targets, notes: NOTES };
}
