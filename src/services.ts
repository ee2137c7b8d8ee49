import type { Config } from './config.js';
import { DownloadTokens, loadDownloadKey } from './auth/download-tokens.js';
import { ApiTokenService } from './auth/tokens.js';
import { createPrismaClient, type PrismaClient } from './db/client.js';
import { openServerDatabase } from './db/open.js';
import { openSecretsAtRest } from './db/secrets-at-rest.js';
import { secretStorage } from './db/secret-storage.js';
import { ArchiveCatalog } from './repositories/archives.js';
import { JobCounts } from './jobs/job-counts.js';
import { LogRetention } from './logs/log-retention.js';
import { LogStore } from './logs/log-store.js';
import { openLogStorage } from './logs/open-log-storage.js';
import { JobManager } from './jobs/manager.js';
import { RepositoryLocks } from './jobs/repository-locks.js';
import { recoverJobs, type RecoveryReport } from './jobs/recovery.js';
import { RepositoryBorg } from './repositories/repository-borg.js';
import { RepositoryService } from './catalog/repository-service.js';
import { Scheduler } from './schedules/scheduler.js';
import { ScheduleService } from './schedules/schedule-service.js';
import { JobKind, isTerminal } from './domain/job-status.js';
import { StorageHealth } from './db/storage-health.js';
import { createJobEvents } from './jobs/job-events.js';
import type { JobTopics } from './events/topics.js';
import { PubSub } from './events/pubsub.js';
import { wireEvents } from './events/wiring.js';
import { createNotifications, type Notifications } from './notifications/notifications.js';
import type { WebhookService } from './notifications/webhook-service.js';
import { IdempotentStarts } from './jobs/idempotent-starts.js';
import { localBus, type ClusterBus } from './events/cluster-bus.js';
import { createCluster } from './cluster/cluster.js';
import { NodeDirectory } from './cluster/nodes.js';
import { NodeCalls } from './cluster/node-calls.js';
import { ClusterRepositories } from './cluster/repository-calls.js';
import type { RedisBus } from './events/redis-bus.js';

/**
 * The services of one server, shared by every request: what the GraphQL
 * context carries (plus the caller) and what the HTTP layer reads.
 * Independent of HTTP and GraphQL.
 */
export interface Services {
  prisma: PrismaClient;
  pubsub: PubSub<JobTopics>;
  logs: LogStore;
  /** removes the log lines of old jobs (BORGQL_LOG_RETENTION_DAYS) */
  logRetention: LogRetention;
  /** whether the server's own writes succeed (/healthz) */
  health: StorageHealth;
  jobs: JobManager;
  /** breaks a repository's borg lock on request */
  locks: RepositoryLocks;
  repositories: RepositoryService;
  schedules: ScheduleService;
  archives: ArchiveCatalog;
  /** jobs per repository and status, in memory (metrics) */
  jobCounts: JobCounts;
  /** API tokens: creation, revocation, authentication of presented secrets */
  tokens: ApiTokenService;
  /** the signed, short-lived links that open one job's log */
  downloads: DownloadTokens;
  /** webhooks and their delivery log (README "Notifications") */
  webhooks: WebhookService;
  /** REPOSITORY_STALE: checked every minute; check() runs it now */
  staleCheck: Notifications['staleCheck'];
  /** startBackup with an idempotency key */
  idempotentStarts: IdempotentStarts;
  /** messages between the nodes of a cluster (this node alone without REDIS_URL); `bus.connected` is false while Redis is away */
  bus: ClusterBus;
  /** the nodes of the cluster (Query.nodes) */
  nodes: NodeDirectory;
  /** borg on a repository, run on the repository's own node (archives, break-lock) */
  cluster: ClusterRepositories;
}

/**
 * Starts and stops the services. A handle of its own rather than methods of
 * {@link Services}: the GraphQL context is built from Services, and no
 * resolver should be able to stop the jobs or close the database; only the
 * server (src/server/app.ts) holds this.
 */
export interface ServicesLifecycle {
  /** Counts the jobs, ends jobs a dead server left, re-queues pending ones, arms the schedules. */
  start(): Promise<RecoveryReport>;
  /** Stops schedules and running jobs (graceful shutdown); resolves with the ids of the jobs stopped. */
  stop(reason: string): Promise<number[]>;
  /** Closes the databases and releases the lock (after stop and after the server stopped serving). */
  close(): Promise<void>;
}

/** What {@link createServices} builds: the services, and the handle that starts and stops them. */
export interface ComposedServices {
  services: Services;
  lifecycle: ServicesLifecycle;
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
 * The composition root: takes the database's one-server lock, makes its
 * files 0600, migrates it (idempotent, a few ms), opens the stored secrets
 * with the data folder's key (encrypting clear text an older version left;
 * a SecretKeyError when the key does not fit), reads the download links'
 * signing key and builds every service. Nothing runs until
 * `lifecycle.start()`; `lifecycle.close()` releases the lock. Rejects with a StartupError for an
 * unusable data folder or database, or when another server holds the lock.
 */
export async function createServices(config: Config, options: ServiceOptions): Promise<ComposedServices> {
  // folders checked (created 0700; an existing one keeps its mode, it may be shared: every file
  // borgql keeps in it is 0600), the one-server lock taken, migrated: or a StartupError in one line
  const database = openServerDatabase(config);
  const { connection } = database;
  let secrets;
  let downloadKey;
  let prisma: PrismaClient;
  let redisBus: RedisBus | null;
  try {
    secrets = openSecretsAtRest(secretStorage(connection), config.dataDir, {
      discardUnreadable: config.discardUnreadableSecrets,
      warn: (message) => options.warn(message),
    });
    downloadKey = loadDownloadKey(config.dataDir);
    prisma = await createPrismaClient(config.databaseUrl);
    // Redis when configured (README "Running several nodes"); alone, messages stay in this process.
    // Imported only then: ioredis adds about 22 ms and 9 MB to a start (measured beside the server modules).
    const redisOptions = config.redisUrl ? { url: config.redisUrl, prefix: config.redisPrefix, nodeName: config.nodeName, warn: options.warn } : null;
    redisBus = redisOptions ? new (await import('./events/redis-bus.js')).RedisBus(redisOptions) : null;
  } catch (error) {
    database.close();
    throw error;
  }
  // the domain announces, src/events/wiring.ts publishes: the pubsub has that one door
  const pubsub = new PubSub<JobTopics>();
  const bus: ClusterBus = redisBus ?? localBus(config.nodeName);
  const jobEvents = createJobEvents();
  // jobs of other nodes are read from the database when their events were lost (Redis was away)
  const { logEvents } = wireEvents(jobEvents, pubsub, redisBus ?? undefined, (id) => jobs.get(id));
  const health = new StorageHealth();
  const logStorage = openLogStorage(connection);
  const logs = new LogStore(logStorage, {
    ...logEvents,
    onError: (jobId, error) => {
      health.failed(`the log of job ${jobId}`, error);
      options.warn(`could not write the log of job ${jobId}; retrying`, error);
    },
    onRecovered: (jobId) => health.recovered(`the log of job ${jobId}`),
  });
  const logRetention = new LogRetention(logStorage, prisma, logs, {
    days: config.logRetentionDays,
    onError: (error) => {
      health.failed('the log retention', error);
      options.warn('could not remove expired job logs; retrying', error);
    },
    onSuccess: () => health.recovered('the log retention'),
  });
  const borgConfig = { borgBin: config.borgBin, borgEnv: config.borgEnv, secrets, passcommandPrefixes: config.passcommandPrefixes };
  const borg = new RepositoryBorg(borgConfig);
  // this node: its lease, its repositories, jobs and cancels to and from other nodes (src/cluster)
  const member = createCluster({ config, prisma, bus, logs, events: jobEvents, warn: options.warn });
  const jobs = new JobManager({
    prisma,
    logs,
    events: jobEvents,
    borg,
    config: { maxConcurrentJobs: config.maxConcurrentJobs },
    warn: options.warn,
    persistIntervalMs: options.persistIntervalMs,
    health,
    cluster: member.jobCluster,
  });
  // a skipped or failed firing is a backup that did not happen: worth a warning
  const scheduler = new Scheduler(prisma, jobs, (message) => options.warn(message), { nodeName: config.nodeName, bus });
  const schedules = new ScheduleService(prisma, scheduler, bus);
  const archives = new ArchiveCatalog(
    borg,
    (id) => jobs.queue.isRepositoryBusy(id),
    undefined,
    (id) => jobs.activeJobOn(id),
  );
  const jobCounts = new JobCounts(prisma, jobEvents);
  const notifications = createNotifications(prisma, secrets, jobEvents, { retryScale: config.webhookRetryScale, warn: options.warn });
  const idempotentStarts = new IdempotentStarts(prisma, jobs);
  const nodes = new NodeDirectory(prisma, { nodeName: config.nodeName });
  const calls = new NodeCalls(bus, { isAlive: (node) => nodes.isAlive(node) });
  const locks = new RepositoryLocks(jobs, borg);
  const cluster = new ClusterRepositories(prisma, calls, nodes, { archives, locks });
  const repositories = new RepositoryService(prisma, borgConfig, schedules, borg, cluster);
  cluster.serve(repositories);
  const stopInvalidating = jobEvents.on('changed', (job) => {
    // restores and checks leave the archives as they were: their listing stays served while the next job runs
    if (isTerminal(job.status) && job.kind === JobKind.BACKUP) archives.invalidate(job.repositoryId);
  });

  const services: Services = {
    prisma,
    pubsub,
    logs,
    logRetention,
    health,
    jobs,
    locks,
    repositories,
    schedules,
    archives,
    jobCounts,
    tokens: new ApiTokenService(prisma, { warn: options.warn, bus }),
    downloads: new DownloadTokens(downloadKey, config.downloadTokenTtlSeconds),
    webhooks: notifications.webhooks,
    staleCheck: notifications.staleCheck,
    idempotentStarts,
    bus,
    nodes,
    cluster,
  };
  const lifecycle: ServicesLifecycle = {
    async start() {
      // first: recovery's job changes go to the other nodes too; unreachable Redis is a StartupError
      await redisBus?.connect();
      // counted before any job moves; recovery then ends jobs in the database only
      await jobCounts.seed();
      // registered and its repositories adopted first: recovery ends only this node's jobs (on SQLite, every job)
      await member.join();
      const report = await recoverJobs({ prisma, logs, jobs, borg, nodeName: member.postgres ? config.nodeName : undefined });
      await jobCounts.recount(report.interrupted);
      await scheduler.start();
      member.startWork(jobs);
      // after recovery: the events it wrote are sent with what a previous run left pending
      notifications.start();
      idempotentStarts.startSweeping((error) => options.warn('could not remove expired idempotency keys; retrying in an hour', error));
      // in the background: the server answers meanwhile (old lines stay readable while converted)
      logRetention.start();
      void logs.convertLegacyLines().catch((error: unknown) => options.warn('could not convert the log lines of an older version; they stay readable', error));
      return report;
    },
    async stop(reason) {
      await member.stopWork();
      scheduler.stop();
      logRetention.stop();
      stopInvalidating();
      jobCounts.stop();
      idempotentStarts.stopSweeping();
      const stopped = await jobs.shutdown(reason);
      await member.leave();
      // after the jobs: their last events are in the log, sent by the next start
      await notifications.stop();
      return stopped;
    },
    async close() {
      calls.stop();
      services.tokens.stop();
      await redisBus?.close();
      logs.stop();
      await prisma.$disconnect();
      database.close();
    },
  };
  return { services, lifecycle };
}
