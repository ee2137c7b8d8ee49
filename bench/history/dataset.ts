/**
 * A job history of a long-lived borgql: a million finished jobs over many
 * repositories, generated through borgql's own data layer (migrations, then
 * the Prisma client's createMany in batches) and cached as a SQLite file.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { createSqlitePrismaClient } from '../../src/db/client.js';
import { applyMigrations, resolveMigrationsDir } from '../../src/db/migrate.js';
import type { Prisma } from '../../src/generated/prisma/client.js';
import { JobStatus, JobTrigger } from '../../src/domain/job-status.js';
import { prng } from '../lib/random.js';
import { addLogs, type LogSpec } from './logs-dataset.js';

/** What to generate; the same spec (and migrations) always gives the same rows. */
export interface HistorySpec {
  seed: string;
  jobs: number;
  /** repositories with a share of the jobs each (Zipf-like); one more "rare" repository has only a few */
  repositories: number;
  /** jobs of the rare repository, all among the oldest: `jobs(repository: rare)` must not scan the history */
  rareJobs: number;
  /** rows per createMany call */
  batch: number;
  /** every repository gets the same share (each backs up hourly) instead of Zipf-like shares */
  uniform?: boolean;
  /** log lines per job (bench/history/logs-dataset.ts); none without */
  logs?: LogSpec;
}

/** The generated database. */
export interface HistoryDatabase {
  file: string;
  spec: HistorySpec;
  /** seconds the generation took (from the manifest when cached) */
  generationSeconds: number;
  /** per status, per trigger */
  counts: Record<string, number>;
  /** paths of a busy, a small and the rare repository */
  paths: { busy: string; small: string; rare: string };
}

/** Terminal statuses in the proportions a healthy installation shows. */
const STATUS_MIX: [JobStatus, number][] = [
  [JobStatus.COMPLETED, 0.88],
  [JobStatus.COMPLETED_WITH_WARNINGS, 0.06],
  [JobStatus.FAILED, 0.04],
  [JobStatus.CANCELLED, 0.02],
];
const FAILURES = [
  'LockTimeout: Failed to create/acquire the lock /srv/backups/lock.exclusive (timeout).',
  'PassphraseWrong: passphrase supplied in BORG_PASSPHRASE, by BORG_PASSCOMMAND or via BORG_PASSPHRASE_FD is incorrect.',
  'interrupted by server restart',
  'Repository.DoesNotExist: Repository /mnt/usb/backup does not exist.',
];
/** Scheduled repositories back up hourly: the history spans jobs ÷ repositories hours (a million jobs over 20: years). */
const START = Date.UTC(2021, 0, 1);

function pick<T>(random: () => number, mix: [T, number][]): T {
  let r = random();
  for (const [value, share] of mix) if ((r -= share) < 0) return value;
  return mix[mix.length - 1]![0];
}

/** When job `id` was created: one job per repository per hour. */
export function createdAtOf(spec: HistorySpec, id: number): number {
  return START + (id * 3600_000) / spec.repositories;
}

function jobRow(
  spec: HistorySpec,
  id: number,
  repository: { id: number; path: string; scheduleId: number },
  random: () => number,
): Prisma.BackupJobCreateManyInput {
  const created = createdAtOf(spec, id);
  const status = pick(random, STATUS_MIX);
  const scheduled = random() < 0.85;
  const seconds = 20 + Math.floor(random() ** 3 * 3600);
  const original = Math.floor(1e9 + random() * 200e9);
  const done = status === JobStatus.COMPLETED || status === JobStatus.COMPLETED_WITH_WARNINGS;
  const started = new Date(created + 200);
  return {
    id,
    repositoryId: repository.id,
    repositoryPath: repository.path,
    status,
    trigger: scheduled ? JobTrigger.SCHEDULE : JobTrigger.MANUAL,
    scheduleId: scheduled ? repository.scheduleId : null,
    archiveName: `borgql-${id}-${started.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
    createdAt: new Date(created),
    startedAt: started,
    completedAt: new Date(created + 200 + seconds * 1000),
    percent: done ? 100 : Math.round(random() * 9990) / 100,
    originalSize: BigInt(done ? original : Math.floor(original * random())),
    compressedSize: BigInt(Math.floor(original * 0.7)),
    deduplicatedSize: BigInt(Math.floor(original * random() * 0.02)),
    filesProcessed: Math.floor(original / 400_000),
    speedMBps: 0,
    etaSeconds: done ? 0 : null,
    totalExpectedSize: BigInt(original),
    progressSampledAt: new Date(created + 200 + seconds * 1000 - 500),
    errorMessage: status === JobStatus.FAILED ? FAILURES[id % FAILURES.length]! : status === JobStatus.CANCELLED ? 'cancelled: server received SIGTERM' : null,
    exitCode: status === JobStatus.COMPLETED ? 0 : status === JobStatus.COMPLETED_WITH_WARNINGS ? 1 : 2,
    maintenanceStatus: done && repository.id % 2 === 0 ? 'maintenance_completed' : null,
  };
}

async function generate(spec: HistorySpec, file: string, log: (m: string) => void): Promise<Omit<HistoryDatabase, 'file' | 'spec' | 'generationSeconds'>> {
  applyMigrations(file, resolveMigrationsDir());
  const prisma = createSqlitePrismaClient(`file:${file}`);
  const random = prng(spec.seed);
  let result: Omit<HistoryDatabase, 'file' | 'spec' | 'generationSeconds'>;
  try {
    const repositories: { id: number; path: string; scheduleId: number; weight: number }[] = [];
    for (let i = 0; i <= spec.repositories; i++) {
      const rare = i === spec.repositories;
      const name = rare ? 'old-usb-disk' : `host-${String(i + 1).padStart(2, '0')}`;
      const repo = await prisma.repository.create({
        data: {
          name,
          path: `/srv/backups/${name}`,
          sourcePaths: JSON.stringify([`/srv/data/${name}`]),
          passphrase: 'generated',
          keepDaily: i % 2 === 0 ? 7 : null,
        },
      });
      const schedule = await prisma.schedule.create({
        data: { name: `nightly ${name}`, cron: `${i % 60} * * * *`, repositories: { create: { repositoryId: repo.id, position: 0 } } },
      });
      // Zipf-like shares: a few busy hosts, a long tail of quiet ones
      repositories.push({ id: repo.id, path: repo.path, scheduleId: schedule.id, weight: rare ? 0 : spec.uniform ? 1 : 1 / (i + 1) });
    }
    const total = repositories.reduce((sum, r) => sum + r.weight, 0);
    const mix: [(typeof repositories)[number], number][] = repositories.map((r) => [r, r.weight / total]);
    const rare = repositories.at(-1)!;
    const counts: Record<string, number> = {};
    const started = performance.now();
    for (let first = 1; first <= spec.jobs; first += spec.batch) {
      const rows: Prisma.BackupJobCreateManyInput[] = [];
      for (let id = first; id < first + spec.batch && id <= spec.jobs; id++) {
        // the rare repository's jobs are spread over the first 5 % of the history
        const repository = id % Math.floor((spec.jobs * 0.05) / spec.rareJobs) === 0 && id <= spec.jobs * 0.05 ? rare : pick(random, mix);
        const row = jobRow(spec, id, repository, random);
        counts[row.status!] = (counts[row.status!] ?? 0) + 1;
        counts[row.trigger!] = (counts[row.trigger!] ?? 0) + 1;
        rows.push(row);
      }
      await prisma.backupJob.createMany({ data: rows });
      if ((first - 1) % (spec.batch * 20) === 0) {
        const rate = (first - 1) / ((performance.now() - started) / 1000);
        log(`  ${(first - 1).toLocaleString('en')} jobs written (${Math.round(rate).toLocaleString('en')}/s)`);
      }
    }
    result = { counts, paths: { busy: repositories[0]!.path, small: repositories[spec.repositories - 1]!.path, rare: rare.path } };
  } finally {
    await prisma.$disconnect();
  }
  if (spec.logs) addLogs(file, spec.seed, spec.logs, log);
  return result;
}

/**
 * The history database for `spec` under `cacheDir/history/`, generated on
 * first use (a minute or two for a million jobs). The cache key includes the
 * migrations, so a new migration (an index) means a fresh database.
 * Callers copy the file before a server opens it.
 */
export async function ensureHistoryDatabase(cacheDir: string, spec: HistorySpec, log: (m: string) => void): Promise<HistoryDatabase> {
  const migrations = readdirSync(resolveMigrationsDir()).sort();
  const id = createHash('sha256').update(JSON.stringify({ spec, migrations })).digest('hex').slice(0, 12);
  const dir = path.join(cacheDir, 'history');
  const file = path.join(dir, `jobs-${id}.db`);
  const manifest = `${file}.json`;
  if (existsSync(manifest)) return { file, spec, ...(JSON.parse(readFileSync(manifest, 'utf8')) as object) } as HistoryDatabase;
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.partial`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
  log(`generating ${spec.jobs.toLocaleString('en')} jobs into ${file}…`);
  const started = performance.now();
  const result = await generate(spec, partial, log);
  // fold the WAL into the file so one file is the whole database
  const db = new Database(partial);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const generationSeconds = Math.round((performance.now() - started) / 100) / 10;
  log(`generated in ${generationSeconds} s`);
  renameSync(partial, file);
  writeFileSync(manifest, JSON.stringify({ generationSeconds, ...result }, null, 2));
  return { file, spec, generationSeconds, ...result };
}

/**
 * Copies the cached database to `copy` for a server (which migrates and
 * writes it; the cache stays pristine) with every schedule disabled: the
 * generated schedules fire every minute on repositories that do not exist,
 * and each firing would run a real borg (failing) beside the reads measured.
 * Returns how many schedules were disabled.
 */
export function copyForServer(file: string, copy: string): number {
  mkdirSync(path.dirname(copy), { recursive: true });
  copyFileSync(file, copy);
  const db = new Database(copy);
  try {
    return db.prepare('UPDATE "Schedule" SET "enabled" = false WHERE "enabled"').run().changes;
  } finally {
    db.close();
  }
}
