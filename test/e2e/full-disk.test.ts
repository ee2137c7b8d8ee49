// A real full data disk (issue 10): the server runs as its own process in a
// private mount namespace whose data folder is a small tmpfs; the repository
// and the sources live outside it. Once borg runs, the tmpfs is filled: the
// log and job writes fail (SQLITE_FULL), borg itself fails writing its cache
// there. The job must still end FAILED with the cause, /healthz must say 503,
// cancelBackup must answer a typed error, and once space is freed everything
// kept in memory must reach the database (checked after a restart).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTree } from '../helpers/borg.js';
import { spawnServer, type ChildServer, type Launcher } from '../helpers/child-server.js';
import { ADD_REPOSITORY_OR_ERROR, START_BACKUP } from '../helpers/documents.js';
import { gql } from '../helpers/graphql.js';
import { tempDir } from '../helpers/server.js';
import { onPostgres } from '../helpers/test-database.js';

/** Why a private mount namespace with a tmpfs cannot be made here, or null when it can. */
function namespaceUnavailable(): string | null {
  try {
    execFileSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o size=1m tmpfs ${JSON.stringify(tmpdir())}`], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return `unshare -m + mount tmpfs failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
  }
}
const unavailable = namespaceUnavailable();
if (unavailable) console.warn(`full-disk test skipped: ${unavailable}`);

type Job = { status: string; errorMessage: string | null; logs: { totalLines: number; lines: { lineNumber: number; content: string }[] } };
const JOB = `query($id: ID!) { job(id: $id) { status errorMessage logs(offset: 0, limit: 10000) { totalLines lines { lineNumber content } } } }`;
const LOG_END = `query($id: ID!, $offset: Int!) { job(id: $id) { logs(offset: $offset, limit: 10) { totalLines lines { lineNumber content } } } }`;
const CANCEL = `mutation($id: ID!) { cancelBackup(id: $id) { __typename ... on Error { message } } }`;

/** A process holding a private mount namespace with a tmpfs on `dir`, until killed. */
async function holdNamespace(dir: string, size: string): Promise<ChildProcess> {
  const holder = spawn(
    'unshare',
    ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=${size} tmpfs "$1" && echo mounted && exec sleep 100000`, 'sh', dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('mounted') && resolve());
    holder.on('exit', (code) => reject(new Error(`namespace holder exited with ${code}`)));
  });
  return holder;
}

/** Writes zeros into `file` until the file system is full. */
function fill(file: string): number {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}

const health = async (server: ChildServer) => {
  const response = await fetch(`${server.url}/healthz`);
  return { status: response.status, body: (await response.json()) as { status: string; detail?: string } };
};

// the full disk is the data folder's, which holds the database only on SQLite
describe.skipIf(unavailable !== null || onPostgres)('a full data disk', () => {
  const tmp = tempDir('fulldisk');
  const dataDir = path.join(tmp.dir, 'data');
  const sources = path.join(tmp.dir, 'sources');
  const repository = path.join(tmp.dir, 'repo');
  let holder: ChildProcess;
  let server: ChildServer | undefined;
  /** dataDir as the processes inside the namespace see it (the tmpfs) */
  let inside: (name: string) => string;
  let launcher: Launcher;

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    // enough files that borg still runs well after its first 1,000 log lines (about 1,000 files a second here)
    makeTree(sources, 8_000, 1_000, 500);
    holder = await holdNamespace(dataDir, '32m');
    inside = (name) => path.join(`/proc/${holder.pid}/root`, dataDir, name);
    // nsenter starts in the namespace's root folder unless told to stay in the server's
    launcher = (command, args) => ['nsenter', ['-t', String(holder.pid), '-m', `--wd=${process.cwd()}`, '--', command, ...args]];
    server = await spawnServer(dataDir, {}, undefined, launcher);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    holder?.kill('SIGKILL');
    tmp.cleanup();
  }, 120_000);

  it('the job ends FAILED with the cause, /healthz says 503 and cancel answers a typed error; freed space brings everything to the database', async () => {
    const running = server!;
    const { addRepository } = await gql<{ addRepository: { __typename: string } }>(running.graphqlUrl, ADD_REPOSITORY_OR_ERROR, {
      input: { name: 'full', path: repository, sourcePaths: [sources], encryption: 'none', initialize: true },
    });
    expect(addRepository.__typename).toBe('AddRepositorySuccess');
    const { startBackup } = await gql<{ startBackup: { job: { id: string } } }>(running.graphqlUrl, START_BACKUP, { r: repository });
    const id = startBackup.job.id;
    await expect
      .poll(async () => (await gql<{ job: Job }>(running.graphqlUrl, LOG_END, { id, offset: 0 })).job.logs.totalLines, { timeout: 60_000, interval: 50 })
      .toBeGreaterThan(1000);
    expect((await gql<{ job: Job }>(running.graphqlUrl, JOB, { id })).job.status).toBe('RUNNING');

    // SQLite reuses the space its write-ahead log already holds: empty it first, so the very next write needs new space
    const db = new Database(inside('borgql.db'));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const filler = inside('filler');
    expect(fill(filler)).toBeGreaterThan(0);

    await expect.poll(async () => (await health(running)).status, { timeout: 30_000, interval: 200 }).toBe(503);
    expect((await health(running)).body).toEqual({ status: 'error', detail: expect.stringMatching(/^cannot save .* since .*: the data disk is full/) });
    await expect.poll(async () => (await gql<{ job: Job }>(running.graphqlUrl, JOB, { id })).job.status, { timeout: 120_000, interval: 500 }).toBe('FAILED');
    const failed = (await gql<{ job: Job }>(running.graphqlUrl, JOB, { id })).job;
    expect(failed.errorMessage).toMatch(/No space left on device|Errno 28/);
    expect((await gql<{ cancelBackup: { __typename: string } }>(running.graphqlUrl, CANCEL, { id })).cancelBackup.__typename).toBe('JobNotCancellableError');
    // still full: the final state waits in memory
    expect((await health(running)).status).toBe(503);
    const total = failed.logs.totalLines;
    const { job: end } = await gql<{ job: Job }>(running.graphqlUrl, LOG_END, { id, offset: total - 1 });
    expect(end.logs.lines.map((line) => line.content)).toEqual(['job failed']);

    rmSync(filler);
    await expect.poll(async () => (await health(running)).body, { timeout: 60_000, interval: 500 }).toEqual({ status: 'ok' });
    expect(await running.stop()).toBe(0);

    server = await spawnServer(dataDir, {}, undefined, launcher);
    const restarted = (await gql<{ job: Job }>(server.graphqlUrl, JOB, { id })).job;
    expect(restarted.status).toBe('FAILED');
    expect(restarted.errorMessage).toBe(failed.errorMessage);
    expect(restarted.logs.totalLines).toBe(total);
    const { job: storedEnd } = await gql<{ job: Job }>(server.graphqlUrl, LOG_END, { id, offset: total - 1 });
    expect(storedEnd.logs.lines).toEqual([{ lineNumber: total, content: 'job failed' }]);
  }, 300_000);
});
