/**
 * Part c of bench/cluster.ts: `jobs(limit: 50)` through a node on a
 * PostgreSQL database holding a million jobs. The rows are made by the
 * database itself (one INSERT … SELECT over generate_series), not through
 * the API: the subject is reading the history, not writing it.
 */
import { performance } from 'node:perf_hooks';
import type { GraphQLClient } from '../lib/graphql.js';
import type { BenchCluster } from './nodes.js';

/** What a dashboard's job list selects (as bench/history.ts), plus where each job ran. */
const JOBS = `query Jobs($limit: Int) { jobs(limit: $limit) {
  id status trigger scheduleId repositoryPath archiveName createdAt startedAt completedAt errorMessage exitCode maintenanceStatus node
  repository { id name }
  progress { percent originalSize compressedSize deduplicatedSize filesProcessed speedMBps etaSeconds } } }`;

/** Requests before timing (plans and caches warm), then timed ones, one after the other. */
const WARMUP = 30;

/**
 * Adds `count` finished jobs of the repository, oldest first, one a minute
 * back from now: 2 % FAILED, a third SCHEDULE, alternately run on the
 * cluster's nodes. Returns the milliseconds the insert (and ANALYZE) took.
 */
export async function fillJobs(cluster: BenchCluster, repositoryId: number, repositoryPath: string, count: number, nodes: string[]): Promise<number> {
  const started = performance.now();
  await cluster.sql(
    `INSERT INTO "BackupJob" ("repositoryId", "repositoryPath", "status", "trigger", "archiveName", "createdAt", "startedAt", "completedAt",
       "percent", "originalSize", "compressedSize", "deduplicatedSize", "filesProcessed", "errorMessage", "exitCode", "node", "kind")
     SELECT $1, $2,
       CASE WHEN g % 50 = 0 THEN 'FAILED' ELSE 'COMPLETED' END,
       CASE WHEN g % 3 = 0 THEN 'SCHEDULE' ELSE 'MANUAL' END,
       'bench-' || g,
       now() - make_interval(mins => $3 - g + 1),
       now() - make_interval(mins => $3 - g + 1),
       now() - make_interval(mins => $3 - g + 1) + interval '20 seconds',
       100, g * 1000, g * 500, g * 10, 1000,
       CASE WHEN g % 50 = 0 THEN 'borg exited with 2' END,
       CASE WHEN g % 50 = 0 THEN 2 ELSE 0 END,
       ($4::text[])[1 + g % array_length($4::text[], 1)],
       'BACKUP'
     FROM generate_series(1, $3::int) AS g`,
    [repositoryId, repositoryPath, count, nodes],
  );
  await cluster.sql('ANALYZE "BackupJob"');
  return performance.now() - started;
}

/** Times `samples` sequential `jobs(limit: 50)` requests after the warm-up; each must answer 50 jobs. */
export async function timeJobsPage(http: GraphQLClient, samples: number): Promise<number[]> {
  const request = async () => {
    const { jobs } = await http.request<{ jobs: unknown[] }>(JOBS, { limit: 50 });
    if (jobs.length !== 50) throw new Error(`jobs(limit: 50) answered ${jobs.length} jobs`);
  };
  for (let i = 0; i < WARMUP; i++) await request();
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await request();
    ms.push(performance.now() - started);
  }
  return ms;
}
