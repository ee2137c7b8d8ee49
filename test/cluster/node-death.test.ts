// A node that dies (kill -9 of the node and its borg: the host went away)
// while a job runs on it (README "Running several nodes", liveness): another
// node ends the job FAILED once the lease expired, `nodes` shows it dead;
// started again, it is alive and runs new jobs.
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_LEASE_SECONDS, useCluster } from '../helpers/cluster.js';
import {
  addRepository,
  borgOn,
  CREATE_HOLDER,
  hold,
  jobEnded,
  jobRunning,
  makeSource,
  readJob,
  release,
  startBackup,
  storedLog,
  type AddedRepository,
} from '../helpers/cluster-jobs.js';

type NodeState = { name: string; version: string; startedAt: string; lastSeenAt: string; alive: boolean; runningJobs: number };
const NODES = '{ nodes { name version startedAt lastSeenAt alive runningJobs } }';
/** Generous: the lease plus a machine busy with other tests; the job must end well within it, not at once. */
const DEATH_NOTICED_MS = (TEST_LEASE_SECONDS * 10 + 30) * 1000;

describe('a node dies mid-backup', () => {
  const cluster = useCluster('death', { env: { BORG_BIN: CREATE_HOLDER } });
  const a = cluster.node('A');
  const b = cluster.node('B');
  let repository: AddedRepository;
  const nodes = async () => (await a.gql<{ nodes: NodeState[] }>(NODES)).nodes;

  beforeAll(async () => {
    const source = makeSource(cluster.dir, 'death', 20, 4096);
    repository = await addRepository(b, cluster.dir, { name: 'on-b', sourcePaths: [source] });
  }, 60_000);

  it('both nodes are listed alive, each with its running jobs', async () => {
    const listed = await nodes();
    expect(listed.map((node) => node.name).sort()).toEqual(['A', 'B']);
    for (const node of listed) {
      expect(node).toMatchObject({ alive: true, runningJobs: 0 });
      expect(node.version).not.toBe('');
      expect(Date.parse(node.lastSeenAt)).toBeGreaterThanOrEqual(Date.parse(node.startedAt));
    }
  });

  it('kill -9 of B: its running job ends FAILED through A, B is not alive', async () => {
    hold(repository.path);
    const id = await startBackup(a, repository.path);
    try {
      await jobRunning(a, id);
      await expect.poll(async () => (await nodes()).find((node) => node.name === 'B')?.runningJobs).toBe(1);
      await b.kill();
      // the whole host went: nothing of B's borg is left (SIGKILL takes a moment to land)
      await expect.poll(() => borgOn(repository.path), { timeout: 10_000 }).toEqual([]);

      const ended = await jobEnded(a, id, DEATH_NOTICED_MS);
      expect(ended).toMatchObject({ status: 'FAILED', node: 'B', errorMessage: 'node B stopped answering' });
      // noted in its log too, whatever the sweeping node adds to the line
      expect((await storedLog(a, id)).some((line) => line.content.includes('node B stopped answering'))).toBe(true);
      const dead = (await nodes()).find((node) => node.name === 'B');
      expect(dead).toMatchObject({ alive: false, runningJobs: 0 });
      expect((await nodes()).find((node) => node.name === 'A')?.alive).toBe(true);
      const [row] = await cluster.sql<{ runningRepositoryId: number | null }>('SELECT "runningRepositoryId" FROM "BackupJob" WHERE id = $1', [Number(id)]);
      expect(row?.runningRepositoryId).toBeNull();
    } finally {
      release(repository.path);
    }
  }, 400_000);

  it('a job for B while it is down waits; B restarted is alive again and runs it, then new ones', async () => {
    const waiting = await startBackup(a, repository.path);
    expect((await readJob(a, waiting)).status).toBe('PENDING');

    await b.start();
    await expect.poll(async () => (await nodes()).find((node) => node.name === 'B')?.alive, { timeout: 30_000 }).toBe(true);
    // B claims what waited for it once it is back
    expect(await jobEnded(a, waiting)).toMatchObject({ status: 'COMPLETED', node: 'B' });
    const fresh = await startBackup(a, repository.path);
    expect(await jobEnded(a, fresh)).toMatchObject({ status: 'COMPLETED', node: 'B' });
  }, 400_000);
});
