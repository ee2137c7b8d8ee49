// The log store over PostgreSQL (PostgresLogStorage): the same blocks as on
// SQLite in bytea, written in one round trip per flush, read by offset with
// the same pages, continued after a restart, expired in batches. The twin of
// the SQLite storage tests (log-store.test.ts, log-storage.test.ts) for what
// differs: the SQL. Runs in the PostgreSQL pass (BORGQL_TEST_DATABASE=postgres).
import { afterAll, describe, expect, it } from 'vitest';
import { SyncPostgres } from '../../src/db/postgres.js';
import { applyPostgresMigrations, resolvePostgresMigrationsDir } from '../../src/db/postgres-migrate.js';
import { LogStore, type LogLine } from '../../src/logs/log-store.js';
import { PostgresLogStorage } from '../../src/logs/postgres-log-storage.js';
import { createTestDatabase, dropTestDatabase, onPostgres } from '../helpers/test-database.js';

describe.runIf(onPostgres)('PostgresLogStorage', () => {
  const opened: { name: string; pg: SyncPostgres }[] = [];
  afterAll(async () => {
    for (const { name, pg } of opened) {
      pg.close();
      await dropTestDatabase(name);
    }
  });

  async function database(): Promise<{ pg: SyncPostgres; jobId: number }> {
    const { name, url } = await createTestDatabase();
    const pg = new SyncPostgres(url);
    opened.push({ name, pg });
    applyPostgresMigrations(pg, resolvePostgresMigrationsDir());
    const [repository] = pg.query<{ id: number }>(
      `INSERT INTO "Repository" (name, path, "sourcePaths", "updatedAt") VALUES ('r', '/srv/r', '["/data"]', now()) RETURNING id`,
    );
    const [job] = pg.query<{ id: number }>(`INSERT INTO "BackupJob" ("repositoryId", "repositoryPath") VALUES ($1, '/srv/r') RETURNING id`, [repository!.id]);
    return { pg, jobId: job!.id };
  }

  const plain = (line: LogLine) => ({ lineNumber: line.lineNumber, content: line.content, level: line.level, time: line.time?.getTime() ?? null });

  it('stores blocks, reads every page by offset while running and after, and continues the numbering in a new store', async () => {
    const { pg, jobId } = await database();
    const store = new LogStore(new PostgresLogStorage(pg), { blockLines: 10, maxBufferedLines: 7 });
    const writer = store.writer(jobId);
    const lines: LogLine[] = [];
    for (let i = 1; i <= 45; i++)
      lines.push(writer.append(`line ${i} ✓`, i % 3 === 0 ? 'WARNING' : null, i % 4 === 0 ? null : new Date(Date.UTC(2026, 11, 2, 8, 0, i))));
    // part stored (flushed by count, the last block rewritten while it fills), part still in memory
    expect(writer.flushedLines).toBeGreaterThan(0);
    expect(writer.flushedLines).toBeLessThan(45);
    for (const offset of [0, 1, 9, 10, 11, 20, 44, 45]) {
      for (const limit of [1, 10, 100]) {
        expect(store.read(jobId, offset, limit).lines.map(plain)).toEqual(lines.slice(offset, offset + limit).map(plain));
      }
    }
    writer.close();
    const blocks = pg.query<{ firstLine: number; lastLine: number }>('SELECT "firstLine", "lastLine" FROM "JobLogBlock" WHERE "jobId" = $1 ORDER BY 1', [
      jobId,
    ]);
    expect(blocks).toEqual([1, 11, 21, 31, 41].map((first) => ({ firstLine: first, lastLine: Math.min(first + 9, 45) })));

    const again = new LogStore(new PostgresLogStorage(pg), { blockLines: 10 });
    expect(again.totalLines(jobId)).toBe(45);
    const page = again.read(jobId, 40, 10);
    expect(page.lines.map(plain)).toEqual(lines.slice(40).map(plain));
    expect(page).toMatchObject({ totalLines: 45, hasMore: false });
    expect(again.writer(jobId).append('after restart').lineNumber).toBe(46);
    again.writer(jobId).close();
    expect(again.read(jobId, 44, 10).lines.map((line) => line.content)).toEqual(['line 45 ✓', 'after restart']);
    expect(again.totalLines(999_999)).toBeNull();
  });

  it('expires a job’s log: marked in the same transaction as its first batch, the rest in batches', async () => {
    const { pg, jobId } = await database();
    const storage = new PostgresLogStorage(pg);
    const store = new LogStore(storage, { blockLines: 2 });
    const writer = store.writer(jobId);
    for (let i = 1; i <= 9; i++) writer.append(`line ${i}`);
    writer.close();
    expect(storage.expire([jobId], 2)).toBe(2);
    expect(storage.job(jobId)).toEqual({ logLineCount: 9, logsExpired: true });
    expect(storage.expiredWithBlocks()).toEqual([jobId]);
    expect(storage.deleteBlocks(jobId, 100)).toBe(3);
    expect(storage.expiredWithBlocks()).toEqual([]);
    expect(store.read(jobId, 0, 10)).toEqual({ lines: [], totalLines: 0, hasMore: false });
  });
});
