import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { beforeAll, describe, expect, it } from 'vitest';
import { borg } from '../helpers/borg.js';
import { ADD_REPOSITORY, JOB_EVENTS, startBackup } from '../helpers/documents.js';
import { collectWs, gql, wsClient } from '../helpers/graphql.js';
import { rest } from '../helpers/rest.js';
import { bearer } from '../helpers/server.js';
import { useServer } from '../helpers/use-server.js';

const REPOSITORY = `id name path sourcePaths excludePatterns compression lockWaitSeconds hasPassphrase removedAt
  retention { keepWithin keepLast keepDaily compact } lastJob { id status } schedules { id } nextRunAt`;
const UPDATE = `mutation($id: ID!, $input: UpdateRepositoryInput!) { updateRepository(id: $id, input: $input) {
  __typename ... on Error { message } ... on ValidationError { field } ... on BorgError { msgid }
  ... on AddRepositorySuccess { repository { ${REPOSITORY} } } } }`;
const REMOVE = `mutation($id: ID!) { removeRepository(id: $id) {
  __typename ... on Error { message } ... on RepositoryBusyError { jobId } ... on RemoveRepositorySuccess { repository { id removedAt } } } }`;
const WATCH = `subscription($id: ID!) { jobProgress(id: $id) { status archiveName } }`;

describe('repository management and metrics', () => {
  const { dir, server, client } = useServer('repositories', { BORGQL_NODE_NAME: 'metrics-node' });
  const source = path.join(dir, 'src');
  const other = path.join(dir, 'other');
  const repoPath = path.join(dir, 'repos', 'main');
  const borgEnv = { BORG_BASE_DIR: path.join(dir, 'borg-test-base'), BORG_PASSPHRASE: 'one' };
  let id = '';

  beforeAll(async () => {
    for (const dir of [source, other]) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'file.txt'), dir);
    }
    const { addRepository } = await gql<{ addRepository: any }>(
      server.graphqlUrl,
      `mutation($input: AddRepositoryInput!) { addRepository(input: $input) { __typename ... on AddRepositorySuccess { repository { id } } } }`,
      { input: { name: 'main', path: repoPath, sourcePaths: [source], passphrase: 'one', initialize: true } },
    );
    id = addRepository.repository.id;
  });

  const update = async (input: Record<string, unknown>, target = id) =>
    (await gql<{ updateRepository: any }>(server.graphqlUrl, UPDATE, { id: target, input })).updateRepository;
  async function backup(): Promise<{ status: string; archiveName: string }> {
    const jobId = await startBackup(server.graphqlUrl, repoPath);
    return (await collectWs<{ jobProgress: any }>(client, WATCH, { id: jobId })).at(-1)?.jobProgress;
  }

  it('updates settings, retention and the schedule shorthand, and the next backup uses them', async () => {
    const changed = await update({
      sourcePaths: [source, other],
      excludePatterns: ['sh:**/*.tmp'],
      compression: 'zstd,3',
      lockWaitSeconds: 2,
      retention: { keepDaily: 7, keepWithin: '2d' },
      schedule: '0 3 * * *',
      timezone: 'Europe/Berlin',
    });
    expect(changed.__typename).toBe('AddRepositorySuccess');
    expect(changed.repository).toMatchObject({
      sourcePaths: [source, other],
      excludePatterns: ['sh:**/*.tmp'],
      compression: 'zstd,3',
      lockWaitSeconds: 2,
      retention: { keepWithin: '2d', keepLast: null, keepDaily: 7, compact: true },
      schedules: [{ id: expect.any(String) }],
    });
    expect(Date.parse(changed.repository.nextRunAt)).toBeGreaterThan(Date.now());
    const final = await backup();
    expect(final.status).toBe('COMPLETED');
    const listed = await borg(['list', '--short', `${repoPath}::${final.archiveName}`], borgEnv);
    expect(listed.stdout.split('\n').filter((line) => line.endsWith('file.txt'))).toHaveLength(2);

    const cleared = await update({ retention: null, schedule: null });
    expect(cleared.repository).toMatchObject({ retention: null, schedules: [], nextRunAt: null });
  });

  it('refuses bad updates with typed errors and leaves the repository as it was', async () => {
    expect(await update({ compression: 'gzip' })).toMatchObject({ __typename: 'ValidationError', field: 'compression' });
    expect(await update({ retention: { keepWithin: 'forever' } })).toMatchObject({ __typename: 'ValidationError', field: 'retention.keepWithin' });
    expect(await update({ retention: { compact: false } })).toMatchObject({ __typename: 'ValidationError', field: 'retention' });
    expect(await update({ lockWaitSeconds: -1 })).toMatchObject({ __typename: 'ValidationError', field: 'lockWaitSeconds' });
    expect(await update({ schedule: 'every day' })).toMatchObject({ __typename: 'ValidationError', field: 'cron' });
    expect(await update({ passphrase: 'wrong' })).toMatchObject({ __typename: 'BorgError', msgid: 'PassphraseWrong' });
    expect(await update({ name: 'x' }, '999')).toMatchObject({ __typename: 'ValidationError', field: 'id' });
    const { repository } = await gql<{ repository: any }>(server.graphqlUrl, `query($id: ID!) { repository(id: $id) { ${REPOSITORY} } }`, { id });
    expect(repository).toMatchObject({ compression: 'zstd,3', hasPassphrase: true, lockWaitSeconds: 2 });
  });

  it('lists archives from borg, and refreshes the list after a backup', async () => {
    const query = `query($id: ID!) { repository(id: $id) { archives { name id start } } }`;
    const before = (await gql<{ repository: { archives: any[] } }>(server.graphqlUrl, query, { id })).repository.archives;
    const final = await backup();
    const after = (await gql<{ repository: { archives: any[] } }>(server.graphqlUrl, query, { id })).repository.archives;
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).toMatchObject({ name: final.archiveName, id: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('exposes Prometheus metrics that move when jobs run', async () => {
    const scrape = async () => {
      const response = await fetch(`${server.url}/metrics`, { headers: bearer() });
      expect(response.status).toBe(200);
      const families = parsePrometheusTextFormat(await response.text());
      const value = (name: string, labels: Record<string, string> = {}) =>
        Number(
          families.find((family) => family.name === name)?.metrics.find((metric) => Object.entries(labels).every(([k, v]) => metric.labels?.[k] === v))
            ?.value ?? Number.NaN,
        );
      return { families, value };
    };
    const first = await scrape();
    const completedBefore = first.value('borgql_jobs', { status: 'completed', repository: 'main' });
    expect(completedBefore).toBeGreaterThanOrEqual(2);
    expect(first.value('borgql_queue_depth')).toBe(0);
    expect(first.value('borgql_jobs_running')).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 5100)); // past the 5 s cache of database counts
    await backup();
    const second = await scrape();
    expect(second.value('borgql_jobs', { status: 'completed', repository: 'main' })).toBe(completedBefore + 1);
    expect(second.value('borgql_backup_original_bytes_total', { repository: 'main' })).toBeGreaterThan(0);
    expect(Date.now() / 1000 - second.value('borgql_last_success_timestamp_seconds', { repository: 'main' })).toBeLessThan(30);
    const durations = second.families.find((family) => family.name === 'borgql_job_duration_seconds');
    // (this parser keeps a histogram's buckets but drops its labels: the +Inf bucket counts every job)
    expect(durations?.metrics.some((metric) => Number(metric.buckets?.['+Inf']) >= 1)).toBe(true);
    expect(second.value('borgql_process_resident_memory_bytes')).toBeGreaterThan(0);
    // every series names its node (this parser drops the labels of histograms and summaries: those are left out)
    const series = second.families.filter((family) => family.type !== 'HISTOGRAM' && family.type !== 'SUMMARY').flatMap((family) => family.metrics);
    expect(series.length).toBeGreaterThan(10);
    expect(series.filter((metric) => metric.labels?.node !== 'metrics-node')).toEqual([]);
    expect(second.value('borgql_jobs', { status: 'completed', repository: 'main', node: 'metrics-node' })).toBe(completedBefore + 1);

    // an open subscription shows in the gauge
    const events = wsClient(server.wsUrl);
    const received = new Promise<void>((resolve) =>
      events.subscribe({ query: JOB_EVENTS }, { next: () => resolve(), error: () => resolve(), complete: () => resolve() }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await scrape()).value('borgql_subscriptions')).toBeGreaterThanOrEqual(1);
    await events.dispose();
    void received;
  }, 30_000);

  it('removes a repository without touching borg data, refusing while a job is queued', async () => {
    const jobId = await startBackup(server.graphqlUrl, repoPath);
    const busy = (await gql<{ removeRepository: any }>(server.graphqlUrl, REMOVE, { id })).removeRepository;
    expect(busy).toMatchObject({ __typename: 'RepositoryBusyError', jobId });
    await collectWs(client, WATCH, { id: jobId });
    const removed = (await gql<{ removeRepository: any }>(server.graphqlUrl, REMOVE, { id })).removeRepository;
    expect(removed).toMatchObject({ __typename: 'RemoveRepositorySuccess', repository: { id, removedAt: expect.any(String) } });
    // gone from the list, its jobs and borg's data stay, its path can be registered again
    expect((await gql<{ repositories: unknown[] }>(server.graphqlUrl, '{ repositories { id } }')).repositories).toEqual([]);
    const { jobs } = await gql<{ jobs: any[] }>(server.graphqlUrl, `query($r: String) { jobs(repository: $r) { id repository { id removedAt } } }`, {
      r: repoPath,
    });
    expect(jobs.length).toBeGreaterThanOrEqual(4);
    expect((await borg(['list', '--short', repoPath], borgEnv)).exitCode).toBe(0);
    expect((await gql<{ removeRepository: any }>(server.graphqlUrl, REMOVE, { id })).removeRepository.__typename).toBe('NotFoundError');
    // a removed repository takes no backup, by id or by its old name and path
    for (const reference of [id, 'main', repoPath]) {
      const start = (
        await gql<{ startBackup: any }>(server.graphqlUrl, 'mutation($r: String!) { startBackup(repository: $r) { __typename } }', { r: reference })
      ).startBackup;
      expect(start, reference).toEqual({ __typename: 'NotFoundError' });
    }
    expect((await rest(server.url, 'POST', '/api/backup/start', { body: { repository: id } })).status).toBe(404);
    const again = await gql<{ addRepository: any }>(server.graphqlUrl, ADD_REPOSITORY, {
      input: { name: 'main', path: repoPath, sourcePaths: [source], passphrase: 'one' },
    });
    expect(again.addRepository.__typename).toBe('AddRepositorySuccess');
  });
});
