// Schedules in a cluster (README "Running several nodes"): a schedule fires
// on its repository's node only, one job per firing in the whole cluster,
// and a change made through another node reaches that node within 2 s.
import { describe, expect, it } from 'vitest';
import { useCluster } from '../helpers/cluster.js';
import { addRepository, makeSource } from '../helpers/cluster-jobs.js';

type ScheduledJob = { id: string; status: string; node: string | null; createdAt: string; scheduleId: string | null };
const JOBS = '{ jobs(limit: 200, scheduledOnly: true) { id status node createdAt scheduleId } }';
const PERIOD_S = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a schedule of a repository of B, created through A', () => {
  const cluster = useCluster('schedules');
  const a = cluster.node('A');
  const b = cluster.node('B');

  it('fires exactly once per firing, on B; disabled through A, it stops', async () => {
    const source = makeSource(cluster.dir, 'scheduled', 10, 4096);
    const repository = await addRepository(a, cluster.dir, { name: 'scheduled', sourcePaths: [source], node: 'B', schedule: `*/${PERIOD_S} * * * * *` });
    expect(repository.node).toBe('B');
    const scheduled = async () => (await a.gql<{ jobs: ScheduledJob[] }>(JOBS)).jobs;
    await expect.poll(async () => (await scheduled()).length, { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(4);

    // a firing is a multiple of PERIOD_S seconds; its job is created within moments of it
    const jobs = await scheduled();
    const perFiring = new Map<number, string[]>();
    for (const job of jobs) {
      const firing = Math.floor(Date.parse(job.createdAt) / (PERIOD_S * 1000));
      perFiring.set(firing, [...(perFiring.get(firing) ?? []), job.id]);
    }
    for (const [firing, ids] of perFiring) expect(ids, `firing at ${new Date(firing * PERIOD_S * 1000).toISOString()}`).toHaveLength(1);
    await expect
      .poll(async () => (await scheduled()).filter((job) => job.node !== null).map((job) => job.node), { timeout: 30_000 })
      .toSatisfy((nodes: string[]) => nodes.length >= 4 && nodes.every((node) => node === 'B'));
    // A never fired it (a firing on A would be skipped as long as B's job is pending, and say so)
    expect(a.server.output()).not.toContain('schedule "scheduled"');

    const scheduleId = jobs[0]?.scheduleId;
    const { updateSchedule } = await a.gql<{ updateSchedule: any }>(
      'mutation($id: ID!) { updateSchedule(id: $id, input: { enabled: false }) { __typename ... on Error { message } } }',
      { id: scheduleId },
    );
    expect(updateSchedule.__typename, updateSchedule.message).toBe('ScheduleSuccess');
    // within 2 s B knows; then two whole periods without a new job
    await sleep(2000);
    const before = (await scheduled()).length;
    await sleep(PERIOD_S * 2 * 1000 + 500);
    expect((await scheduled()).length).toBe(before);
    expect(b.running).toBe(true);
  }, 400_000);
});
