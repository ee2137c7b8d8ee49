import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JobStatus, isTerminal } from '../jobs/status.js';
import { ALL_JOBS } from '../jobs/topics.js';
import type { Services } from '../services.js';

/** How long a scrape reuses the database counts (a dashboard may scrape every few seconds). */
const DB_CACHE_MS = 5_000;

type DomainServices = Pick<Services, 'prisma' | 'pubsub' | 'jobs'>;

/**
 * The end of a repository's last completed backup: the newest completedAt
 * per status, each a single lookup in the (repositoryId, status, completedAt)
 * index. Not a GROUP BY with MAX, which read every completed job (0.5 s with
 * a million jobs, blocking the event loop), nor Prisma's aggregate, whose
 * subquery reads all of the repository's.
 */
async function lastSuccess(prisma: DomainServices['prisma'], repositoryId: number): Promise<Date | null> {
  const ends = await Promise.all(
    [JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_WARNINGS].map(async (status) => {
      const newest = await prisma.backupJob.findFirst({
        where: { repositoryId, status, completedAt: { not: null } },
        orderBy: { completedAt: 'desc' },
        select: { completedAt: true },
      });
      return newest?.completedAt?.getTime() ?? null;
    }),
  );
  const latest = Math.max(...ends.filter((end) => end !== null));
  return Number.isFinite(latest) ? new Date(latest) : null;
}

/**
 * Counts that need the database, refreshed at most every DB_CACHE_MS. The
 * count per repository and status reads the whole (repositoryId, status, …)
 * index: ~50 ms per million jobs. Exported for bench/history.ts, which
 * checks the plans of the SQL it runs.
 */
export async function databaseCounts(services: DomainServices) {
  const { prisma } = services;
  const [repositories, byStatus] = await Promise.all([
    prisma.repository.findMany({ select: { id: true, name: true } }),
    prisma.backupJob.groupBy({ by: ['repositoryId', 'status'], _count: { _all: true } }),
  ]);
  const names = new Map(repositories.map((repository) => [repository.id, repository.name]));
  const successes = await Promise.all(repositories.map(async ({ id }) => ({ repositoryId: id, completedAt: await lastSuccess(prisma, id) })));
  return { names, byStatus, lastSuccess: successes };
}

/**
 * `/metrics` in Prometheus text format: jobs by status and repository,
 * durations and bytes of finished jobs, last success per repository, queue
 * depth, running jobs, live subscriptions, and the process's own metrics.
 * Each server has its own registry (tests run several in one process).
 */
export function registerMetrics(app: FastifyInstance, services: DomainServices): { registry: Registry; close: () => void } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'borgql_' });
  let cached: { at: number; counts: Promise<Awaited<ReturnType<typeof databaseCounts>>> } | null = null;
  const counts = () => {
    if (!cached || Date.now() - cached.at > DB_CACHE_MS) cached = { at: Date.now(), counts: databaseCounts(services) };
    return cached.counts;
  };

  new Gauge({
    name: 'borgql_jobs',
    help: 'Jobs in the history, by status and repository',
    labelNames: ['status', 'repository'],
    registers: [registry],
    async collect() {
      const { names, byStatus } = await counts();
      this.reset();
      for (const row of byStatus) {
        this.set({ status: row.status.toLowerCase(), repository: names.get(row.repositoryId) ?? String(row.repositoryId) }, row._count._all);
      }
    },
  });
  new Gauge({
    name: 'borgql_last_success_timestamp_seconds',
    help: 'When the last completed backup of a repository ended (Unix time)',
    labelNames: ['repository'],
    registers: [registry],
    async collect() {
      const { names, lastSuccess } = await counts();
      this.reset();
      for (const row of lastSuccess) {
        if (row.completedAt) this.set({ repository: names.get(row.repositoryId) ?? String(row.repositoryId) }, row.completedAt.getTime() / 1000);
      }
    },
  });
  new Gauge({
    name: 'borgql_queue_depth',
    help: 'Jobs waiting for their repository or a free slot',
    registers: [registry],
    collect() {
      this.set(services.jobs.queue.pendingCount);
    },
  });
  new Gauge({
    name: 'borgql_jobs_running',
    help: 'Jobs running now',
    registers: [registry],
    collect() {
      this.set(services.jobs.queue.runningCount);
    },
  });
  new Gauge({
    name: 'borgql_subscriptions',
    help: 'Live subscriptions to job progress, logs and events',
    registers: [registry],
    collect() {
      this.set(services.pubsub.subscriberCount);
    },
  });

  const duration = new Histogram({
    name: 'borgql_job_duration_seconds',
    help: 'Run time of finished jobs (backup and maintenance), by status and repository',
    labelNames: ['status', 'repository'],
    buckets: [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 21600, 86400],
    registers: [registry],
  });
  const original = new Counter({
    name: 'borgql_backup_original_bytes_total',
    help: 'Bytes read by completed backups since the server started',
    labelNames: ['repository'],
    registers: [registry],
  });
  const deduplicated = new Counter({
    name: 'borgql_backup_deduplicated_bytes_total',
    help: 'New bytes stored by completed backups since the server started',
    labelNames: ['repository'],
    registers: [registry],
  });
  const stopListening = services.pubsub.listen('jobs', ALL_JOBS, (job) => {
    if (!isTerminal(job.status) || !job.completedAt) return;
    const repository = job.repository.name;
    if (job.startedAt) duration.observe({ status: job.status.toLowerCase(), repository }, (job.completedAt.getTime() - job.startedAt.getTime()) / 1000);
    if (job.status === JobStatus.COMPLETED || job.status === JobStatus.COMPLETED_WITH_WARNINGS) {
      original.inc({ repository }, Number(job.originalSize));
      deduplicated.inc({ repository }, Number(job.deduplicatedSize));
    }
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  return { registry, close: stopListening };
}
