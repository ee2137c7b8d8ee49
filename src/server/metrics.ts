import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JobStatus, isTerminal } from '../domain/job-status.js';
import { ALL_JOBS } from '../events/topics.js';
import type { Services } from '../services.js';

/** How long a scrape reuses the repository names (a dashboard may scrape every few seconds). */
const NAMES_CACHE_MS = 5_000;

/** The services the metrics read. */
type MetricSources = Pick<Services, 'prisma' | 'pubsub' | 'jobs' | 'jobCounts' | 'bus'>;

/** How often the event loop's delay is sampled for `borgql_nodejs_eventloop_lag_*` (ms). */
const EVENT_LOOP_SAMPLE_MS = 100;

/**
 * `/metrics` in Prometheus text format: jobs by status and repository,
 * durations and bytes of finished jobs, last success per repository, queue
 * depth, running jobs, live subscriptions, and the process's own metrics.
 * Each server has its own registry (tests run several in one process).
 * Every series carries `node` (BORGQL_NODE_NAME): the nodes of a cluster
 * are scraped apart and summed in Prometheus.
 */
export function registerMetrics(app: FastifyInstance, services: MetricSources): { registry: Registry; close: () => void } {
  const registry = new Registry();
  // a default label reaches every metric, the process's own included
  registry.setDefaultLabels({ node: services.bus.nodeName });
  // the event-loop delay is sampled every 100 ms, not prom-client's 10: its timer woke an idle server 100 times
  // a second (BENCHMARKS.md, idle); a stall shorter than that can go unseen, a stall that matters does not
  collectDefaultMetrics({ register: registry, prefix: 'borgql_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  // job counts live in memory (JobCounts); only the names of the repositories are read, a table of a few rows
  let cached: { at: number; names: Promise<Map<number, string>> } | null = null;
  const names = () => {
    if (!cached || Date.now() - cached.at > NAMES_CACHE_MS) {
      const query = services.prisma.repository.findMany({ select: { id: true, name: true } });
      cached = { at: Date.now(), names: query.then((rows) => new Map(rows.map((row) => [row.id, row.name]))) };
    }
    return cached.names;
  };
  const label = (byId: Map<number, string>, repositoryId: number) => byId.get(repositoryId) ?? String(repositoryId);

  new Gauge({
    name: 'borgql_jobs',
    help: 'Jobs in the history, by status and repository',
    labelNames: ['status', 'repository'],
    registers: [registry],
    async collect() {
      const byId = await names();
      this.reset();
      for (const [repositoryId, statuses] of services.jobCounts.byRepository()) {
        // inc, not set: a removed repository and a new one may share a name
        for (const [status, count] of statuses) {
          if (count > 0) this.inc({ status: status.toLowerCase(), repository: label(byId, repositoryId) }, count);
        }
      }
    },
  });
  new Gauge({
    name: 'borgql_last_success_timestamp_seconds',
    help: 'When the last completed backup of a repository ended (Unix time)',
    labelNames: ['repository'],
    registers: [registry],
    async collect() {
      const byId = await names();
      this.reset();
      const latest = new Map<string, number>();
      for (const [repositoryId, completedAt] of services.jobCounts.lastSuccess()) {
        const repository = label(byId, repositoryId);
        latest.set(repository, Math.max(latest.get(repository) ?? 0, completedAt.getTime() / 1000));
      }
      for (const [repository, seconds] of latest) this.set({ repository }, seconds);
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
