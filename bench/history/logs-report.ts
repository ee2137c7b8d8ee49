/** Renders the history-logs benchmark's figures (bench/history-logs.ts measures). */
import { latencyHeader, latencyRow, megabytes, seconds, summarize } from '../lib/stats.js';
import type { BenchReport } from '../lib/types.js';
import type { HistoryDatabase } from './dataset.js';
import type { Measured } from './report.js';
import { startTimesText, type StartTimes } from '../lib/start-up.js';

/** The database's size, as generated. */
export interface Sizes {
  fileBytes: number;
  jobs: number;
  blocks: number;
  blockBytes: number;
  lines: number;
}

/** One retention sweep. */
export interface Expiry {
  ms: number;
  jobs: number;
  blocks: number;
  fileBytesAfter: number;
}

/** Everything the run measured. */
export interface HistoryLogsRun {
  db: HistoryDatabase;
  sizes: Sizes;
  largeJobs: number;
  measured: Measured[];
  starts: StartTimes;
  /** schedules of the copy disabled before the server started (copyForServer) */
  schedulesDisabled: number;
  expiry: Expiry;
  retentionDays: number;
  samples: number;
  page: number;
}

const TARGET_MS = 10;
const count = (n: number) => n.toLocaleString('en');

/** The section body. */
export function historyLogsReport(run: HistoryLogsRun): BenchReport {
  const { sizes: s, expiry: e, db } = run;
  const logs = db.spec.logs;
  const stats = run.measured.map((m) => ({ label: m.label, stats: summarize(m.ms) }));
  return {
    data: [
      `${count(db.spec.jobs)} finished jobs over ${db.spec.repositories} repositories (one job per repository per hour: ${(db.spec.jobs / db.spec.repositories / 24).toFixed(0)} days; plus ${db.spec.rareJobs} old jobs of a rarely used one),`,
      `generated through borgql's migrations and Prisma (seed \`${db.spec.seed}\`, ${db.generationSeconds} s, cached in \`.bench/history/\`).`,
      logs
        ? `Logs as borgql stores them (JobLogBlock rows of 1,000 lines): per job the borg command, the pre-scan line, 0–${logs.maxFileLines} changed-file lines (skewed to few) and borg's exit; every ${count(logs.largeEvery)}th job (${run.largeJobs} jobs) a first backup with ${count(logs.largeLines)} file lines.`
        : '',
    ]
      .filter(Boolean)
      .join('\n'),
    figures: [
      '| database | total | per job |',
      '| --- | --- | --- |',
      `| SQLite file | ${megabytes(s.fileBytes)} | ${(s.fileBytes / s.jobs / 1024).toFixed(2)} KiB |`,
      `| log blocks (${count(s.blocks)} rows, ${count(s.lines)} lines) | ${megabytes(s.blockBytes)} | ${(s.blockBytes / s.jobs / 1024).toFixed(2)} KiB (${(s.blockBytes / Math.max(1, s.lines)).toFixed(1)} bytes a line) |`,
      '',
      startTimesText(run.starts),
      '',
      `One request at a time over HTTP, ${run.samples} timed after a warm-up; \`logs\` pages of ${run.page} lines:`,
      '',
      latencyHeader('request'),
      ...stats.map(({ label, stats: st }) => latencyRow(st, label)),
      '',
      `Log expiry (one sweep of src/logs/log-retention.ts, ${run.retentionDays} days, its clock set so the first half of the year is due): ${count(e.jobs)} jobs expired,`,
      `${count(e.blocks)} blocks deleted in ${seconds(e.ms)} (${((e.ms / Math.max(1, e.jobs)) * 1000).toFixed(0)} µs a job); the file afterwards: ${megabytes(e.fileBytesAfter)} (SQLite reuses freed pages; it does not return them).`,
    ].join('\n'),
    targets: stats.map(({ label, stats: st }) => ({
      target: `${label} p50 ≤ ${TARGET_MS} ms`,
      measured: `${st.median.toFixed(1)} ms`,
      met: st.median <= TARGET_MS,
    })),
    notes: [
      'The server runs with BORGQL_LOG_RETENTION_DAYS=0 during the reads (the generated year lies in the past: the default 90 days would expire every log at start-up); the expiry sweep runs afterwards in this process on the same database copy, through the same LogRetention and SqliteLogStorage the server uses.',
      "Before (run of 2026-12-02): one start, reported as the cold start, took 13.2 s on this database. It was the first start on the copy: a CPU profile of it put 69 % of its samples in better-sqlite3's exec of the VACUUM that follows encrypting the generator's clear-text passphrases (src/db/secret-storage.ts, purgeOldCopies). A real server pays that once, at its first start after upgrading from a version that stored them in clear text; every later start is the cold or warm one above.",
      'Random job ids, jobs and offsets come from a fixed-seed PRNG: the same run reads the same pages.',
      `Each run copies the cached file to a fresh data dir with its ${run.schedulesDisabled} schedules disabled (they fire every minute on repositories that do not exist: each firing would run a real, failing borg beside the reads measured); the server applies any newer migration at start-up.`,
    ],
  };
}
