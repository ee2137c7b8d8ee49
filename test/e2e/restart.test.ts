import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { borg } from '../helpers/borg.js';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { ADD_REPOSITORY, START_BACKUP } from '../helpers/documents.js';
import { collectWs, gql, wsClient } from '../helpers/graphql.js';
import { tempDir } from '../helpers/server.js';

const JOB = `query($id: ID!) { job(id: $id) { id status errorMessage exitCode completedAt
  logs(limit: 10000) { totalLines lines { lineNumber content } } } }`;
const WATCH = `subscription($id: ID!) { jobProgress(id: $id) { id status errorMessage progress { originalSize } } }`;

type JobState = { id: string; status: string; errorMessage: string | null; logs: { totalLines: number; lines: { lineNumber: number; content: string }[] } };

/** The pid of the `borg create` working on `repository`, from /proc. */
function borgCreatePid(repository: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes('create') && argv.some((arg) => arg.startsWith(`${repository}::`))) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  throw new Error(`no borg create for ${repository}`);
}

describe('server restarts: kill -9 and SIGTERM', () => {
  const tmp = tempDir('restart');
  const dataDir = path.join(tmp.dir, 'data');
  const source = path.join(tmp.dir, 'src');
  const borgEnv = { BORG_BASE_DIR: path.join(dataDir, 'borg-base'), BORG_PASSPHRASE: '' };
  const servers: ChildServer[] = [];

  const spawn = async () => {
    const server = await spawnServer(dataDir);
    servers.push(server);
    return server;
  };
  const job = async (server: ChildServer, id: string) => (await gql<{ job: JobState }>(server.graphqlUrl, JOB, { id })).job;
  const start = async (server: ChildServer, repository: string) =>
    (await gql<{ startBackup: { job: { id: string } } }>(server.graphqlUrl, START_BACKUP, { r: repository })).startBackup.job.id;

  /** Adds a repository and starts a backup; resolves once borg has stored data. */
  async function runningBackup(server: ChildServer, name: string) {
    const repository = path.join(tmp.dir, 'repos', name);
    const input = { name, path: repository, sourcePaths: [source], encryption: 'none', initialize: true };
    await gql(server.graphqlUrl, ADD_REPOSITORY, { input });
    const id = await start(server, repository);
    const client = wsClient(server.wsUrl);
    const events: { status: string }[] = [];
    let resolveRunning!: () => void;
    const running = new Promise<void>((resolve) => (resolveRunning = resolve));
    const done = collectWs<{ jobProgress: { status: string; errorMessage: string | null; progress: { originalSize: number } } }>(
      client,
      WATCH,
      { id },
      (data) => {
        events.push(data.jobProgress);
        if (data.jobProgress.progress.originalSize > 0) resolveRunning();
      },
    ).catch((error: Error) => error);
    await running;
    // past the log store's one-second flush, so the lines so far are durable
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return { repository, id, client, done };
  }

  beforeAll(() => {
    mkdirSync(source, { recursive: true });
    // ~1.5 GB: borg needs several seconds for it even unencrypted, so it is still running when killed
    for (let i = 0; i < 6; i++) writeFileSync(path.join(source, `r${i}.bin`), randomBytes(256 * 1024 * 1024));
  }, 60_000);

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  }, 60_000);
  afterAll(() => tmp.cleanup());

  it('kill -9 of server and borg: the job ends FAILED with its log, the stale lock is broken, queued jobs run', async () => {
    const first = await spawn();
    const { repository, id, client } = await runningBackup(first, 'crashed');
    const queued = await start(first, repository);
    const before = await job(first, id);
    const borgPid = borgCreatePid(repository);

    // the whole service dies at once (as systemd kills a cgroup), leaving borg's lock
    process.kill(borgPid, 'SIGKILL');
    first.child.kill('SIGKILL');
    await first.exited;
    await client.dispose();
    const lockDir = path.join(repository, 'lock.exclusive');
    const [lock] = readdirSync(lockDir);
    expect(lock).toMatch(new RegExp(`\\.${borgPid}-0$`));
    // as after a container restart with a new hostname: borg will not clear it by itself
    const foreign = (lock as string).replace(/^[^@]+@/, 'old-container@');
    renameSync(path.join(lockDir, lock as string), path.join(lockDir, foreign));
    writeFileSync(path.join(repository, 'lock.roster'), JSON.stringify({ exclusive: [[foreign.replace(/\.\d+-\d+$/, ''), borgPid, 0]] }));

    const second = await spawn();
    expect(second.output()).toContain(`ended jobs interrupted by the previous server: ${id}`);
    const after = await job(second, id);
    expect(after).toMatchObject({ status: 'FAILED', errorMessage: 'interrupted by server restart' });
    const lines = after.logs.lines.map((line) => line.content);
    // what was flushed before the crash survived (README "Job lifecycle": a crash loses at most the
    // last second), and the numbering continues without a gap
    const kept = lines.indexOf('interrupted by server restart');
    expect(kept).toBeGreaterThanOrEqual(3);
    expect(lines.slice(0, kept)).toEqual(before.logs.lines.slice(0, kept).map((line) => line.content));
    expect(after.logs.lines.map((line) => line.lineNumber)).toEqual(lines.map((_, i) => i + 1));
    expect(lines).toContain('interrupted by server restart');
    expect(lines.some((line) => line.startsWith(`removed the stale lock old-container@`))).toBe(true);
    expect(lines.at(-1)).toBe('job failed');

    // the job queued behind it runs after the restart, on the unlocked repository
    const client2 = wsClient(second.wsUrl);
    const final = (await collectWs<{ jobProgress: { status: string } }>(client2, WATCH, { id: queued })).at(-1);
    expect(final?.jobProgress.status).toBe('COMPLETED');
    expect((await job(second, queued)).logs.lines.map((l) => l.content)).toContain('queued again after a server restart');
    await client2.dispose();
  }, 120_000);

  it('SIGTERM stops borg cleanly (checkpoint kept), records the job CANCELLED, closes subscriptions and exits', async () => {
    const server = await spawn();
    const { repository, id, client, done } = await runningBackup(server, 'stopped');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('SIGTERM received');
    // the subscriber saw the end and was completed, not left hanging
    const events = await done;
    expect(Array.isArray(events) ? events.at(-1)?.jobProgress.status : events).toBe('CANCELLED');
    await client.dispose();

    const list = await borg(['list', '--lock-wait', '0', '--consider-checkpoints', '--short', repository], borgEnv);
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/\.checkpoint/);

    const restarted = await spawn();
    const after = await job(restarted, id);
    expect(after).toMatchObject({ status: 'CANCELLED', errorMessage: 'cancelled: server received SIGTERM' });
    expect(after.logs.lines.map((line) => line.content)).toContain('stopping: server received SIGTERM');
  }, 120_000);
});
