import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { borg, makeTree } from '../helpers/borg.js';
import { ADD_REPOSITORY, startBackup } from '../helpers/documents.js';
import { collectWs, gql } from '../helpers/graphql.js';
import { useServer } from '../helpers/use-server.js';

const CANCEL = `mutation($id: ID!) { cancelBackup(id: $id) {
  __typename
  ... on CancelBackupSuccess { processTerminated job { id status startedAt archiveName exitCode errorMessage } }
  ... on Error { message }
  ... on JobNotCancellableError { status }
} }`;
const WATCH = `subscription($id: ID!) { jobProgress(id: $id) { id status progress { originalSize } } }`;
const LOG = `query($id: ID!) { job(id: $id) { logs(limit: 10000) { lines { content } } } }`;

/** Writes `count` files of `mib` MiB of random data, 64 MiB at a time. */
function writeRandomFiles(dir: string, count: number, mib: number): void {
  mkdirSync(dir, { recursive: true });
  const chunk = 64;
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, `r${i}.bin`);
    writeFileSync(file, '');
    for (let written = 0; written < mib; written += chunk) writeFileSync(file, randomBytes(chunk * 1024 * 1024), { flag: 'a' });
  }
}

describe('cancelling jobs', () => {
  const { dir, server, client } = useServer('cancel');
  const borgEnv = { BORG_BASE_DIR: path.join(dir, 'data', 'borg-base'), BORG_PASSPHRASE: '' };
  const bigRepo = path.join(dir, 'repos', 'big');
  const smallRepo = path.join(dir, 'repos', 'small');

  beforeAll(async () => {
    writeRandomFiles(path.join(dir, 'big'), 2, 512); // ~1 GB of random data
    makeTree(path.join(dir, 'small'), 20_000, 4_000, 500);
    for (const [name, repo] of [
      ['big', bigRepo],
      ['small', smallRepo],
    ] as const) {
      const input = { name, path: repo, sourcePaths: [path.join(dir, name)], encryption: 'none', initialize: true };
      const { addRepository } = await gql<{ addRepository: { __typename: string } }>(server.graphqlUrl, ADD_REPOSITORY, { input });
      expect(addRepository.__typename).toBe('AddRepositorySuccess');
    }
  }, 120_000);

  const start = (repository: string) => startBackup(server.graphqlUrl, repository);
  const cancel = async (id: string) => (await gql<{ cancelBackup: any }>(server.graphqlUrl, CANCEL, { id })).cancelBackup;
  const logOf = async (id: string) =>
    (await gql<{ job: { logs: { lines: { content: string }[] } } }>(server.graphqlUrl, LOG, { id })).job.logs.lines.map((l) => l.content);

  /** Starts a backup, waits until borg has stored data, cancels it; returns the job id and the cancel answer. */
  async function cancelWhileRunning(repository: string) {
    const id = await start(repository);
    let resolveRunning!: () => void;
    const running = new Promise<void>((resolve) => (resolveRunning = resolve));
    const watched = collectWs<{ jobProgress: { status: string; progress: { originalSize: number } } }>(client, WATCH, { id }, (data) => {
      if (data.jobProgress.status === 'RUNNING' && data.jobProgress.progress.originalSize > 0) resolveRunning();
    });
    await running;
    const answer = await cancel(id);
    const events = await watched;
    return { id, answer, events };
  }

  it.each([
    ['~1 GB of random data in two big files', bigRepo],
    ['20,000 small files', smallRepo],
  ])('cancels a running backup of %s; the repository is unlocked and the next backup works', async (_what, repository) => {
    const { id, answer, events } = await cancelWhileRunning(repository);
    expect(answer).toMatchObject({ __typename: 'CancelBackupSuccess', processTerminated: true, job: { id, status: 'CANCELLED' } });
    expect(events.at(-1)?.jobProgress.status).toBe('CANCELLED');
    const log = await logOf(id);
    expect(log).toContain('cancel requested');
    expect(log.some((line) => /^sent SIGINT to borg \(pid \d+\)$/.test(line))).toBe(true);
    expect(log.at(-1)).toBe('job cancelled');

    // the lock is free at once: borg itself can open the repository
    const list = await borg(['list', '--lock-wait', '0', '--consider-checkpoints', '--json', repository], borgEnv);
    expect(list.exitCode, list.stderr).toBe(0);
    const next = await start(repository);
    const final = (await collectWs<{ jobProgress: { status: string } }>(client, WATCH, { id: next })).at(-1);
    expect(final?.jobProgress.status).toBe('COMPLETED');
  });

  it('cancels a queued job without running borg, and cancelling twice answers twice the same', async () => {
    const running = await start(bigRepo);
    const queued = await start(bigRepo);
    const answer = await cancel(queued);
    expect(answer).toMatchObject({
      __typename: 'CancelBackupSuccess',
      processTerminated: false,
      job: { status: 'CANCELLED', startedAt: null, archiveName: null, exitCode: null },
    });
    expect(await logOf(queued)).toEqual([`queued behind job ${running}`, 'cancel requested', 'job cancelled']);

    const [first, second] = await Promise.all([cancel(running), cancel(running)]);
    expect(first).toMatchObject({ __typename: 'CancelBackupSuccess', job: { status: 'CANCELLED' } });
    expect(second).toEqual(first);
    expect(await cancel(running)).toMatchObject({ __typename: 'JobNotCancellableError', status: 'CANCELLED' });
    expect((await cancel(running)).message).toBe(`job ${running} is cancelled and cannot be cancelled`);
  });
});
