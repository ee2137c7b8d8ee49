// The database rules under several nodes (DESIGN "Scale-out": Claims,
// Liveness): claims race, the unique running repository, the lease sweep,
// and recovery that keeps to its own node. Real PostgreSQL, nodes in process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseSweeper } from '../../src/cluster/lease-sweeper.js';
import { createPrismaClient, type PrismaClient } from '../../src/db/client.js';
import { claimJob } from '../../src/jobs/claims.js';
import { createJobEvents } from '../../src/jobs/job-events.js';
import { MAX_LOG_PAGE } from '../../src/logs/log-store.js';
import { ENDLESS, QUICK, testCluster, type TestNode, insertRunningJob } from './nodes.js';

const cluster = await testCluster('claims');
let a: TestNode;
let b: TestNode;
const clients: PrismaClient[] = [];

beforeAll(async () => {
  a = await cluster.node('a');
  b = await cluster.node('b');
  clients.push(await createPrismaClient(cluster.url), await createPrismaClient(cluster.url));
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((client) => client.$disconnect()));
  await cluster.remove();
}, 60_000);

/** A PENDING job on a repository no running node owns, so only the test claims it. */
async function pendingJob(repositoryId: number, path: string) {
  return cluster.prisma.backupJob.create({ data: { repositoryId, repositoryPath: path } });
}

const eventsOf = (jobId: number, type: string) => cluster.prisma.event.count({ where: { jobId, type } });

describe('claims', () => {
  it('two claimers racing for one job: exactly one wins, and JOB_STARTED is recorded once', async () => {
    const repository = await cluster.repository('race', 'nobody', QUICK);
    for (let round = 0; round < 10; round++) {
      const job = await pendingJob(repository.id, repository.path);
      const results = await Promise.all([claimJob(clients[0]!, true, job, 'a'), claimJob(clients[1]!, true, job, 'b')]);
      const winners = results.filter((result) => result.kind === 'claimed');
      expect(winners, JSON.stringify(results)).toHaveLength(1);
      const row = await cluster.prisma.backupJob.findUniqueOrThrow({ where: { id: job.id } });
      expect(row).toMatchObject({ status: 'RUNNING', runningRepositoryId: repository.id });
      expect(['a', 'b']).toContain(row.node);
      expect(await eventsOf(job.id, 'JOB_STARTED')).toBe(1);
      // a finished job frees the repository for the next round
      await cluster.prisma.backupJob.update({ where: { id: job.id }, data: { status: 'COMPLETED', runningRepositoryId: null } });
    }
  });

  it('the database refuses a second RUNNING job on a repository: a claim is busy, a direct write fails', async () => {
    const repository = await cluster.repository('one-writer', 'nobody', QUICK);
    const first = await pendingJob(repository.id, repository.path);
    const second = await pendingJob(repository.id, repository.path);
    expect((await claimJob(clients[0]!, true, first, 'a')).kind).toBe('claimed');
    expect(await claimJob(clients[1]!, true, second, 'b')).toEqual({ kind: 'busy' });
    await expect(
      cluster.prisma.backupJob.update({ where: { id: second.id }, data: { status: 'RUNNING', runningRepositoryId: repository.id } }),
    ).rejects.toThrow();
    expect(await cluster.prisma.backupJob.findUniqueOrThrow({ where: { id: second.id } })).toMatchObject({ status: 'PENDING', runningRepositoryId: null });
    expect(await eventsOf(second.id, 'JOB_STARTED')).toBe(0);
    await cluster.prisma.backupJob.updateMany({ where: { id: { in: [first.id, second.id] } }, data: { status: 'FAILED', runningRepositoryId: null } });
  });

  it('a cancelled or cancel-requested job is gone for claims', async () => {
    const repository = await cluster.repository('gone', 'nobody', QUICK);
    const job = await pendingJob(repository.id, repository.path);
    await cluster.prisma.backupJob.update({ where: { id: job.id }, data: { cancelRequestedAt: new Date() } });
    expect(await claimJob(clients[0]!, true, job, 'x')).toEqual({ kind: 'gone' });
  });
});

describe('the lease sweep', () => {
  it("a dead node's running job is ended FAILED by the live nodes, noted in its log and recorded once, however many sweep", async () => {
    const repository = await cluster.repository('ghostly', 'ghost', ENDLESS);
    await cluster.prisma.clusterNode.create({
      data: { name: 'ghost', instanceId: 'gone', version: '0', startedAt: new Date(0), lastSeenAt: new Date(Date.now() - 3_600_000), leaseSeconds: 3 },
    });
    const job = await insertRunningJob(cluster.prisma, repository, 'ghost');
    // PENDING jobs of a dead node wait for it
    const waiting = await pendingJob(repository.id, repository.path);
    const sweepers = [a, b, a, b].map(
      (node) =>
        new LeaseSweeper({
          prisma: node.services.prisma,
          logs: node.services.logs,
          events: createJobEvents(),
          registry: node.services.nodes,
          intervalMs: 60_000,
          warn: () => undefined,
        }),
    );
    const ended = (await Promise.all(sweepers.map((sweeper) => sweeper.sweep()))).flat();
    const row = await cluster.ended(job.id);
    expect(row).toMatchObject({ status: 'FAILED', errorMessage: 'node ghost stopped answering', runningRepositoryId: null });
    // the nodes' own sweeps run too: whoever won, the job was ended once
    expect(ended.filter((id) => id === job.id).length).toBeLessThanOrEqual(1);
    expect(await eventsOf(job.id, 'JOB_FAILED')).toBe(1);
    const log = a.services.logs.read(job.id, 0, MAX_LOG_PAGE).lines.map((line) => line.content);
    expect(log.filter((line) => /^node ghost stopped answering \(its lease expired\): job ended by node [ab]$/.test(line))).toHaveLength(1);
    expect(log.filter((line) => line === 'job failed')).toHaveLength(1);
    expect(await cluster.prisma.backupJob.findUniqueOrThrow({ where: { id: waiting.id } })).toMatchObject({ status: 'PENDING' });
  });

  it("a live node's running job is left alone", async () => {
    const repository = await cluster.repository('alive', 'b', ENDLESS);
    const job = await insertRunningJob(cluster.prisma, repository, 'b');
    const sweeper = new LeaseSweeper({
      prisma: a.services.prisma,
      logs: a.services.logs,
      events: createJobEvents(),
      registry: a.services.nodes,
      intervalMs: 60_000,
      warn: () => undefined,
    });
    expect(await sweeper.sweep()).toEqual([]);
    expect(await cluster.prisma.backupJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: 'RUNNING', node: 'b' });
    // tidy: b does not hold it (it was written by the test), so it is ended here
    await cluster.prisma.backupJob.update({ where: { id: job.id }, data: { status: 'FAILED', runningRepositoryId: null } });
  });
});

describe('start-up recovery on a node', () => {
  it("ends only this node's interrupted jobs and queues only its own pending ones", async () => {
    // d is alive (it renews its lease); c's previous process died a moment ago with a job running (its lease not yet expired,
    // else the live nodes' sweep would end that job first)
    for (const name of ['c', 'd']) {
      await cluster.prisma.clusterNode.create({
        data: { name, instanceId: `${name}1`, version: '0', startedAt: new Date(), lastSeenAt: new Date(), leaseSeconds: 3600 },
      });
    }
    const ofC = await cluster.repository('of-c', 'c', QUICK);
    const ofD = await cluster.repository('of-d', 'd', QUICK);
    const running = (repositoryId: number, path: string, node: string | null) =>
      cluster.prisma.backupJob.create({
        data: { repositoryId, repositoryPath: path, status: 'RUNNING', node, runningRepositoryId: repositoryId, startedAt: new Date() },
      });
    const cInterrupted = await running(ofC.id, ofC.path, 'c');
    const dRunning = await running(ofD.id, ofD.path, 'd');
    const dPending = await pendingJob(ofD.id, ofD.path);

    const c = await cluster.node('c');
    expect(c.report.interrupted).toEqual([cInterrupted.id]);
    expect(c.report.requeued).not.toContain(dPending.id);
    expect(await cluster.prisma.backupJob.findUniqueOrThrow({ where: { id: cInterrupted.id } })).toMatchObject({
      status: 'FAILED',
      errorMessage: 'interrupted by server restart',
      runningRepositoryId: null,
    });
    expect(await cluster.prisma.backupJob.findUniqueOrThrow({ where: { id: dRunning.id } })).toMatchObject({ status: 'RUNNING', node: 'd' });
    expect(c.services.jobs.live(dPending.id)).toBeUndefined();
    expect(await cluster.prisma.backupJob.findUniqueOrThrow({ where: { id: dPending.id } })).toMatchObject({ status: 'PENDING' });
    await cluster.prisma.backupJob.updateMany({ where: { id: { in: [dRunning.id, dPending.id] } }, data: { status: 'FAILED', runningRepositoryId: null } });
  });
});
