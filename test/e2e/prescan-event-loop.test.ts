// The pre-scan runs in a worker thread: an exclude pattern that backtracks
// catastrophically must not stop the server from answering. Was a bug: with
// `re:(x+x+)+y` and file names of a long run of "x", every file cost the
// main thread seconds of regex matching, and /healthz, GraphQL and every
// subscription waited until the scan was over.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADD_REPOSITORY_OR_ERROR, startBackup } from '../helpers/documents.js';
import { gql } from '../helpers/graphql.js';
import { useChildServer } from '../helpers/use-server.js';

const JOB = `query($id: ID!) { job(id: $id) { status progress { percent totalExpectedSize } logs(limit: 10000) { lines { content } } } }`;

type JobState = { status: string; progress: { percent: number; totalExpectedSize: number | null }; logs: { lines: { content: string }[] } };

const RANDOM_BYTES = 128 * 1024 * 1024;

/** The x run each name starts with: about a second of backtracking per path in V8 (and in borg's Python). */
const PATHOLOGICAL_RUN = 25;

describe('the pre-scan does not block the server', () => {
  const { dir, server } = useChildServer('prescan-loop');
  const slowSource = path.join(dir, 'slow');
  const ordinarySource = path.join(dir, 'ordinary');

  const job = async (id: string) => (await gql<{ job: JobState }>(server.graphqlUrl, JOB, { id })).job;
  const lines = (state: JobState) => state.logs.lines.map((line) => line.content);
  const ended = (state: JobState) => !['PENDING', 'RUNNING'].includes(state.status);
  const backup = async (name: string, sourcePaths: string[], excludePatterns: string[]) => {
    const repository = path.join(dir, 'repos', name);
    const input = { name, path: repository, sourcePaths, excludePatterns, encryption: 'none', initialize: true };
    expect((await gql<{ addRepository: { __typename: string } }>(server.graphqlUrl, ADD_REPOSITORY_OR_ERROR, { input })).addRepository.__typename).toBe(
      'AddRepositorySuccess',
    );
    return startBackup(server.graphqlUrl, repository);
  };

  beforeAll(async () => {
    mkdirSync(slowSource, { recursive: true });
    // a digit after the run: no "y" follows, so the regex tries every split of the run
    for (let i = 0; i < 6; i++) writeFileSync(path.join(slowSource, `${'x'.repeat(PATHOLOGICAL_RUN)}${i}`), 'data');
    mkdirSync(path.join(ordinarySource, 'sub'), { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(path.join(ordinarySource, 'sub', `f${i}.bin`), Buffer.alloc(1000 + i, i));
    writeFileSync(path.join(ordinarySource, 'big.skip'), Buffer.alloc(50_000));
    // borg reads this for a second or so: the scan (a thread that first loads tsx here) has
    // time to deliver before borg ends, also on a busy machine
    writeFileSync(path.join(ordinarySource, 'random.bin'), randomBytes(RANDOM_BYTES));
  });

  it('answers /healthz and GraphQL while a pathological pattern is being matched, and the job completes', async () => {
    const id = await backup('slow', [slowSource], ['re:(x+x+)+y']);
    await expect.poll(async () => lines(await job(id)).some((line) => line.startsWith('borg create')), { timeout: 30_000 }).toBe(true);
    // borg was spawned, so the scan is starting or matching now; several rounds, so that at
    // least the later ones fall into it (a blocked loop would answer them only after the scan)
    for (let round = 0; round < 3; round++) {
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      const state = await job(id);
      expect(state.status).toBe('RUNNING');
      // answered before the scan ended: it has not delivered its total yet
      expect(state.progress.totalExpectedSize, server.output()).toBeNull();
      expect(lines(state).some((line) => line.startsWith('pre-scan:'))).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await expect.poll(async () => ended(await job(id)), { timeout: 120_000, interval: 500 }).toBe(true);
    expect((await job(id)).status).toBe('COMPLETED');
  }, 180_000);

  it('an ordinary pattern still gives the estimate', async () => {
    const id = await backup('ordinary', [ordinarySource], ['sh:**/*.skip']);
    await expect.poll(async () => ended(await job(id)), { timeout: 60_000, interval: 200 }).toBe(true);
    const state = await job(id);
    const bytes = 20 * 1000 + (19 * 20) / 2 + RANDOM_BYTES;
    expect(state).toMatchObject({ status: 'COMPLETED', progress: { percent: 100, totalExpectedSize: bytes } });
    expect(lines(state)).toContain(`pre-scan: 21 files, ${bytes} bytes to read`);
  });
});
