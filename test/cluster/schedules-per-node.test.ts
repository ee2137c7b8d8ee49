// Schedules fire once cluster-wide: two nodes' Schedulers on one database
// (with a real JobManager and the stand-in borg), joined by a bus. Each arms
// a schedule to fire only when it holds one of its repositories, a firing
// creates jobs only for its own repositories, and a change made through
// either node re-arms the schedule on the other (the message, and the
// re-read of every schedule when a message was lost).
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Scheduler } from '../../src/schedules/scheduler.js';
import { ScheduleService } from '../../src/schedules/schedule-service.js';
import { QUICK_BACKUP, standinJobs } from '../helpers/standin-jobs.js';
import { testBusHub } from '../helpers/test-bus.js';

const NIGHTLY = '0 3 * * *';

describe('schedules per node', () => {
  const domains = standinJobs('schedules-per-node');
  const closing: (() => unknown)[] = [];
  afterAll(async () => {
    for (const close of closing.reverse()) await close();
    domains.remove();
  });

  async function cluster(resyncMs: number | null) {
    const jobs = domains.create();
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
    const repository = (name: string, owner: string) => jobs.repository(name, QUICK_BACKUP, { node: owner });
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
    for (const id of [...createdOnA, ...createdOnB]) await jobs.ended(id);

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
