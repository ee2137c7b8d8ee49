// PostgreSQL lost mid-run (README "PostgreSQL"): the server reaches its
// database through a TCP proxy that the test cuts while a borg job runs, and
// restores later. Meanwhile requests answer 503 / SERVICE_UNAVAILABLE, never
// a 500 or a hang; the job is not killed and ends in memory; once the
// database is back the server reconnects by itself and writes the job's
// final state and its whole log. The shared PostgreSQL service is never
// stopped: only this server's link to it is cut.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ADD_REPOSITORY_OR_ERROR, START_BACKUP } from '../helpers/documents.js';
import { collectWs, gql, gqlRaw, wsClient } from '../helpers/graphql.js';
import { rest } from '../helpers/rest.js';
import { startServer, tempDir, type TestServer } from '../helpers/server.js';
import { createTestDatabase, dropTestDatabase, onPostgres } from '../helpers/test-database.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const CREATE_HOLDER = fileURLToPath(new URL('../helpers/create-holder.sh', import.meta.url));
const JOB = 'query($id: ID!) { job(id: $id) { status errorMessage logs(limit: 1000) { totalLines lines { content } } } }';
const UNAVAILABLE = /^the database does not answer/;

const healthz = async (server: TestServer) => {
  const response = await fetch(`${server.url}/healthz`);
  return { status: response.status, body: (await response.json()) as { status: string; detail?: string } };
};

describe.runIf(onPostgres)('PostgreSQL lost mid-run', () => {
  const tmp = tempDir('postgres-lost');
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    tmp.cleanup();
  });

  it('503 / SERVICE_UNAVAILABLE while it is gone; the running job goes on; once it is back the server reconnects and stores the end', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => dropTestDatabase(database.name));
    const proxy: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    cleanups.push(() => proxy.close());
    const throughProxy = new URL(database.url);
    throughProxy.host = `127.0.0.1:${proxy.port}`;
    const server = await startServer({ dataDir: path.join(tmp.dir, 'data'), env: { DATABASE_URL: throughProxy.toString(), BORG_BIN: CREATE_HOLDER } });
    cleanups.push(() => server.stop());

    const source = path.join(tmp.dir, 'source');
    mkdirSync(source);
    for (let i = 0; i < 20; i++) writeFileSync(path.join(source, `file-${i}.txt`), `file ${i}\n`);
    const repository = path.join(tmp.dir, 'repository');
    const input = { name: 'lost', path: repository, sourcePaths: [source], encryption: 'none', initialize: true };
    expect((await gql(server.graphqlUrl, ADD_REPOSITORY_OR_ERROR, { input })).addRepository.__typename).toBe('AddRepositorySuccess');

    // borg create waits while the marker exists (create-holder.sh): the job is surely RUNNING when the link is cut
    writeFileSync(`${repository}.hold`, '');
    const id = (await gql(server.graphqlUrl, START_BACKUP, { r: 'lost' })).startBackup.job.id as string;
    const client = wsClient(server.wsUrl);
    cleanups.push(async () => client.dispose());
    let running!: () => void;
    const isRunning = new Promise<void>((resolve) => (running = resolve));
    const states = collectWs<{ jobProgress: { status: string } }>(client, 'subscription($id: ID!) { jobProgress(id: $id) { status } }', { id }, (state) => {
      if (state.jobProgress.status === 'RUNNING') running();
    });
    await isRunning;

    await proxy.cut();
    const query = await gqlRaw(server.graphqlUrl, '{ repositories { id } }');
    expect(query.status).toBe(503);
    expect(query.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(UNAVAILABLE), extensions: { code: 'SERVICE_UNAVAILABLE' } });
    const list = await rest(server.url, 'GET', '/api/backup/jobs');
    expect(list.status).toBe(503);
    expect(list.body.detail).toMatch(UNAVAILABLE);
    expect(list.headers.get('retry-after')).toBe('5');
    const health = await healthz(server);
    expect(health.status).toBe(503);
    expect(health.body.detail).toMatch(/the database does not answer/);

    // borg was not stopped: it finishes, and the job ends in memory, published at once though its write fails
    rmSync(`${repository}.hold`);
    expect((await states).at(-1)?.jobProgress.status).toBe('COMPLETED');

    await proxy.restore();
    // the writes that failed are retried with backoff (1 s, 2 s, 4 s…): /healthz is ok once they all landed
    await expect.poll(async () => (await healthz(server)).status, { timeout: 45_000, interval: 500 }).toBe(200);

    const { job } = await gql(server.graphqlUrl, JOB, { id });
    expect(job).toMatchObject({ status: 'COMPLETED', errorMessage: null });
    expect(job.logs.lines.at(-1).content).toBe('job completed');
    const stored = new pg.Client({ connectionString: database.url });
    await stored.connect();
    cleanups.push(() => stored.end());
    const { rows } = await stored.query('SELECT "status", "completedAt", "logLineCount" FROM "BackupJob" WHERE "id" = $1', [Number(id)]);
    expect(rows[0]).toMatchObject({ status: 'COMPLETED', completedAt: expect.any(Date), logLineCount: job.logs.totalLines });
    const status = await rest(server.url, 'GET', `/api/backup/status/${id}`);
    expect(status.body).toMatchObject({ status: 'completed', completed_at: expect.any(String) });

    // the server works again without a restart: a new job runs to its end
    const next = (await gql(server.graphqlUrl, START_BACKUP, { r: 'lost' })).startBackup.job.id as string;
    const nextStates = await collectWs<{ jobProgress: { status: string } }>(client, 'subscription($id: ID!) { jobProgress(id: $id) { status } }', { id: next });
    expect(nextStates.at(-1)?.jobProgress.status).toBe('COMPLETED');
  }, 120_000);
});
