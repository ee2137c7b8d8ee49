// Events across nodes over real Redis: two "nodes" (each a PubSub wired as
// services.ts wires it) on one Redis under a prefix of their own. What one
// publishes reaches the other in order and once; control messages reach every
// node; an unreachable Redis is a one-line StartupError; a connection cut in
// the middle comes back by itself, and what was lost meanwhile is recovered
// from the database.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ControlMessage } from '../../src/events/cluster-bus.js';
import { StartupError } from '../../src/db/startup-error.js';
import { RedisBus } from '../../src/events/redis-bus.js';
import type { JobWithRepository } from '../../src/jobs/live-job.js';
import type { LogLine } from '../../src/logs/log-line.js';
import { jobRow, testNode, TEST_REDIS_URL, uniquePrefix, until, type TestNode } from '../helpers/cluster-events.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const redisPort = Number(new URL(TEST_REDIS_URL).port || 6379);
const redisHost = new URL(TEST_REDIS_URL).hostname;
const line = (lineNumber: number): LogLine => ({ lineNumber, content: `line ${lineNumber}`, level: null, time: new Date(1_764_684_000_000 + lineNumber) });

const nodes: TestNode[] = [];
const proxies: TcpProxy[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.bus.close()));
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

async function node(prefix: string, name: string, options: Parameters<typeof testNode>[2] = {}): Promise<TestNode> {
  const created = await testNode(prefix, name, options);
  nodes.push(created);
  return created;
}

/** What a node's pubsub delivers for one job: its log lines' numbers, `end` for the log-complete null, and its states. */
function record(target: TestNode, jobId: number): string[] {
  const seen: string[] = [];
  target.pubsub.listen('jobLog', jobId, (l) => seen.push(l === null ? 'end' : String(l.lineNumber)));
  target.pubsub.listen('job', jobId, (job) => seen.push(`job:${job.status}`));
  return seen;
}

describe('RedisBus', () => {
  it("delivers one node's publishes to the other in order, once, with the payloads intact; its own come back no second time", async () => {
    const prefix = uniquePrefix();
    const a = await node(prefix, 'node-a');
    const b = await node(prefix, 'node-b');
    const onA = record(a, 5);
    const onB = record(b, 5);
    const allJobsOnA: JobWithRepository[] = [];
    a.pubsub.listen('jobs', 'all', (job) => allJobsOnA.push(job));

    // a burst larger than a batch, then the end of the log, then the final state, as a node sends them
    b.jobEvents.emit('changed', jobRow(5));
    for (let n = 1; n <= 1200; n++) b.logEvents.onLine(5, line(n));
    b.logEvents.onClose(5);
    b.jobEvents.emit('changed', jobRow(5, { status: 'COMPLETED', completedAt: new Date('2026-12-02T14:10:00Z'), runningRepositoryId: null }));

    const expected = ['job:RUNNING', ...Array.from({ length: 1200 }, (_, i) => String(i + 1)), 'end', 'job:COMPLETED'];
    await until(() => onA.length >= expected.length, 10_000, 'the events on node A');
    expect(onA).toEqual(expected);
    expect(onB).toEqual(expected); // its own, locally, once
    expect(allJobsOnA.map((job) => job.status)).toEqual(['RUNNING', 'COMPLETED']);
    expect(allJobsOnA[1]!.completedAt).toEqual(new Date('2026-12-02T14:10:00Z'));
    expect(allJobsOnA[1]!.originalSize).toBe(9_007_199_254_740_993n);
    // nothing more arrives later (an echo of its own messages would show here)
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(onA.length).toBe(expected.length);
    expect(onB.length).toBe(expected.length);
  });

  it('keeps clusters apart by prefix', async () => {
    const prefix = uniquePrefix();
    const a = await node(prefix, 'node-a');
    const c = await node(prefix, 'node-c');
    const other = await node(uniquePrefix(), 'node-b');
    const onA = record(a, 9);
    other.logEvents.onLine(9, line(1));
    c.logEvents.onLine(9, line(2));
    await until(() => onA.length >= 1, 10_000, 'the line of the same cluster');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(onA).toEqual(['2']);
  });

  it('sends control messages to every node, this one included, with the sender', async () => {
    const prefix = uniquePrefix();
    const a = await node(prefix, 'node-a');
    const b = await node(prefix, 'node-b');
    const got: string[] = [];
    a.bus.onControl((message, { from }) => got.push(`a<-${from}:${message.type}`));
    const stop = b.bus.onControl((message, { from }) => got.push(`b<-${from}:${message.type}`));
    const cancel: ControlMessage = { type: 'cancel', jobId: 5, node: 'node-b' };
    a.bus.send(cancel);
    await until(() => got.length === 2, 10_000, 'both deliveries');
    b.bus.send({ type: 'tokenRevoked', tokenId: 3 });
    await until(() => got.length === 4, 10_000, 'both deliveries');
    expect(got.sort()).toEqual(['a<-node-a:cancel', 'a<-node-b:tokenRevoked', 'b<-node-a:cancel', 'b<-node-b:tokenRevoked']);
    stop();
    a.bus.send({ type: 'scheduleChanged', scheduleId: 1 });
    await until(() => got.length === 5, 10_000, 'the delivery on node A');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(got.at(-1)).toBe('a<-node-a:scheduleChanged');
    expect(got.length).toBe(5);
  });

  it('an unreachable Redis is a StartupError of one line naming host and port, never the password', async () => {
    const port = await closedPort();
    const bus = new RedisBus({ url: `redis://borg:s3cr3t-pw@127.0.0.1:${port}/2`, prefix: uniquePrefix(), nodeName: 'node-a', warn: () => undefined });
    const error = await bus.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StartupError);
    const message = (error as Error).message;
    expect(message).toMatch(
      new RegExp(`^cannot reach Redis at 127\\.0\\.0\\.1:${port}/2 \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\): is it running\\? \\(REDIS_URL\\)$`),
    );
    expect(message).not.toContain('s3cr3t');
    expect(bus.connected).toBe(false);
  });

  it('comes back by itself after the connection is cut, delivers again, and recovers what was lost from the database', async () => {
    const prefix = uniquePrefix();
    const proxy = await startTcpProxy({ host: redisHost, port: redisPort });
    proxies.push(proxy);
    // what "the database" says about job 5 once it ended on node B
    const database = new Map<number, JobWithRepository>();
    const reads: number[] = [];
    const a = await node(prefix, 'node-a', {
      url: `redis://127.0.0.1:${proxy.port}`,
      readJob: (id) => (reads.push(id), Promise.resolve(database.get(id) ?? null)),
    });
    const b = await node(prefix, 'node-b');
    const onA = record(a, 5);
    b.jobEvents.emit('changed', jobRow(5));
    b.logEvents.onLine(5, line(1));
    await until(() => onA.length === 2, 10_000, 'the first events');
    expect(a.bus.connected).toBe(true);

    await proxy.cut();
    await until(() => !a.bus.connected, 10_000, 'node A to notice the cut');
    // node B goes on; node A publishing meanwhile neither throws nor reaches anyone
    b.logEvents.onLine(5, line(2));
    b.logEvents.onClose(5);
    const ended = jobRow(5, { status: 'FAILED', errorMessage: 'borg failed', runningRepositoryId: null });
    b.jobEvents.emit('changed', ended);
    database.set(5, ended);
    expect(() => a.logEvents.onLine(8, line(1))).not.toThrow();
    expect(() => a.bus.send({ type: 'cancel', jobId: 8, node: 'node-a' })).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(onA).toEqual(['job:RUNNING', '1']);

    await proxy.restore();
    await until(() => a.bus.connected, 15_000, 'node A to reconnect');
    // the job that ended while the connection was cut: its state from the database, and its log is complete
    await until(() => onA.length === 4, 10_000, 'the recovered end');
    expect(onA).toEqual(['job:RUNNING', '1', 'job:FAILED', 'end']);
    expect(reads).toEqual([5]);
    expect(a.warnings.some((w) => w.includes('lost the connection to Redis'))).toBe(true);
    // and live again
    const onA6: number[] = [];
    a.pubsub.listen('jobLog', 6, (l) => onA6.push(l!.lineNumber));
    b.logEvents.onLine(6, line(1));
    await until(() => onA6.length === 1, 10_000, 'a line after the reconnect');
    expect(onA6).toEqual([1]);
  });

  it('a node whose own connection was cut makes the others catch up once it is back (they see its numbers skip)', async () => {
    const prefix = uniquePrefix();
    const proxy = await startTcpProxy({ host: redisHost, port: redisPort });
    proxies.push(proxy);
    const reads: number[] = [];
    const a = await node(prefix, 'node-a', { readJob: (id) => (reads.push(id), Promise.resolve(jobRow(id, { status: 'COMPLETED' }))) });
    const b = await node(prefix, 'node-b', { url: `redis://127.0.0.1:${proxy.port}` });
    const onA = record(a, 5);
    b.jobEvents.emit('changed', jobRow(5));
    await until(() => onA.length === 1, 10_000, 'the first state');
    await proxy.cut();
    await until(() => !b.bus.connected, 10_000, 'node B to notice the cut');
    b.logEvents.onClose(5);
    b.jobEvents.emit('changed', jobRow(5, { status: 'COMPLETED' }));
    await proxy.restore();
    await until(() => onA.length === 3, 15_000, 'the recovered end');
    expect(onA).toEqual(['job:RUNNING', 'job:COMPLETED', 'end']);
    expect(reads).toEqual([5]);
  });
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
