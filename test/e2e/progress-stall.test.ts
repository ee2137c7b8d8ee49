// A job whose borg stalls (a file on a hung mount: borg prints no progress
// line until the read returns) must not show its last speed forever. Was a
// bug: speedMBps only changed with borg's lines. The stall here is real borg
// stopped with SIGSTOP in the middle of a file, then resumed.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { borgProcesses } from '../helpers/borg.js';
import { ADD_REPOSITORY_OR_ERROR, startBackup } from '../helpers/documents.js';
import { collectWs, gql, wsClient } from '../helpers/graphql.js';
import { useServer } from '../helpers/use-server.js';

const WATCH = `subscription($id: ID!) { jobProgress(id: $id) { status progress { originalSize speedMBps etaSeconds } } }`;

type State = { status: string; progress: { originalSize: number; speedMBps: number; etaSeconds: number | null } };

describe('speed while borg prints nothing', () => {
  const { dir, server } = useServer('progress-stall');
  const source = path.join(dir, 'source');
  const repository = path.join(dir, 'repo');

  beforeAll(async () => {
    mkdirSync(source);
    // random data (no compression, no deduplication): several seconds of reading
    for (let i = 0; i < 4; i++) writeFileSync(path.join(source, `r${i}.bin`), randomBytes(128 * 1024 * 1024));
    const input = { name: 'stall', path: repository, sourcePaths: [source], encryption: 'repokey-blake2', passphrase: 'stall test', initialize: true };
    expect((await gql<{ addRepository: { __typename: string } }>(server.graphqlUrl, ADD_REPOSITORY_OR_ERROR, { input })).addRepository.__typename).toBe(
      'AddRepositorySuccess',
    );
  }, 120_000);

  afterAll(async () => {
    // a failed run must not leave borg stopped
    for (const borg of borgProcesses()) if (borg.argv.some((arg) => arg.startsWith(`${repository}::`))) process.kill(borg.pid, 'SIGCONT');
  });

  it('falls to 0 while borg is stopped mid-file, and the job still completes after it resumes', async () => {
    const jobId = await startBackup(server.graphqlUrl, repository);
    const states: State[] = [];
    let stoppedAt = -1;
    let resumed = false;
    const borgPid = () => {
      const found = borgProcesses().find((borg) => borg.argv.includes('create') && borg.argv.some((arg) => arg.startsWith(`${repository}::`)));
      if (!found) throw new Error('borg create is not running');
      return found.pid;
    };
    let pid = 0;
    const client = wsClient(server.wsUrl);
    const done = collectWs<{ jobProgress: State }>(client, WATCH, { id: jobId }, ({ jobProgress }) => {
      states.push(jobProgress);
      if (stoppedAt === -1 && jobProgress.progress.speedMBps > 0) {
        pid = borgPid();
        process.kill(pid, 'SIGSTOP');
        stoppedAt = states.length - 1;
      } else if (stoppedAt !== -1 && !resumed && jobProgress.progress.speedMBps === 0) {
        resumed = true;
        process.kill(pid, 'SIGCONT');
      }
    });
    const final = (await done).at(-1)?.jobProgress;
    await client.dispose();
    expect(final?.status).toBe('COMPLETED');
    expect(resumed, 'the speed reached 0 while borg was stopped').toBe(true);
    // lines borg wrote before it stopped may still arrive; from the last of them on, the
    // bytes stay and the speed only falls, step by step (other updates, such as the
    // pre-scan's total, may repeat a step), to 0 with no ETA
    const zeroAt = states.findIndex((state, i) => i > stoppedAt && state.progress.speedMBps === 0);
    const stalledBytes = states[zeroAt]!.progress.originalSize;
    const stall = states.slice(
      states.findIndex((state) => state.progress.originalSize === stalledBytes),
      zeroAt + 1,
    );
    expect(stall.length).toBeGreaterThanOrEqual(3);
    expect(stall.every((state) => state.status === 'RUNNING' && state.progress.originalSize === stalledBytes)).toBe(true);
    for (let i = 1; i < stall.length; i++) expect(stall[i]!.progress.speedMBps).toBeLessThanOrEqual(stall[i - 1]!.progress.speedMBps);
    expect(new Set(stall.map((state) => state.progress.speedMBps)).size).toBeGreaterThanOrEqual(3);
    expect(stall.at(-1)!.progress).toMatchObject({ speedMBps: 0, etaSeconds: null });
  }, 120_000);
});
