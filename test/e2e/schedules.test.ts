import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { borg } from '../helpers/borg.js';
import { gql } from '../helpers/graphql.js';
import { tempDir } from '../helpers/server.js';

type Job = { id: string; status: string; trigger: string; scheduleId: string | null; createdAt: string };
const JOBS = `query($scheduled: Boolean, $manual: Boolean) { jobs(scheduledOnly: $scheduled, manualOnly: $manual) { id status trigger scheduleId createdAt } }`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('schedules', () => {
  const tmp = tempDir('schedules');
  const dataDir = path.join(tmp.dir, 'data');
  const source = path.join(tmp.dir, 'src');
  const servers: ChildServer[] = [];
  let server: ChildServer;
  let scheduleId = '';
  let repositoryPath = '';

  beforeAll(async () => {
    mkdirSync(source, { recursive: true });
    for (let i = 0; i < 4; i++) writeFileSync(path.join(source, `r${i}.bin`), randomBytes(1024 * 1024));
    server = await spawnServer(dataDir);
    servers.push(server);
  }, 60_000);
  // the borg holding the repository lock in the pile-up test: awaited before its folder goes, also when an assertion failed
  let lockHolder: ReturnType<typeof borg> | undefined;
  afterAll(async () => {
    await lockHolder;
    await Promise.all(servers.map((s) => s.stop()));
    tmp.cleanup();
  }, 60_000);

  const jobs = async (variables: Record<string, unknown> = {}) => (await gql<{ jobs: Job[] }>(server.graphqlUrl, JOBS, variables)).jobs;

  it('a repository added with a 6-field every-2-seconds schedule gets SCHEDULE jobs, without pile-up', async () => {
    repositoryPath = path.join(tmp.dir, 'repos', 'scheduled');
    const armed = Date.now(); // the schedule is armed during addRepository
    const { addRepository } = await gql<{ addRepository: any }>(
      server.graphqlUrl,
      `mutation($input: AddRepositoryInput!) { addRepository(input: $input) {
        __typename ... on Error { message }
        ... on AddRepositorySuccess { repository { id nextRunAt schedules { id name cron timezone enabled } } } } }`,
      {
        input: {
          name: 'scheduled',
          path: repositoryPath,
          sourcePaths: [source],
          passphrase: 'secret',
          initialize: true,
          schedule: '*/2 * * * * *',
          timezone: 'Europe/Berlin',
          lockWaitSeconds: 30,
        },
      },
    );
    expect(addRepository.__typename, addRepository.message).toBe('AddRepositorySuccess');
    const [schedule] = addRepository.repository.schedules;
    expect(schedule).toMatchObject({ name: 'scheduled', cron: '*/2 * * * * *', timezone: 'Europe/Berlin', enabled: true });
    scheduleId = schedule.id;
    const next = Date.parse(addRepository.repository.nextRunAt);
    expect(next - Date.now()).toBeGreaterThan(-1000);
    expect(next - Date.now()).toBeLessThanOrEqual(2000);

    // Runs slower than the schedule, whatever the machine: borg's files cache makes repeated backups of the
    // same tree fast, so another borg holds the repository lock for 8 s and the scheduled jobs wait for it
    // (lockWaitSeconds: 30) while the schedule keeps firing.
    lockHolder = borg(['--lock-wait', '30', 'with-lock', repositoryPath, 'sleep', '8'], {
      BORG_PASSPHRASE: 'secret',
      BORG_BASE_DIR: path.join(tmp.dir, 'lock-holder-base'),
    });
    // one manual job beside them, for the filters
    await gql(server.graphqlUrl, 'mutation($r: String!) { startBackup(repository: $r) { __typename } }', { r: repositoryPath });
    // watch ~9 s of firings: every firing finds the previous scheduled job pending or running
    let maxPending = 0;
    for (let t = 0; t < 45; t++) {
      await sleep(200);
      const pending = (await jobs({ scheduled: true })).filter((job) => job.status === 'PENDING');
      maxPending = Math.max(maxPending, pending.length);
    }
    expect(maxPending).toBe(1);
    expect((await lockHolder)?.exitCode).toBe(0);
    // a skipped firing is a backup that did not happen: the server warns (seen at the default log level)
    expect(server.output()).toMatch(/skipped scheduled, scheduled job \d+ is still pending/);
    // once the lock is free the queue drains and the schedule creates jobs again
    await expect.poll(async () => (await jobs({ scheduled: true })).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    const scheduled = await jobs({ scheduled: true });
    expect(scheduled.length).toBeGreaterThanOrEqual(2);
    // at most one firing per even second since it was armed (~10 s, more on a busy machine), and runs are slower than that
    expect(scheduled.length).toBeLessThanOrEqual(Math.floor((Date.now() - armed) / 2000) + 1);
    for (const job of scheduled) expect(job).toMatchObject({ trigger: 'SCHEDULE', scheduleId });
    const manual = await jobs({ manual: true });
    expect(manual).toHaveLength(1);
    expect(manual[0]).toMatchObject({ trigger: 'MANUAL', scheduleId: null });
    // the unfiltered list is the two filtered ones together (a firing may have added one since)
    const all = await jobs();
    expect(all.filter((job) => job.trigger === 'MANUAL').map((job) => job.id)).toEqual(manual.map((job) => job.id));
    const scheduledNow = all.filter((job) => job.trigger === 'SCHEDULE').map((job) => job.id);
    expect(scheduledNow).toEqual(expect.arrayContaining(scheduled.map((job) => job.id)));
    expect(scheduledNow.length - scheduled.length).toBeLessThanOrEqual(1);
    expect(server.output()).not.toContain('failed to fire');
  }, 60_000);

  it('a disabled schedule stops at once; re-enabled, it survives a restart', async () => {
    const update = `mutation($id: ID!, $input: UpdateScheduleInput!) { updateSchedule(id: $id, input: $input) {
      __typename ... on ScheduleSuccess { schedule { enabled nextRunAt } } ... on Error { message } } }`;
    const off = await gql<{ updateSchedule: any }>(server.graphqlUrl, update, { id: scheduleId, input: { enabled: false } });
    expect(off.updateSchedule).toMatchObject({ __typename: 'ScheduleSuccess', schedule: { enabled: false, nextRunAt: null } });
    const before = (await jobs({ scheduled: true })).length;
    await sleep(4500);
    expect((await jobs({ scheduled: true })).length).toBe(before);

    const on = await gql<{ updateSchedule: any }>(server.graphqlUrl, update, { id: scheduleId, input: { enabled: true, cron: '*/3 * * * * *' } });
    expect(on.updateSchedule.schedule.enabled).toBe(true);
    server.child.kill('SIGTERM');
    await server.exited;
    const restartedAt = Date.now();
    server = await spawnServer(dataDir);
    servers.push(server);
    const { schedules } = await gql<{ schedules: any[] }>(server.graphqlUrl, '{ schedules { id cron enabled nextRunAt repositories { path } } }');
    expect(schedules).toEqual([
      { id: scheduleId, cron: '*/3 * * * * *', enabled: true, nextRunAt: expect.any(String), repositories: [{ path: repositoryPath }] },
    ]);
    let fresh: Job[] = [];
    for (let t = 0; t < 40 && fresh.length === 0; t++) {
      await sleep(250);
      fresh = (await jobs({ scheduled: true })).filter((job) => Date.parse(job.createdAt) >= restartedAt);
    }
    expect(fresh.length).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('refuses bad cron expressions, time zones and repository lists', async () => {
    const create = `mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { __typename ... on Error { message } ... on ValidationError { field } } }`;
    const cases: [Record<string, unknown>, string, string][] = [
      [{ cron: '61 * * * *' }, 'ValidationError', 'cron'],
      [{ cron: '* * *' }, 'ValidationError', 'cron'],
      [{ timezone: 'Mars/Base' }, 'ValidationError', 'timezone'],
      [{ repositoryIds: [] }, 'ValidationError', 'repositoryIds'],
      [{ name: 'scheduled' }, 'ValidationError', 'name'],
    ];
    for (const [override, type, field] of cases) {
      const input = { name: 'nightly', cron: '0 3 * * *', repositoryIds: ['1'], ...override };
      const { createSchedule } = await gql<{ createSchedule: any }>(server.graphqlUrl, create, { input });
      expect(createSchedule, JSON.stringify(override)).toMatchObject({ __typename: type, field });
    }
    const { createSchedule } = await gql<{ createSchedule: any }>(server.graphqlUrl, create, {
      input: { name: 'nightly', cron: '0 3 * * *', repositoryIds: ['999'] },
    });
    expect(createSchedule).toMatchObject({ __typename: 'NotFoundError', message: 'repository 999 not found' });
  });
});
