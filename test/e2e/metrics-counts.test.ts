// /metrics counts jobs per status from memory: seeded from the database once
// at start, then moved by job events, so a scrape scans no job table. Was: a
// GROUP BY over every job per scrape (cached 5 s). The counts must stay right
// across restarts, including the jobs start-up recovery ends in the database.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { beforeAll, describe, expect, it } from 'vitest';
import { startBackup } from '../helpers/documents.js';
import { gql } from '../helpers/graphql.js';
import { bearer, type TestServer } from '../helpers/server.js';
import { useServer } from '../helpers/use-server.js';
import { SQLITE_ONLY, onPostgres } from '../helpers/test-database.js';

const ADD = `mutation($input: AddRepositoryInput!) { addRepository(input: $input) { ... on AddRepositorySuccess { repository { id } } ... on Error { message } } }`;
const STATUS = `query($id: ID!) { job(id: $id) { status completedAt } }`;

/** `borgql_jobs` per status for one repository, and its last success, as the server reports them. */
async function scrape(server: TestServer, repository: string) {
  const response = await fetch(`${server.url}/metrics`, { headers: bearer() });
  expect(response.status).toBe(200);
  const families = parsePrometheusTextFormat(await response.text());
  const jobs: Record<string, number> = {};
  for (const metric of families.find((family) => family.name === 'borgql_jobs')?.metrics ?? []) {
    if (metric.labels?.repository === repository) jobs[metric.labels.status as string] = Number(metric.value);
  }
  const success = families.find((family) => family.name === 'borgql_last_success_timestamp_seconds')?.metrics.find((m) => m.labels?.repository === repository);
  return { jobs, lastSuccess: success ? Number(success.value) : null };
}

// jobs are changed behind the server's back through the SQLite file
describe.skipIf(onPostgres)(`/metrics job counts (${SQLITE_ONLY})`, () => {
  const { dir, dataDir, server, restart } = useServer('metrics-counts');
  const repository = path.join(dir, 'repo');
  const source = path.join(dir, 'source');
  let repositoryId: number;

  const waitForEnd = async (id: string) => {
    await expect
      .poll(async () => (await gql<{ job: { status: string } }>(server.graphqlUrl, STATUS, { id })).job.status, { timeout: 60_000, interval: 200 })
      .toMatch(/^(COMPLETED|FAILED|CANCELLED)/);
    return (await gql<{ job: { status: string; completedAt: string } }>(server.graphqlUrl, STATUS, { id })).job;
  };
  /** Writes job rows as another process would, behind the server's back. */
  const insertJobs = (statuses: string[]) => {
    const db = new Database(path.join(dataDir, 'borgql.db'), { timeout: 10_000 });
    const now = new Date().toISOString().replace('Z', '+00:00');
    const insert = db.prepare('INSERT INTO BackupJob (repositoryId, repositoryPath, status, createdAt, startedAt, completedAt) VALUES (?, ?, ?, ?, ?, ?)');
    for (const status of statuses)
      insert.run(repositoryId, repository, status, now, status === 'PENDING' ? null : now, ['PENDING', 'RUNNING'].includes(status) ? null : now);
    db.close();
  };
  /** The counts as the database has them. */
  const countsInDatabase = () => {
    const db = new Database(path.join(dataDir, 'borgql.db'), { readonly: true });
    const rows = db.prepare('SELECT status, COUNT(*) AS n FROM BackupJob WHERE repositoryId = ? GROUP BY status').all(repositoryId) as {
      status: string;
      n: number;
    }[];
    db.close();
    return Object.fromEntries(rows.map((row) => [row.status.toLowerCase(), row.n]));
  };

  beforeAll(async () => {
    mkdirSync(source);
    writeFileSync(path.join(source, 'file'), 'some data');
    const input = { name: 'counted', path: repository, sourcePaths: [source], encryption: 'none', initialize: true };
    const added = await gql<{ addRepository: { repository: { id: string } } }>(server.graphqlUrl, ADD, { input });
    repositoryId = Number(added.addRepository.repository.id);
  });

  it('follow the jobs of this server, and do not read the job table per scrape', async () => {
    expect(await scrape(server, 'counted')).toEqual({ jobs: {}, lastSuccess: null });
    const jobId = await startBackup(server.graphqlUrl, repository);
    const job = await waitForEnd(jobId);
    expect(job.status).toBe('COMPLETED');
    expect(await scrape(server, 'counted')).toEqual({ jobs: { completed: 1 }, lastSuccess: Date.parse(job.completedAt) / 1000 });

    insertJobs(['COMPLETED']);
    // past the 5 s the old code cached its database counts for
    await new Promise((resolve) => setTimeout(resolve, 5100));
    expect((await scrape(server, 'counted')).jobs).toEqual({ completed: 1 });
  });

  it('are seeded at the next start, with the jobs recovery ends and re-queues', async () => {
    // what a dead server left: a job it was running and one it had queued
    insertJobs(['RUNNING', 'PENDING']);
    await restart();
    const db = new Database(path.join(dataDir, 'borgql.db'), { readonly: true });
    const pending = String((db.prepare('SELECT MAX(id) AS id FROM BackupJob').get() as { id: number }).id);
    db.close();
    // the interrupted job is FAILED at once; the queued one runs again
    expect((await waitForEnd(pending)).status).toBe('COMPLETED');
    const { jobs } = await scrape(server, 'counted');
    expect(jobs).toEqual({ completed: 3, failed: 1 });
    expect(jobs).toEqual(countsInDatabase());
  });
});
