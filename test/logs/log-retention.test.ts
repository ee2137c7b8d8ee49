// LogRetention over a real, migrated SQLite file with the server's Prisma
// client: which jobs expire, what is deleted (and in how many batches), and
// what stays.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSqlitePrismaClient, type PrismaClient } from '../../src/db/client.js';
import type { SqliteDatabase } from '../../src/db/sqlite.js';
import { LogRetention } from '../../src/logs/log-retention.js';
import { LogStore } from '../../src/logs/log-store.js';
import { JobStatus } from '../../src/domain/job-status.js';
import { logDatabases, storedBlocks } from '../helpers/log-db.js';
import { SqliteLogStorage } from '../../src/logs/sqlite-log-storage.js';

const databases = logDatabases('retention');
const clients: PrismaClient[] = [];
afterAll(databases.remove);
afterEach(async () => {
  for (const client of clients.splice(0)) await client.$disconnect();
  databases.closeAll();
});

const NOW = new Date('2027-03-01T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

function setup(days: number) {
  const { db, file } = databases.fresh();
  const prisma = createSqlitePrismaClient(`file:${file}`);
  clients.push(prisma);
  const logs = new LogStore(new SqliteLogStorage(db), { blockLines: 10 });
  const retention = new LogRetention(new SqliteLogStorage(db), prisma, logs, { days, batchBlocks: 2 });
  /** A job with `lines` log lines (in blocks of 10), ended `endedDaysAgo` days before NOW (null: not ended). */
  async function job(status: JobStatus, endedDaysAgo: number | null, lines = 25): Promise<number> {
    const repositoryId = db.prepare('SELECT id FROM Repository LIMIT 1').pluck().get() as number;
    const row = await prisma.backupJob.create({
      data: { repositoryId, repositoryPath: '/srv/repo', status, completedAt: endedDaysAgo === null ? null : daysAgo(endedDaysAgo), createdAt: daysAgo(400) },
    });
    const writer = logs.writer(row.id);
    for (let n = 1; n <= lines; n++) writer.append(`line ${n}`);
    if (status !== JobStatus.RUNNING && status !== JobStatus.PENDING) writer.close();
    else writer.flush();
    return row.id;
  }
  return { db, prisma, logs, retention, job };
}

const expiredFlag = (db: SqliteDatabase, id: number) => db.prepare('SELECT logsExpired FROM BackupJob WHERE id = ?').pluck().get(id);

describe('LogRetention', () => {
  it('removes the lines of jobs that ended more than `days` ago, in batches; the jobs stay, marked logsExpired', async () => {
    const { db, prisma, logs, retention, job } = setup(90);
    const old = await job(JobStatus.COMPLETED, 91);
    const oldFailed = await job(JobStatus.FAILED, 365);
    const recent = await job(JobStatus.COMPLETED, 89);
    const report = await retention.sweep(NOW);
    // the longest ended first
    expect(report.expiredJobs).toEqual([oldFailed, old]);
    // 3 blocks each (lines 1–10, 11–20, 21–25), deleted two at a time
    expect(report.deletedBlocks).toBe(6);
    for (const id of [old, oldFailed]) {
      expect(storedBlocks(db, id)).toEqual([]);
      expect(expiredFlag(db, id)).toBe(1);
      expect(logs.read(id, 0, 100)).toEqual({ lines: [], totalLines: 0, hasMore: false });
    }
    expect(storedBlocks(db, recent)).toHaveLength(3);
    expect(expiredFlag(db, recent)).toBe(0);
    expect(logs.read(recent, 0, 100).totalLines).toBe(25);
    expect(await prisma.backupJob.count()).toBe(3);
    // nothing left to do
    expect(await retention.sweep(NOW)).toEqual({ expiredJobs: [], deletedBlocks: 0 });
  });

  // Was a cost: a backlog (a first start with retention on a year of history) was read whole and
  // expired one transaction per job; 750,000 jobs kept the event loop busy for minutes.
  it('expires a backlog a page of jobs at a time, with turns of the event loop between pages', async () => {
    const { db, prisma, logs } = setup(90);
    const repositoryId = db.prepare('SELECT id FROM Repository LIMIT 1').pluck().get() as number;
    const data = Array.from({ length: 230 }, () => ({ repositoryId, repositoryPath: '/srv/repo', status: JobStatus.COMPLETED, completedAt: daysAgo(200) }));
    await prisma.backupJob.createMany({ data });
    // the server's storage, counting its transactions
    const transactions: number[] = [];
    class CountingStorage extends SqliteLogStorage {
      override expire(ids: readonly number[], limit: number): number {
        transactions.push(ids.length);
        return super.expire(ids, limit);
      }
    }
    const retention = new LogRetention(new CountingStorage(db), prisma, logs, { days: 90, batchBlocks: 2 });
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    try {
      expect((await retention.sweep(NOW)).expiredJobs).toHaveLength(230);
    } finally {
      clearInterval(ticker);
    }
    expect(transactions).toEqual([50, 50, 50, 50, 30]);
    expect(turns).toBeGreaterThan(0);
    expect(await prisma.backupJob.count({ where: { logsExpired: true } })).toBe(230);
  });

  it('leaves unfinished jobs alone, and a finished one whose log is still open in the store', async () => {
    const { db, prisma, logs, retention, job } = setup(1);
    const running = await job(JobStatus.RUNNING, null);
    const pending = await job(JobStatus.PENDING, null);
    const stillOpen = await job(JobStatus.RUNNING, null);
    await prisma.backupJob.update({ where: { id: stillOpen }, data: { status: JobStatus.CANCELLED, completedAt: daysAgo(5) } });
    expect(logs.hasWriter(stillOpen)).toBe(true);
    expect((await retention.sweep(NOW)).expiredJobs).toEqual([]);
    for (const id of [running, pending, stillOpen]) expect(storedBlocks(db, id)).toHaveLength(3);
    logs.writer(stillOpen).close();
    expect((await retention.sweep(NOW)).expiredJobs).toEqual([stillOpen]);
  });

  it('finishes the deletion a sweep interrupted by a restart left (jobs marked, blocks still there)', async () => {
    const { db, retention, job } = setup(30);
    const id = await job(JobStatus.COMPLETED, 1);
    db.prepare('UPDATE BackupJob SET logsExpired = 1 WHERE id = ?').run(id);
    expect(await retention.sweep(NOW)).toEqual({ expiredJobs: [], deletedBlocks: 3 });
    expect(storedBlocks(db, id)).toEqual([]);
  });

  it('start(): a sweep that fails is retried within seconds, not at the next hourly sweep', async () => {
    const { db, prisma, logs, job } = setup(90);
    // start() sweeps at the real time: ended long enough before it
    const id = await job(JobStatus.COMPLETED, 1000);
    db.exec("CREATE TRIGGER fail_expiry BEFORE UPDATE OF logsExpired ON BackupJob BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    const errors: unknown[] = [];
    const successes: number[][] = [];
    const retention = new LogRetention(new SqliteLogStorage(db), prisma, logs, {
      days: 90,
      onError: (error) => errors.push(error),
      onSuccess: (report) => successes.push(report.expiredJobs),
    });
    retention.start();
    try {
      await expect.poll(() => errors.length).toBe(1);
      expect(String(errors[0])).toMatch(/disk is full/);
      db.exec('DROP TRIGGER fail_expiry');
      await expect.poll(() => successes, { timeout: 5000 }).toEqual([[id]]);
      expect(errors).toHaveLength(1);
      expect(storedBlocks(db, id)).toEqual([]);
    } finally {
      retention.stop();
    }
  });

  it('days = 0 keeps every log forever', async () => {
    const { db, retention, job } = setup(0);
    const id = await job(JobStatus.COMPLETED, 10_000);
    expect(await retention.sweep(NOW)).toEqual({ expiredJobs: [], deletedBlocks: 0 });
    expect(storedBlocks(db, id)).toHaveLength(3);
  });
});
