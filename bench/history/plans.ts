/**
 * The SQL Prisma generates for the queries that touch the job history, with
 * SQLite's EXPLAIN QUERY PLAN and the statement's own run time on the
 * generated database: which ones use an index and which scan a million rows.
 */
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../../src/generated/prisma/client.js';
import { jobListWhere, type JobListFilter } from '../../src/jobs/history.js';
import { JobStatus, JobTrigger } from '../../src/domain/job-status.js';
import { databaseCounts } from '../../src/jobs/job-counts.js';

/** One statement, its plan, and how long SQLite alone takes to run it. */
export interface Plan {
  label: string;
  sql: string;
  plan: string[];
  /** median of a few runs, ms */
  ms: number;
}

/**
 * Prisma calls as the server makes them: the job list's own where clause
 * (jobListWhere) and the start-up count behind /metrics (databaseCounts); the others
 * repeat a query of recovery.ts, scheduler.ts and repositories.ts.
 */
function calls(prisma: PrismaClient, paths: { busy: string; rare: string }): [string, () => Promise<unknown>][] {
  const list = (filter: JobListFilter) => () => prisma.backupJob.findMany({ where: jobListWhere(filter), orderBy: { id: 'desc' }, take: 50 });
  return [
    ['jobs(limit: 50)', list({})],
    ['jobs(status: [FAILED])', list({ status: [JobStatus.FAILED] })],
    ['jobs(status: [FAILED, CANCELLED])', list({ status: [JobStatus.FAILED, JobStatus.CANCELLED] })],
    ['jobs(scheduledOnly: true)', list({ scheduledOnly: true })],
    ['jobs(repository: busiest)', list({ repository: paths.busy })],
    ['jobs(repository: rare)', list({ repository: paths.rare })],
    ['job(id)', () => prisma.backupJob.findUnique({ where: { id: 123_456 }, include: { repository: true } })],
    ['Repository.lastJob', () => prisma.backupJob.findFirst({ where: { repositoryId: 2 }, orderBy: { id: 'desc' } })],
    ['start-up job counts for /metrics', () => databaseCounts(prisma)],
    ['start-up recovery: RUNNING jobs', () => prisma.backupJob.findMany({ where: { status: JobStatus.RUNNING }, orderBy: { id: 'asc' } })],
    [
      'scheduler: pending scheduled job of a repository',
      () => prisma.backupJob.findFirst({ where: { repositoryId: 2, trigger: JobTrigger.SCHEDULE, status: JobStatus.PENDING }, select: { id: true } }),
    ],
    [
      'removeRepository: busy check',
      () => prisma.backupJob.findFirst({ where: { repositoryId: 2, status: { in: [JobStatus.PENDING, JobStatus.RUNNING] } }, select: { id: true } }),
    ],
  ];
}

/** Captures each call's SQL through Prisma's query log, then explains and times it in SQLite directly. */
export async function explainPlans(file: string, paths: { busy: string; rare: string }): Promise<Plan[]> {
  const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${file}` }), log: [{ emit: 'event', level: 'query' }] });
  const statements: { label: string; sql: string; params: unknown[] }[] = [];
  let label = '';
  prisma.$on('query', (event) => statements.push({ label, sql: event.query, params: JSON.parse(event.params) as unknown[] }));
  try {
    for (const [name, call] of calls(prisma, paths)) {
      label = name;
      await call();
    }
  } finally {
    await prisma.$disconnect();
  }
  // a call that runs one statement many times (per repository) is shown once, with the count
  const distinct = new Map<string, { label: string; sql: string; params: unknown[]; runs: number }>();
  for (const s of statements) {
    const key = `${s.label}\n${s.sql}`;
    const seen = distinct.get(key);
    if (seen) seen.runs++;
    else distinct.set(key, { ...s, runs: 1 });
  }
  const db = new Database(file, { readonly: true });
  try {
    return [...distinct.values()].map(({ label: name, sql, params, runs: times }) => {
      const values = params.map((p) => (typeof p === 'object' && p !== null && 'prisma__value' in p ? p.prisma__value : p));
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...values) as { detail: string }[]).map((row) => row.detail);
      const statement = db.prepare(sql);
      const runs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        statement.all(...values);
        runs.push(performance.now() - started);
      }
      runs.sort((a, b) => a - b);
      return { label: times > 1 ? `${name} (×${times})` : name, sql, plan, ms: runs[2] as number };
    });
  } finally {
    db.close();
  }
}
