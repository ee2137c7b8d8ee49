import { execa } from 'execa';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTree } from '../helpers/borg.js';
import { ADD_REPOSITORY_OR_ERROR, startBackup } from '../helpers/documents.js';
import { collectSse, collectWs, gql, gqlRaw } from '../helpers/graphql.js';
import { useServer } from '../helpers/use-server.js';

type Line = { lineNumber: number; content: string; level: string | null };
const WATCH = `subscription($id: ID!) { jobProgress(id: $id) { status exitCode errorMessage } }`;
const STREAM = `subscription($id: ID!, $offset: Int) { jobLogs(id: $id, offset: $offset) { lineNumber content level } }`;
const PAGE = `query($id: ID!, $offset: Int, $limit: Int) { job(id: $id) { status logs(offset: $offset, limit: $limit) { totalLines hasMore lines { lineNumber content level } } } }`;

describe('job logs and failures', () => {
  const { dir, server, client } = useServer('logs');
  const manyFiles = path.join(dir, 'many');

  beforeAll(async () => {
    makeTree(manyFiles, 20_000, 3_000, 500);
  }, 60_000);

  async function addRepository(name: string, sourcePaths: string[]): Promise<string> {
    const repository = path.join(dir, 'repos', name);
    const input = { name, path: repository, sourcePaths, encryption: 'none', initialize: true };
    const { addRepository } = await gql<{ addRepository: { __typename: string } }>(server.graphqlUrl, ADD_REPOSITORY_OR_ERROR, { input });
    expect(addRepository.__typename).toBe('AddRepositorySuccess');
    return repository;
  }
  const start = (repository: string) => startBackup(server.graphqlUrl, repository);
  const page = async (id: string, offset: number, limit: number) =>
    (await gql<{ job: { status: string; logs: { totalLines: number; hasMore: boolean; lines: Line[] } } }>(server.graphqlUrl, PAGE, { id, offset, limit })).job;

  /** Reads a whole log by pages of `size`. */
  async function readAll(id: string, size = 10_000): Promise<Line[]> {
    const lines: Line[] = [];
    for (;;) {
      const { logs } = await page(id, lines.length, size);
      lines.push(...logs.lines);
      if (!logs.hasMore) return lines;
    }
  }

  it("streams a running job's log (replay, then live) exactly as stored, over WebSocket and SSE", async () => {
    const repository = await addRepository('many', [manyFiles]);
    const id = await start(repository);
    // join while borg runs, so the stream crosses from replayed lines to live ones
    let seen = 0;
    for (let i = 0; i < 200 && seen < 500; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      seen = (await page(id, 0, 0)).logs.totalLines;
    }
    const running = await page(id, 0, 0);
    expect(running.status).toBe('RUNNING');
    const [fromStart, fromOffset, overSse] = await Promise.all([
      collectWs<{ jobLogs: Line }>(client, STREAM, { id }),
      collectWs<{ jobLogs: Line }>(client, STREAM, { id, offset: 100 }),
      collectSse<{ jobLogs: Line }>(server.graphqlUrl, STREAM, { id, offset: 0 }),
    ]);
    const stored = await readAll(id, 777);
    expect(stored.map((line) => line.lineNumber)).toEqual(stored.map((_, i) => i + 1));
    expect(stored.filter((line) => /^A \//.test(line.content))).toHaveLength(20_000);
    expect(fromStart.map((e) => e.jobLogs)).toEqual(stored);
    expect(overSse.map((e) => e.jobLogs)).toEqual(stored);
    expect(fromOffset.map((e) => e.jobLogs)).toEqual(stored.slice(100));
    // after the end, a stream replays and completes at once
    expect((await collectWs<{ jobLogs: Line }>(client, STREAM, { id, offset: stored.length - 2 })).map((e) => e.jobLogs)).toEqual(stored.slice(-2));
  });

  it('pages a log by offset with totals, and refuses pages over 10,000 lines or negative offsets', async () => {
    const { id } = (await gql<{ jobs: { id: string }[] }>(server.graphqlUrl, '{ jobs(limit: 1) { id } }')).jobs[0] as { id: string };
    const all = await readAll(id);
    const middle = await page(id, 5, 3);
    expect(middle.logs).toEqual({ totalLines: all.length, hasMore: true, lines: all.slice(5, 8) });
    const end = await page(id, all.length - 1, 10);
    expect(end.logs).toMatchObject({ hasMore: false, lines: all.slice(-1) });
    expect((await page(id, all.length + 5, 10)).logs).toMatchObject({ hasMore: false, lines: [] });
    for (const [offset, limit, field] of [
      [0, 10_001, 'limit'],
      [-1, 10, 'offset'],
    ] as const) {
      const { status, body } = await gqlRaw(server.graphqlUrl, PAGE, { id, offset, limit });
      expect(status).toBe(200);
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it("a source that vanished ends COMPLETED_WITH_WARNINGS with borg's warning in the log", async () => {
    const kept = path.join(dir, 'kept');
    const vanishing = path.join(dir, 'vanishing');
    for (const dir of [kept, vanishing]) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'file.txt'), dir);
    }
    const repository = await addRepository('warn', [kept, vanishing]);
    rmSync(vanishing, { recursive: true });
    const id = await start(repository);
    const final = (await collectWs<{ jobProgress: { status: string; exitCode: number } }>(client, WATCH, { id })).at(-1)?.jobProgress;
    expect(final).toMatchObject({ status: 'COMPLETED_WITH_WARNINGS', exitCode: 1 });
    const log = await readAll(id);
    expect(log).toContainEqual(
      expect.objectContaining({ level: 'WARNING', content: expect.stringMatching(/vanishing: \[Errno 2\] No such file or directory/) }),
    );
    expect(log.map((line) => line.content)).toContain('borg create exited with code 1');
  });

  it('a repository locked by another borg fails with LockTimeout after the lock wait', async () => {
    const repository = await addRepository('locked', [path.join(dir, 'kept')]);
    const holder = execa('borg', ['with-lock', repository, 'sleep', '30'], {
      env: { BORG_BASE_DIR: path.join(dir, 'holder-base'), BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'yes' },
      reject: false,
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const id = await start(repository);
      const final = (await collectWs<{ jobProgress: { status: string; exitCode: number; errorMessage: string } }>(client, WATCH, { id })).at(-1)?.jobProgress;
      expect(final).toMatchObject({ status: 'FAILED', exitCode: 2 });
      expect(final?.errorMessage).toMatch(/^LockTimeout: repository is locked by another borg process/);
    } finally {
      holder.kill('SIGTERM');
      await holder;
    }
  });
});
