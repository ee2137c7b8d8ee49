// Cancel through node A of a job running on node B (README "Running several
// nodes"): recorded and sent to B, B stops its borg, both nodes see the job
// CANCELLED.
import { beforeAll, describe, expect, it } from 'vitest';
import { useCluster } from '../helpers/cluster.js';
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
  type AddedRepository,
} from '../helpers/cluster-jobs.js';
import { collectWs } from '../helpers/graphql.js';

const CANCEL = `mutation($id: ID!) { cancelJob(id: $id) { __typename ... on Error { message } ... on CancelJobSuccess { job { status } } } }`;

describe('cancel across nodes', () => {
  const cluster = useCluster('cancel', { env: { BORG_BIN: CREATE_HOLDER } });
  const a = cluster.node('A');
  const b = cluster.node('B');
  let repository: AddedRepository;

  beforeAll(async () => {
    const source = makeSource(cluster.dir, 'cancel', 20, 4096);
    repository = await addRepository(b, cluster.dir, { name: 'on-b', sourcePaths: [source] });
  }, 60_000);

  it('a cancel through A stops the borg of B; the job is CANCELLED on both nodes', async () => {
    // held: borg (the holder, then borg in its place) is surely running on B when the cancel comes
    hold(repository.path);
    try {
      const id = await startBackup(a, repository.path);
      await jobRunning(a, id);
      await expect.poll(() => borgOn(repository.path).length, { timeout: 20_000 }).toBeGreaterThan(0);
      const watched = collectWs<{ jobProgress: { status: string } }>(b.ws, 'subscription($id: ID!) { jobProgress(id: $id) { status } }', { id });

      const { cancelJob } = await a.gql<{ cancelJob: any }>(CANCEL, { id });
      expect(cancelJob.__typename, cancelJob.message).toBe('CancelJobSuccess');

      const ended = await jobEnded(a, id, 30_000);
      expect(ended).toMatchObject({ status: 'CANCELLED', node: 'B' });
      expect(await readJob(b, id)).toMatchObject({ status: 'CANCELLED', node: 'B' });
      expect((await watched).at(-1)?.jobProgress.status).toBe('CANCELLED');
      // B's borg is gone (it was never released: only the cancel can have stopped it)
      await expect.poll(() => borgOn(repository.path), { timeout: 20_000 }).toEqual([]);
      const [row] = await cluster.sql<{ runningRepositoryId: number | null }>('SELECT "runningRepositoryId" FROM "BackupJob" WHERE id = $1', [Number(id)]);
      expect(row?.runningRepositoryId).toBeNull();
    } finally {
      release(repository.path);
    }

    // the repository is free again: the next job runs on B to its end
    const next = await startBackup(a, repository.path);
    expect(await jobEnded(b, next)).toMatchObject({ status: 'COMPLETED', node: 'B' });
  }, 300_000);

  it('a cancel through A of a job waiting on B ends it without running borg', async () => {
    hold(repository.path);
    try {
      const first = await startBackup(b, repository.path);
      await jobRunning(b, first);
      const queued = await startBackup(a, repository.path);
      expect((await readJob(a, queued)).status).toBe('PENDING');
      const { cancelJob } = await a.gql<{ cancelJob: any }>(CANCEL, { id: queued });
      expect(cancelJob.__typename, cancelJob.message).toBe('CancelJobSuccess');
      expect(await jobEnded(b, queued, 30_000)).toMatchObject({ status: 'CANCELLED' });
      release(repository.path);
      expect(await jobEnded(a, first)).toMatchObject({ status: 'COMPLETED', node: 'B' });
      // the cancelled one never ran: no start, no archive
      expect((await readJob(a, queued)).startedAt).toBeNull();
    } finally {
      release(repository.path);
    }
  }, 300_000);
});
