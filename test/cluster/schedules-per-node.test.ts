// Schedules fire once cluster-wide: two nodes' Schedulers on one database
// (with a real JobManager and the stand-in borg; PostgreSQL in the
// PostgreSQL pass, else SQLite), joined by a bus. Each arms
// a schedule to fire only when it holds one of its repositories, a firing
// creates jobs only for its own repositories, and a change made through
// either node re-arms the schedule on the other (the message, and the
// re-read of every schedule when a message was lost).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../../src/db/client.js';
import { SyncPostgres } from '../../src/db/postgres.js';
import { applyPostgresMigrations, resolvePostgresMigrationsDir } from '../../src/db/postgres-migrate.js';
import { createJobEvents } from '../../src/jobs/job-events.js';
import { JobManager } from '../../src/jobs/manager.js';
import { LogStore } from '../../src/logs/log-store.js';
import { PostgresLogStorage } from '../../src/logs/postgres-log-storage.js';
import { RepositoryBorg } from '../../src/repositories/repository-borg.js';
import { Scheduler } from '../../src/schedules/scheduler.js';
import { ScheduleService } from '../../src/schedules/schedule-service.js';
import { SecretBox } from '../../src/secrets/secret-box.js';
import { QUICK_BACKUP, STANDIN_BIN, standinJobs } from '../helpers/standin-jobs.js';
import { tempDir } from '../helpers/server.js';
import { testBusHub } from '../helpers/test-bus.js';
import { createTestDatabase, dropTestDatabase, onPostgres } from '../helpers/test-database.js';

/** One database with the job domain on it: what both nodes share. */
interface Domain {
  prisma: PrismaClient;
  manager: JobManager;
  close(): Promise<void>;
}

/** The stand-in helper's domain on SQLite; the same parts over a PostgreSQL database of its own in the PostgreSQL pass. */
async function openDomain(domains: ReturnType<typeof standinJobs>): Promise<Domain> {
  if (!onPostgres) return domains.create();
  const { name, url } = await createTestDatabase();
  const pg = new SyncPostgres(url);
  applyPostgresMigrations(pg, resolvePostgresMigrationsDir());
  const prisma = await createPrismaClient(url);
  const logs = new LogStore(new PostgresLogStorage(pg));
  const borg = new RepositoryBorg({ borgBin: STANDIN_BIN, borgEnv: process.env, secrets: new SecretBox(randomBytes(32)), passcommandPrefixes: [] });
  const manager = new JobManager({ prisma, logs, events: createJobEvents(), borg, config: { maxConcurrentJobs: 2 }, warn: () => undefined });
  return {
    prisma,
    manager,
    async close() {
      await manager.shutdown('the test ended');
      logs.stop();
      await prisma.$disconnect();
      pg.close();
      await dropTestDatabase(name);
    },
  };
}

const NIGHTLY = '0 3 * * *';

describe('schedules per node', () => {
  const domains = standinJobs('schedules-per-node');
  const { dir: tmp, cleanup } = tempDir('schedules-per-node-repositories');
  const closing: (() => unknown)[] = [];
  afterAll(async () => {
    for (const close of closing.reverse()) await close();
    domains.remove();
    cleanup();
  });

  /** A repository the stand-in borg can back up, on `node`. */
  async function addRepository(prisma: PrismaClient, name: string, node: string) {
    const dir = path.join(tmp, `${name}-${randomBytes(4).toString('hex')}`);
    const sources = path.join(dir, 'sources');
    const location = path.join(dir, 'repository');
    mkdirSync(sources, { recursive: true });
    writeFileSync(path.join(sources, 'borg-standin.json'), JSON.stringify(QUICK_BACKUP));
    mkdirSync(location, { recursive: true });
    writeFileSync(path.join(location, 'borg-standin-repository.json'), JSON.stringify({ id: randomBytes(32).toString('hex'), encryption: 'none' }));
    return prisma.repository.create({ data: { name, node, path: location, sourcePaths: JSON.stringify([sources]), encryption: 'none' } });
  }

  async function cluster(resyncMs: number | null) {
    const jobs = await openDomain(domains);
    const hub = testBusHub();
    const node = async (nodeName: string) => {
      const bus = hub.bus(nodeName);
      const scheduler = new Scheduler(jobs.prisma, jobs.manager, () => undefined, { nodeName, bus, resyncMs });
      await scheduler.start();
      closing.push(() => scheduler.stop());
      return { scheduler, schedules: new ScheduleService(jobs.prisma, scheduler, bus) };
    };
    const a = await node('node-a');
    const b = await node('node-b');
    closing.push(() => jobs.close());
    const repository = (name: string, owner: string) => addRepository(jobs.prisma, name, owner);
    return { jobs, a, b, repository };
  }

  it("arms a schedule to fire only on the nodes of its repositories, and each firing creates only that node's jobs", async () => {
    const { jobs, a, b, repository } = await cluster(null);
    const onA = await repository('on-a', 'node-a');
    const onB1 = await repository('on-b1', 'node-b');
    const onB2 = await repository('on-b2', 'node-b');

    const bOnly = await a.schedules.create({ name: 'b only', cron: NIGHTLY, repositoryIds: [onB1.id, onB2.id] });
    const both = await b.schedules.create({ name: 'both', cron: NIGHTLY, repositoryIds: [onA.id, onB1.id] });
    await vi.waitFor(() => {
      expect([a.scheduler.firesHere(bOnly.id), b.scheduler.firesHere(bOnly.id)]).toEqual([false, true]);
      expect([a.scheduler.firesHere(both.id), b.scheduler.firesHere(both.id)]).toEqual([true, true]);
    });
    // any node answers Schedule.nextRunAt, also for a schedule it does not fire
    expect(a.scheduler.nextRun(bOnly.id)).toEqual(b.scheduler.nextRun(bOnly.id));
    expect(a.scheduler.nextRun(bOnly.id)).not.toBeNull();

    // one firing of "both" in the whole cluster: each node's timer fires and creates its own repository's job
    const createdOnA = await a.scheduler.fire(both.id);
    const createdOnB = await b.scheduler.fire(both.id);
    const repositoryOf = async (ids: number[]) =>
      (await jobs.prisma.backupJob.findMany({ where: { id: { in: ids } }, select: { repositoryId: true } })).map((job) => job.repositoryId);
    expect(await repositoryOf(createdOnA)).toEqual([onA.id]);
    expect(await repositoryOf(createdOnB)).toEqual([onB1.id]);
    expect(await a.scheduler.fire(bOnly.id)).toEqual([]);

    // changed through node A: node B stops firing it, node A starts
    await a.schedules.update(bOnly.id, { repositoryIds: [onA.id] });
    await vi.waitFor(() => expect([a.scheduler.firesHere(bOnly.id), b.scheduler.firesHere(bOnly.id)]).toEqual([true, false]));
    // removed through node B: gone on node A too
    await b.schedules.remove(bOnly.id);
    await vi.waitFor(() => expect(a.scheduler.nextRun(bOnly.id)).toBeNull());
    expect(a.scheduler.firesHere(both.id)).toBe(true);
  }, 30_000);

  it('re-reads the schedules when no message came (a change written by a node whose message was lost)', async () => {
    const { jobs, a, b, repository } = await cluster(100);
    const onB = await repository('on-b', 'node-b');
    const schedule = await jobs.prisma.schedule.create({
      data: { name: 'written directly', cron: NIGHTLY, timezone: 'UTC', repositories: { create: [{ repositoryId: onB.id, position: 0 }] } },
    });
    await vi.waitFor(() => expect([a.scheduler.firesHere(schedule.id), b.scheduler.firesHere(schedule.id)]).toEqual([false, true]));
    await jobs.prisma.schedule.update({ where: { id: schedule.id }, data: { enabled: false } });
    await vi.waitFor(() => expect(b.scheduler.nextRun(schedule.id)).toBeNull());
  }, 30_000);
});
