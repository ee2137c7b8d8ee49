// Several nodes on one PostgreSQL database (DESIGN "Scale-out"): a job runs
// where its repository is, a cancel reaches the node that runs it, and the
// start refuses a namesake and a Redis-less server beside live nodes. The bus
// is local, so everything here crosses nodes through the database alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresDatabase } from '../../src/db/open-postgres.js';
import { StartupError } from '../../src/db/startup-error.js';
import { createJobEvents } from '../../src/jobs/job-events.js';
import { cancelElsewhere } from '../../src/jobs/remote-cancel.js';
import { MAX_LOG_PAGE } from '../../src/logs/log-store.js';
import { ENDLESS, QUICK, testCluster, type TestNode, insertRunningJob } from './nodes.js';

const cluster = await testCluster('nodes');
let a: TestNode;
let b: TestNode;

beforeAll(async () => {
  // leases longer than the default 3 s: openPostgresDatabase below blocks this process's thread (it migrates
  // synchronously) for seconds, and these nodes live in the same process
  a = await cluster.node('a', { leaseSeconds: 30 });
  b = await cluster.node('b', { leaseSeconds: 30 });
}, 60_000);
afterAll(() => cluster.remove(), 60_000);

const logOf = (node: TestNode, jobId: number) => node.services.logs.read(jobId, 0, MAX_LOG_PAGE).lines.map((line) => line.content);

describe('borg runs where the data is', () => {
  it("a job started through node a for node b's repository stays PENDING on a and runs on b", async () => {
    const repository = await cluster.repository('of-b', 'b', QUICK);
    const job = await a.services.jobs.startBackup(repository.name);
    expect(job.status).toBe('PENDING');
    expect(a.services.jobs.live(job.id)).toBeUndefined();
    const ended = await cluster.ended(job.id);
    expect(ended).toMatchObject({ status: 'COMPLETED', node: 'b', runningRepositoryId: null });
    expect(logOf(b, job.id)).toContain('picked up by node b');
    expect(await cluster.prisma.event.count({ where: { jobId: job.id, type: 'JOB_STARTED' } })).toBe(1);
  });

  it('a repository added through a node belongs to it unless another known node is named', async () => {
    const nodes = await a.services.nodes.list();
    expect(nodes.filter((node) => node.alive).map((node) => node.name)).toEqual(expect.arrayContaining(['a', 'b']));
    expect(await a.services.nodes.knows('nowhere')).toBe(false);
    const input = { name: 'elsewhere', path: `${cluster.dir}/elsewhere`, sourcePaths: [cluster.dir], encryption: 'none', initialize: true };
    await expect(a.services.repositories.add({ ...input, node: 'nowhere' })).rejects.toThrow(/^unknown node "nowhere"/);
    expect(await cluster.prisma.repository.count({ where: { name: 'elsewhere' } })).toBe(0);
  });
});

describe('cancel across nodes', () => {
  it("cancels b's running job and the one queued behind it through a", async () => {
    const repository = await cluster.repository('long-on-b', 'b', ENDLESS);
    const running = await b.services.jobs.startBackup(repository.name);
    await cluster.until(running.id, (row) => row.status === 'RUNNING', 'RUNNING');
    const queued = await a.services.jobs.startBackup(repository.name);
    // b picks it up and holds it in its queue behind the running one
    for (let waited = 0; !b.services.jobs.live(queued.id) && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(b.services.jobs.live(queued.id)?.status).toBe('PENDING');

    const cancelledQueued = await a.services.jobs.cancel(queued.id);
    expect(cancelledQueued).toMatchObject({ processTerminated: false, job: { id: queued.id, status: 'CANCELLED' } });
    expect((await a.services.nodes.list()).find((node) => node.name === 'b')?.runningJobs).toBe(1);

    const cancelledRunning = await a.services.jobs.cancel(running.id);
    expect(cancelledRunning).toMatchObject({ processTerminated: true, job: { id: running.id, status: 'CANCELLED', node: 'b' } });
    expect(await cluster.prisma.backupJob.findUniqueOrThrow({ where: { id: running.id } })).toMatchObject({ status: 'CANCELLED', runningRepositoryId: null });
    expect(logOf(b, running.id)).toContain('cancel requested');
    // the queued job never ran, though b held it: its claim found it cancelled
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await cluster.prisma.backupJob.findUniqueOrThrow({ where: { id: queued.id } })).toMatchObject({ status: 'CANCELLED', startedAt: null, node: null });
    expect(b.services.jobs.live(queued.id)).toBeUndefined();
    expect(await cluster.prisma.event.count({ where: { jobId: queued.id, type: 'JOB_CANCELLED' } })).toBe(1);
  });
});

describe('cancel of a job whose node is dead', () => {
  it('ends it CANCELLED on the node asked, without a process to stop', async () => {
    // the row says the node is live, so no sweep ends the job meanwhile; the canceller is told it is dead
    await cluster.prisma.clusterNode.create({
      data: { name: 'ghost', instanceId: 'g', version: '0', startedAt: new Date(), lastSeenAt: new Date(), leaseSeconds: 3600 },
    });
    const repository = await cluster.repository('of-ghost', 'ghost', ENDLESS);
    const job = await insertRunningJob(cluster.prisma, repository, 'ghost');
    const sent: unknown[] = [];
    const cluster_ = { nodeName: 'a', postgres: true, send: (message: unknown) => void sent.push(message), isAlive: () => Promise.resolve(false) };
    const result = await cancelElsewhere(
      { prisma: a.services.prisma, logs: a.services.logs, events: createJobEvents(), cluster: cluster_, pollMs: 20 },
      job.id,
    );
    expect(result).toMatchObject({ processTerminated: false, job: { id: job.id, status: 'CANCELLED' } });
    expect(sent).toEqual([{ type: 'cancel', jobId: job.id, node: 'ghost' }]);
    expect(await cluster.prisma.backupJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: 'CANCELLED', runningRepositoryId: null });
    expect(logOf(a, job.id).some((line) => line.startsWith('cancel requested on node a; node ghost stopped answering'))).toBe(true);
    expect(await cluster.prisma.event.count({ where: { jobId: job.id, type: 'JOB_CANCELLED' } })).toBe(1);
  });
});

describe('who may start beside whom', () => {
  const open = (nodeName: string, redisUrl: string | null) => () => openPostgresDatabase(cluster.url, { nodeName, redisUrl }).close();

  it('a second process with a running node’s name is refused in one line naming the node', () => {
    expect(open('a', 'redis://127.0.0.1:6379')).toThrow(StartupError);
    expect(open('a', 'redis://127.0.0.1:6379')).toThrow(
      /^another borgql process runs as node "a" on the PostgreSQL database 127\.0\.0\.1:5432\/\w+: give this one its own BORGQL_NODE_NAME$/,
    );
    // another name joins
    expect(open('e', 'redis://127.0.0.1:6379')).not.toThrow();
  });

  it('a server without Redis is refused while other nodes are live, and, once they stopped, keeps Redis nodes out', async () => {
    expect(open('solo', null)).toThrow(
      /^another node is live on the PostgreSQL database 127\.0\.0\.1:5432\/\w+ \("a", "b", "ghost"\): without REDIS_URL a server runs alone/,
    );
    await a.stop();
    await b.stop();
    await cluster.prisma.clusterNode.update({ where: { name: 'ghost' }, data: { leaseSeconds: 0 } });
    // a graceful stop leaves no live lease behind
    const solo = openPostgresDatabase(cluster.url, { nodeName: 'solo', redisUrl: null });
    try {
      expect(open('f', 'redis://127.0.0.1:6379')).toThrow(/^a borgql server without REDIS_URL is using the PostgreSQL database 127\.0\.0\.1:5432\/\w+/);
    } finally {
      solo.close();
    }
    expect(open('f', 'redis://127.0.0.1:6379')).not.toThrow();
  });
});
