// The job domain wired as the server wires it (a migrated SQLite file in a
// temp folder, the Prisma client, the log store, the job events, RepositoryBorg,
// the JobManager), with bench/borg-standin.mjs as BORG_BIN: a stand-in borg
// whose pace and signal handling a test sets, so job tests need no real
// backup. What it prints has the shape of borg's lines (docs/borg.md).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSqlitePrismaClient, type PrismaClient, type Repository } from '../../src/db/client.js';
import { applyMigrations, resolveMigrationsDir } from '../../src/db/migrate.js';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite.js';
import { createJobEvents, type JobEvents } from '../../src/jobs/job-events.js';
import type { JobWithRepository } from '../../src/jobs/live-job.js';
import { JobManager } from '../../src/jobs/manager.js';
import { isTerminal } from '../../src/domain/job-status.js';
import type { StopStep } from '../../src/jobs/stop-borg.js';
import { LogStore, MAX_LOG_PAGE, type LogLine } from '../../src/logs/log-store.js';
import { RepositoryBorg } from '../../src/repositories/repository-borg.js';
import { SecretBox } from '../../src/secrets/secret-box.js';
import { SqliteLogStorage } from '../../src/logs/sqlite-log-storage.js';
import { STANDIN_BIN, type StandinSettings } from '../../bench/lib/standin.js';

export { STANDIN_BIN, type StandinSettings };

/** A short backup that ends by itself. */
export const QUICK_BACKUP: StandinSettings = { intervalMs: [5, 10], durationMs: 150, fileStatusPerTick: [2, 2], bytesPerTick: 100_000, goFile: null };

/** Options of one wired job domain. */
export interface StandinJobsOptions {
  stopSteps?: readonly StopStep[];
  maxConcurrentJobs?: number;
}

/** One job domain over its own database; `close()` it after the test. */
export interface StandinJobs {
  dir: string;
  db: SqliteDatabase;
  prisma: PrismaClient;
  logs: LogStore;
  events: JobEvents;
  borg: RepositoryBorg;
  manager: JobManager;
  /** every state the job events announced, in order, all jobs together */
  changes: JobWithRepository[];
  /** what the manager reported as its own problems */
  warnings: string[];
  /** A registered repository the stand-in can back up, its sources set up with `settings`. */
  repository(name: string, settings: StandinSettings, columns?: Partial<Repository>): Promise<Repository>;
  /** Resolves once a line with exactly this content was appended to the job's log. */
  line(jobId: number, content: string): Promise<LogLine>;
  /** Resolves with the job's row as the database holds it once it ended. */
  ended(jobId: number): Promise<JobWithRepository>;
  /** The contents of the job's log lines. */
  log(jobId: number): string[];
  close(): Promise<void>;
}

/** Job domains for one test file; `remove()` after all. */
export function standinJobs(prefix: string) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `borgql-${prefix}-`));
  let counter = 0;

  function create(options: StandinJobsOptions = {}): StandinJobs {
    const dir = path.join(tmp, `case${++counter}`);
    const file = path.join(dir, 'data', 'borgql.db');
    mkdirSync(path.dirname(file), { recursive: true });
    applyMigrations(file, resolveMigrationsDir());
    const db = openSqlite(file);
    const prisma = createSqlitePrismaClient(`file:${file}`);
    const lineWaiters = new Set<(jobId: number, line: LogLine) => void>();
    const logs = new LogStore(new SqliteLogStorage(db), { onLine: (jobId, line) => lineWaiters.forEach((waiter) => waiter(jobId, line)) });
    const events = createJobEvents();
    const changes: JobWithRepository[] = [];
    const endWaiters = new Set<(job: JobWithRepository) => void>();
    events.on('changed', (job) => {
      changes.push(job);
      endWaiters.forEach((waiter) => waiter(job));
    });
    const borg = new RepositoryBorg({ borgBin: STANDIN_BIN, borgEnv: process.env, secrets: new SecretBox(randomBytes(32)), passcommandPrefixes: [] });
    const warnings: string[] = [];
    const manager = new JobManager({
      prisma,
      logs,
      events,
      borg,
      config: { maxConcurrentJobs: options.maxConcurrentJobs ?? 2 },
      warn: (message, error) => warnings.push(error === undefined ? message : `${message}: ${error instanceof Error ? error.message : JSON.stringify(error)}`),
      persistIntervalMs: 50,
      stopSteps: options.stopSteps,
    });

    return {
      dir,
      db,
      prisma,
      logs,
      events,
      borg,
      manager,
      changes,
      warnings,
      async repository(name, settings, columns = {}) {
        const sources = path.join(dir, `${name}-sources`);
        const location = path.join(dir, `${name}-repository`);
        mkdirSync(sources, { recursive: true });
        writeFileSync(path.join(sources, 'borg-standin.json'), JSON.stringify(settings));
        mkdirSync(location, { recursive: true });
        writeFileSync(path.join(location, 'borg-standin-repository.json'), JSON.stringify({ id: randomBytes(32).toString('hex'), encryption: 'none' }));
        return prisma.repository.create({ data: { name, path: location, sourcePaths: JSON.stringify([sources]), encryption: 'none', ...columns } });
      },
      line(jobId, content) {
        const seen = logs.read(jobId, 0, MAX_LOG_PAGE).lines.find((line) => line.content === content);
        if (seen) return Promise.resolve(seen);
        return new Promise((resolve) => {
          const waiter = (id: number, line: LogLine) => {
            if (id !== jobId || line.content !== content) return;
            lineWaiters.delete(waiter);
            resolve(line);
          };
          lineWaiters.add(waiter);
        });
      },
      async ended(jobId) {
        const current = await manager.get(jobId);
        if (!current || !isTerminal(current.status)) {
          await new Promise<void>((resolve) => {
            const waiter = (job: JobWithRepository) => {
              if (job.id !== jobId || !isTerminal(job.status)) return;
              endWaiters.delete(waiter);
              resolve();
            };
            endWaiters.add(waiter);
          });
        }
        // the terminal state is announced before it is written: wait for the write
        while (manager.current(jobId)) await new Promise((resolve) => setTimeout(resolve, 10));
        return prisma.backupJob.findUniqueOrThrow({ where: { id: jobId }, include: { repository: true } });
      },
      log(jobId) {
        return logs.read(jobId, 0, MAX_LOG_PAGE).lines.map((line) => line.content);
      },
      async close() {
        await manager.shutdown('the test ended');
        logs.stop();
        await prisma.$disconnect();
        db.close();
      },
    };
  }

  return { create, remove: () => rmSync(tmp, { recursive: true, force: true }) };
}
