// A server's subscriptions to a job that runs on another node: node B is this
// test (its own LogStore on the server's PostgreSQL database, its own
// RedisBus on the server's prefix); the server is node A. jobLogs(offset) on
// A replays what B stored, continues with B's live lines (waiting for those
// B has not stored yet) and ends with B's job; jobProgress on A reads B's
// job from the database, then follows B's states.
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { afterAll, describe, expect, it } from 'vitest';
import { SyncPostgres } from '../../src/db/postgres.js';
import { LogStore } from '../../src/logs/log-store.js';
import { PostgresLogStorage } from '../../src/logs/postgres-log-storage.js';
import { jobRow, testNode, uniquePrefix, type TestNode } from '../helpers/cluster-events.js';
import { collectWs, wsClient } from '../helpers/graphql.js';
import { startServer, tempDir, type TestServer } from '../helpers/server.js';
import { createTestDatabase, dropTestDatabase } from '../helpers/test-database.js';

const tmp = tempDir('remote-jobs');
let server: TestServer | undefined;
let nodeB: TestNode | undefined;
let connection: SyncPostgres | undefined;
let storeB: LogStore | undefined;
let client: Client | undefined;
let database: string | undefined;
afterAll(async () => {
  await client?.dispose();
  storeB?.stop();
  await nodeB?.bus.close();
  await server?.stop();
  connection?.close();
  if (database) await dropTestDatabase(database);
  tmp.cleanup();
}, 60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('subscriptions on one node to a job running on another', () => {
  it('jobLogs(offset) and jobProgress see every line once and every state, in order, to the end', async () => {
    const { name, url } = await createTestDatabase();
    database = name;
    const prefix = uniquePrefix();
    server = await startServer({
      dataDir: path.join(tmp.dir, 'a'),
      env: { DATABASE_URL: url, REDIS_URL: 'redis://127.0.0.1:6379', BORGQL_REDIS_PREFIX: prefix, BORGQL_NODE_NAME: 'node-a' },
    });
    client = wsClient(server.wsUrl);
    nodeB = await testNode(prefix, 'node-b');
    connection = new SyncPostgres(url);
    // node B's job, RUNNING there (node A never saw it start)
    const [repository] = connection.query<{ id: number }>(
      `INSERT INTO "Repository" (name, path, "sourcePaths", "updatedAt", node) VALUES ('b-repo', '/srv/b', '["/data"]', now(), 'node-b') RETURNING id`,
    );
    const [row] = connection.query<{ id: number }>(
      `INSERT INTO "BackupJob" ("repositoryId", "repositoryPath", status, "startedAt", node) VALUES ($1, '/srv/b', 'RUNNING', now(), 'node-b') RETURNING id`,
      [repository!.id],
    );
    const jobId = row!.id;
    const bRepository = { ...jobRow(jobId).repository, id: repository!.id, name: 'b-repo', path: '/srv/b', passphrase: null };
    const state = (fields: Parameters<typeof jobRow>[1]) =>
      jobRow(jobId, { repositoryId: repository!.id, repositoryPath: '/srv/b', repository: bRepository, ...fields });
    storeB = new LogStore(new PostgresLogStorage(connection), { ...nodeB.logEvents, flushIntervalMs: 300, blockLines: 20 });
    const writer = storeB.writer(jobId);
    for (let n = 1; n <= 30; n++) writer.append(`early ${n}`, null, null);

    const logs = collectWs<{ jobLogs: { lineNumber: number; content: string } }>(
      client,
      'subscription($id: ID!) { jobLogs(id: $id, offset: 5) { lineNumber content } }',
      {
        id: String(jobId),
      },
    );
    const progress = collectWs<{ jobProgress: { status: string; progress: { percent: number; originalSize: number } } }>(
      client,
      'subscription($id: ID!) { jobProgress(id: $id) { status progress { percent originalSize } } }',
      { id: String(jobId) },
    );
    await sleep(300);
    for (let burst = 1; burst <= 5; burst++) {
      for (let n = 0; n < 9; n++) writer.append(`line ${writer.totalLines + 1}`, 'INFO', new Date());
      nodeB.jobEvents.emit('changed', state({ percent: burst * 10, originalSize: BigInt(burst * 1000) }));
      await sleep(80);
    }
    // as the job manager ends a job: its log first, then its final state (written, then published)
    writer.close();
    connection.query(`UPDATE "BackupJob" SET status = 'COMPLETED', "completedAt" = now() WHERE id = $1`, [jobId]);
    nodeB.jobEvents.emit('changed', state({ status: 'COMPLETED', percent: 100, originalSize: 5000n, completedAt: new Date() }));

    const lines = (await logs).map((data) => data.jobLogs);
    expect(lines.map((line) => line.lineNumber)).toEqual(Array.from({ length: 75 - 5 }, (_, i) => i + 6));
    expect(lines[0]!.content).toBe('early 6');
    expect(lines.at(-1)!.content).toBe('line 75');
    const states = (await progress).map((data) => data.jobProgress);
    expect(states[0]).toEqual({ status: 'RUNNING', progress: { percent: 0, originalSize: 0 } }); // from the database
    expect(states.at(-1)).toEqual({ status: 'COMPLETED', progress: { percent: 100, originalSize: 5000 } });
    // the states between, in order (a reader that fell behind may get only the newest progress: latest-wins)
    const between = states.slice(1, -1).map((s) => s.progress.percent);
    expect(between.length).toBeGreaterThan(0);
    expect(between).toEqual([...new Set(between)].sort((x, y) => x - y));
    expect(between.every((percent) => [10, 20, 30, 40, 50].includes(percent))).toBe(true);
  });
});
