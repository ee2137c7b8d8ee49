// A real server with REDIS_URL: it refuses to start without Redis (one line,
// exit 1), and once started every job event it publishes reaches another
// node on the same prefix over Redis, in order; /healthz reports a lost
// connection to Redis and its return.
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REDACTED_SECRET } from '../../src/events/event-codec.js';
import type { JobWithRepository } from '../../src/jobs/live-job.js';
import { makeTree } from '../helpers/borg.js';
import { runServerToExit } from '../helpers/child-server.js';
import { testNode, TEST_REDIS_URL, uniquePrefix, until, type TestNode } from '../helpers/cluster-events.js';
import { gql } from '../helpers/graphql.js';
import { startServer, tempDir, type TestServer } from '../helpers/server.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const tmp = tempDir('redis-server');
let server: TestServer | undefined;
let other: TestNode | undefined;
let proxy: TcpProxy | undefined;
afterAll(async () => {
  await server?.stop();
  await other?.bus.close();
  await proxy?.close();
  tmp.cleanup();
}, 60_000);

describe('a server with REDIS_URL', () => {
  it('does not start while Redis is unreachable: one line naming host and port (never the password), exit 1', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const result = await runServerToExit(path.join(tmp.dir, 'unreachable'), { REDIS_URL: `redis://:s3cret-pw@127.0.0.1:${port}` });
    expect(result.code, result.output).toBe(1);
    expect(result.output.trim()).toMatch(
      new RegExp(
        `^borgql: cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\): is it running\\? \\(REDIS_URL\\)$`,
      ),
    );
    expect(result.output).not.toContain('s3cret');
  });

  it("sends a backup's states and log lines to the other nodes in order, and /healthz follows the connection", async () => {
    const prefix = uniquePrefix();
    const redis = new URL(TEST_REDIS_URL);
    proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    const dataDir = path.join(tmp.dir, 'data');
    server = await startServer({ dataDir, env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, BORGQL_REDIS_PREFIX: prefix, BORGQL_NODE_NAME: 'node-b' } });
    other = await testNode(prefix, 'node-a');
    const jobs: JobWithRepository[] = [];
    other.pubsub.listen('jobs', 'all', (job) => jobs.push(job));

    const sources = path.join(tmp.dir, 'src');
    const { bytes } = makeTree(sources, 200, 1000);
    const repository = path.join(tmp.dir, 'repo');
    const added = await gql<{ addRepository: { __typename: string } }>(
      server.graphqlUrl,
      `mutation { addRepository(input: { name: "r", path: ${JSON.stringify(repository)}, sourcePaths: [${JSON.stringify(sources)}], passphrase: "correct horse", initialize: true }) { __typename } }`,
    );
    expect(added.addRepository.__typename).toBe('AddRepositorySuccess');
    const started = await gql<{ startBackup: { job: { id: string } } }>(
      server.graphqlUrl,
      'mutation { startBackup(repository: "r") { ... on StartBackupSuccess { job { id } } } }',
    );
    const jobId = Number(started.startBackup.job.id);
    const seen: string[] = [];
    other.pubsub.listen('jobLog', jobId, (line) => seen.push(line === null ? 'end' : String(line.lineNumber)));
    other.pubsub.listen('job', jobId, (job) => seen.push(`job:${job.status}`));

    await until(() => jobs.some((job) => job.id === jobId && job.status === 'COMPLETED'), 60_000, 'the backup to complete on the other node');
    await until(() => seen.at(-1) === 'job:COMPLETED', 10_000, 'the last state');
    // the lines it heard, numbered without a hole, the log's end before the final state
    const lineNumbers = seen.filter((entry) => /^\d+$/.test(entry)).map(Number);
    expect(lineNumbers.length).toBeGreaterThan(0);
    expect(lineNumbers).toEqual(Array.from({ length: lineNumbers.length }, (_, i) => lineNumbers[0]! + i));
    expect(seen.indexOf('end')).toBeGreaterThan(seen.lastIndexOf(String(lineNumbers.at(-1))));
    expect(seen.indexOf('end')).toBeLessThan(seen.lastIndexOf('job:COMPLETED'));
    const final = jobs.findLast((job) => job.id === jobId)!;
    expect(final.completedAt).toBeInstanceOf(Date);
    expect(typeof final.originalSize).toBe('bigint');
    expect(final.originalSize).toBeGreaterThanOrEqual(BigInt(bytes));
    expect(final.repository.passphrase).toBe(REDACTED_SECRET);

    const health = () =>
      fetch(`${server!.url}/healthz`).then(async (response) => ({ status: response.status, body: (await response.json()) as Record<string, string> }));
    expect(await health()).toEqual({ status: 200, body: { status: 'ok' } });
    await proxy.cut();
    let during = await health();
    for (let tries = 0; during.status === 200 && tries < 200; tries++) during = await new Promise((resolve) => setTimeout(resolve, 25)).then(health);
    expect(during).toEqual({ status: 503, body: { status: 'error', detail: 'Redis is unreachable: events do not cross nodes until it is back' } });
    await proxy.restore();
    let after = during;
    for (let tries = 0; after.status !== 200 && tries < 600; tries++) after = await new Promise((resolve) => setTimeout(resolve, 25)).then(health);
    expect(after).toEqual({ status: 200, body: { status: 'ok' } });
  });
});
