import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import { createPrismaClient, type PrismaClient } from './db/client.js';
import { restrictDatabaseFiles } from './db/database-files.js';
import { applyMigrations, resolveMigrationsDir } from './db/migrate.js';
import { openSecretsAtRest } from './db/secrets-at-rest.js';
import { openSqlite } from './db/sqlite.js';
import { ArchiveCatalog } from './jobs/archives.js';
import { LogRetention } from './jobs/log-retention.js';
import { LogStore } from './jobs/log-store.js';
import { JobManager } from './jobs/manager.js';
import { recoverJobs, type RecoveryReport } from './jobs/recovery.js';
import { RepositoryService } from './jobs/repositories.js';
import { Scheduler } from './jobs/scheduler.js';
import { ScheduleService } from './jobs/schedules.js';
import { isTerminal } from './jobs/status.js';
import { StorageHealth } from './jobs/storage-health.js';
import { ALL_JOBS, type JobTopics } from './jobs/topics.js';
import { PubSub } from './pubsub.js';

/** The domain services of one server, independent of HTTP and GraphQL. */
export interface Services {
  prisma: PrismaClient;
  pubsub: PubSub<JobTopics>;
  logs: LogStore;
  /** removes the log lines of old jobs (BORGQL_LOG_RETENTION_DAYS) */
  logRetention: LogRetention;
  /** whether the server's own writes succeed (/healthz) */
  health: StorageHealth;
  jobs: JobManager;
  repositories: RepositoryService;
  schedules: ScheduleService;
  archives: ArchiveCatalog;
  /** Ends jobs a dead server left, re-queues pending ones, arms the schedules. */
  start(): Promise<RecoveryReport>;
  /** Stops schedules and running jobs (graceful shutdown); resolves with the ids of the jobs stopped. */
  stop(reason: string): Promise<number[]>;
  /** Closes the databases (after stop and after the server stopped serving). */
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** minimum gap between two progress writes of a job (default 1000 ms) */
  persistIntervalMs?: number;
  /** where problems of background work are reported */
  warn: (message: string, error?: unknown) => void;
  /** where scheduler decisions are reported */
  info: (message: string) => void;
}

/**
 * Migrates the database (idempotent, a few ms), makes its files 0600,
 * opens the stored secrets with the data folder's key (encrypting clear
 * text an older version left; a SecretKeyError when the key does not fit)
 * and wires the services. Nothing runs until `start()`.
 */
export function createServices(config: Config, options: ServiceOptions): Services {
  // Created 0700; an existing folder keeps its mode (it may be shared): every file borgql keeps in it is 0600.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(path.dirname(config.databaseFile), { recursive: true, mode: 0o700 });
  restrictDatabaseFiles(config.databaseFile);
  applyMigrations(config.databaseFile, resolveMigrationsDir());

  const sqlite = openSqlite(config.databaseFile);
  let secrets;
  try {
    secrets = openSecretsAtRest(sqlite, config.dataDir, { discardUnreadable: config.discardUnreadableSecrets, warn: (message) => options.warn(message) });
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const prisma = createPrismaClient(config.databaseUrl);
  const pubsub = new PubSub<JobTopics>();
  const health = new StorageHealth();
  const logs = new LogStore(sqlite, {
    onLine: (jobId, line) => pubsub.publish('jobLog', jobId, line),
    onClose: (jobId) => pubsub.publish('jobLog', jobId, null),
    onError: (jobId, error) => {
      health.failed(`the log of job ${jobId}`, error);
      options.warn(`could not write the log of job ${jobId}; retrying`, error);
    },
    onRecovered: (jobId) => health.recovered(`the log of job ${jobId}`),
  });
  const logRetention = new LogRetention(sqlite, prisma, logs, {
    days: config.logRetentionDays,
    onError: (error) => {
      health.failed('the log retention', error);
      options.warn('could not remove expired job logs; retrying', error);
    },
    onSuccess: () => health.recovered('the log retention'),
  });
  const runnerConfig = {
    borgBin: config.borgBin,
    borgEnv: config.borgEnv,
    maxConcurrentJobs: config.maxConcurrentJobs,
    secrets,
    passcommandPrefixes: config.passcommandPrefixes,
  };
  const jobs = new JobManager({ prisma, logs, pubsub, config: runnerConfig, warn: options.warn, persistIntervalMs: options.persistIntervalMs, health });
  // a skipped or failed firing is a backup that did not happen: worth a warning
  const scheduler = new Scheduler(prisma, jobs, (message) => options.warn(message));
  const schedules = new ScheduleService(prisma, scheduler);
  const archives = new ArchiveCatalog(runnerConfig, (id) => jobs.queue.isRepositoryBusy(id));
  const stopInvalidating = pubsub.listen('jobs', ALL_JOBS, (job) => {
    if (isTerminal(job.status)) archives.invalidate(job.repositoryId);
  });

  return {
    prisma,
    pubsub,
    logs,
    logRetention,
    health,
    jobs,
    repositories: new RepositoryService(prisma, runnerConfig, schedules),
    schedules,
    archives,
    async start() {
      const report = await recoverJobs({ prisma, logs, jobs, config: runnerConfig });
      await scheduler.start();
      // in the background: the server answers meanwhile (old lines stay readable while converted)
      logRetention.start();
      void logs.convertLegacyLines().catch((error: unknown) => options.warn('could not convert the log lines of an older version; they stay readable', error));
      return report;
    },
    async stop(reason) {
      scheduler.stop();
      logRetention.stop();
      stopInvalidating();
      return jobs.shutdown(reason);
    },
    async close() {
      logs.stop();
      await prisma.$disconnect();
      sqlite.close();
    },
  };
}
