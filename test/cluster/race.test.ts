// Two starts of one repository racing through two nodes (README "Running
// several nodes", claims): both jobs run, one after the other, on the
// repository's node; never two RUNNING at once, as the jobs list and the
// database both show while they run.
import { beforeAll, describe, expect, it } from 'vitest';
import { useCluster } from '../helpers/cluster.js';
import { addRepository, jobEnded, JOB_FIELDS, makeSource, startBackup, type AddedRepository, type ClusterJob } from '../helpers/cluster-jobs.js';

const ROUNDS = 3;

describe('starts racing through two nodes', () => {
  const cluster = useCluster('race', { nodes: ['A', 'B', 'C'] });
  const a = cluster.node('A');
  const b = cluster.node('B');
  const c = cluster.node('C');
  let repository: AddedRepository;

  beforeAll(async () => {
    // big enough that a backup takes a moment, so the second start finds the first still running
    const source = makeSource(cluster.dir, 'race', 200, 64 * 1024);
    repository = await addRepository(a, cluster.dir, { name: 'on-c', sourcePaths: [source], node: 'C' });
  }, 60_000);

  it(`${ROUNDS} rounds of two simultaneous starts through A and B: every job runs on C, never two at once`, async () => {
    expect(repository.node).toBe('C');
    const ids: string[] = [];
    let maxRunningRows = 0;
    let maxRunningListed = 0;
    let watching = true;
    // watches the whole time: the database's rows, and the jobs list through each node
    const watcher = (async () => {
      while (watching) {
        const [row] = await cluster.sql<{ n: string }>(`SELECT count(*) AS n FROM "BackupJob" WHERE "repositoryId" = $1 AND status = 'RUNNING'`, [
          Number(repository.id),
        ]);
        maxRunningRows = Math.max(maxRunningRows, Number(row?.n));
        for (const node of [a, b]) {
          const { jobs } = await node.gql<{ jobs: ClusterJob[] }>(`{ jobs(limit: 50) { ${JOB_FIELDS} } }`);
          maxRunningListed = Math.max(maxRunningListed, jobs.filter((job) => job.status === 'RUNNING').length);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const pair = await Promise.all([startBackup(a, repository.path), startBackup(b, repository.path)]);
        ids.push(...pair);
        for (const id of pair) expect(await jobEnded(c, id, 90_000)).toMatchObject({ status: 'COMPLETED', node: 'C' });
      }
    } finally {
      watching = false;
      await watcher;
    }
    expect(new Set(ids).size).toBe(ROUNDS * 2);
    expect(maxRunningRows).toBe(1);
    expect(maxRunningListed).toBe(1);

    // one after the other: each started after the one before it ended
    const { jobs } = await a.gql<{ jobs: ClusterJob[] }>(`{ jobs(limit: 50) { ${JOB_FIELDS} } }`);
    const ours = jobs.filter((job) => ids.includes(job.id)).sort((x, y) => Date.parse(x.startedAt ?? '') - Date.parse(y.startedAt ?? ''));
    expect(ours).toHaveLength(ROUNDS * 2);
    for (let i = 1; i < ours.length; i++) {
      expect(Date.parse(ours[i]?.startedAt ?? ''), `job ${ours[i]?.id} started before job ${ours[i - 1]?.id} ended`).toBeGreaterThanOrEqual(
        Date.parse(ours[i - 1]?.completedAt ?? ''),
      );
    }
    // nothing left claimed
    const held = await cluster.sql('SELECT id FROM "BackupJob" WHERE "runningRepositoryId" IS NOT NULL');
    expect(held).toEqual([]);
  }, 400_000);
});
