import type { Config } from './config.js';
import { createPrismaClient, type PrismaClient } from './db/client.js';
import { resolveMigrationsDir } from './db/migrate.js';
import { openServerDatabase } from './db/open.js';
import { ArchiveCatalog } from './jobs/archives.js';
import { JobCounts } from './jobs/job-counts.js';
import { LogStore } from './jobs/log-store.js';
import { JobManager } from './jobs/manager.js';
import { recoverJobs, type RecoveryReport } from './jobs/recovery.js';
import { RepositoryService } from './jobs/repositories.js';
import { Scheduler } from './jobs/scheduler.js';
import { ScheduleService } from './jobs/schedules.js';
import { isTerminal } from './jobs/status.js';
import { ALL_JOBS, type JobTopics } from './jobs/topics.js';
import { PubSub } from './pubsub.js';

/** The domain services of one server, independent of HTTP and GraphQL. */
export interface Services {
  prisma: PrismaClient;
  pubsub: PubSub<JobTopics>;
  logs: LogStore;
  jobs: JobManager;
  repositories: RepositoryService;
  schedules: ScheduleService;
  archives: ArchiveCatalog;
  /** jobs per repository and status, in memory (metrics) */
  jobCounts: JobCounts;
  /** Counts the jobs, ends jobs a dead server left, re-queues pending ones, arms the schedules. */
  start(): Promise<RecoveryReport>;
  /** Stops schedules and running jobs (graceful shutdown); resolves with the ids of the jobs stopped. */
  stop(reason: string): Promise<number[]>;
  /** Closes the databases and releases the lock (after stop and after the server stopped serving). */
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
 * Takes the database's one-server lock, migrates it (idempotent, a few ms)
 * and wires the services. Nothing runs until `start()`; `close()` releases
 * the lock. Throws a StartupError for an unusable data folder or database,
 * or when another server holds the lock.
 */
export function createServices(config: Config, options: ServiceOptions): Services {
  // folders checked, the one-server lock taken, migrated: or a StartupError in one line
  const database = openServerDatabase({ dataDir: config.dataDir, databaseFile: config.databaseFile, migrationsDir: resolveMigrationsDir() });
  const { sqlite } = database;
  const prisma = createPrismaClient(config.databaseUrl);
  const pubsub = new PubSub<JobTopics>();
  const logs = new LogStore(sqlite, {
    onLine: (jobId, line) => pubsub.publish('jobLog', jobId, line),
    onClose: (jobId) => pubsub.publish('jobLog', jobId, null),
    onError: (jobId, error) => options.warn(`could not write the log of job ${jobId}; retrying`, error),
  });
  const runnerConfig = { borgBin: config.borgBin, borgEnv: config.borgEnv, maxConcurrentJobs: config.maxConcurrentJobs };
  const jobs = new JobManager({ prisma, logs, pubsub, config: runnerConfig, warn: options.warn, persistIntervalMs: options.persistIntervalMs });
  // a skipped or failed firing is a backup that did not happen: worth a warning
  const scheduler = new Scheduler(prisma, jobs, (message) => options.warn(message));
  const schedules = new ScheduleService(prisma, scheduler);
  const archives = new ArchiveCatalog(runnerConfig, (id) => jobs.queue.isRepositoryBusy(id));
  const jobCounts = new JobCounts(prisma, pubsub);
  const stopInvalidating = pubsub.listen('jobs', ALL_JOBS, (job) => {
    if (isTerminal(job.status)) archives.invalidate(job.repositoryId);
  });

  return {
    prisma,
    pubsub,
    logs,
    jobs,
    repositories: new RepositoryService(prisma, runnerConfig, schedules),
    schedules,
    archives,
    jobCounts,
    async start() {
      // counted before any job moves; recovery then ends jobs in the database only
      await jobCounts.seed();
      const report = await recoverJobs({ prisma, logs, jobs, config: runnerConfig });
      await jobCounts.recount(report.interrupted);
      await scheduler.start();
      return report;
    },
    async stop(reason) {
      scheduler.stop();
      stopInvalidating();
      jobCounts.stop();
      return jobs.shutdown(reason);
    },
    async close() {
      await prisma.$disconnect();
      database.close();
    },
  };
}
