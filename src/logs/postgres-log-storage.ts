import type { SyncPostgres, Statement } from '../db/postgres.js';
import type { StoredBlock } from './log-blocks.js';
import type { LogStorage, StoredLogState } from './log-storage.js';

/** bytea arrives from the PostgreSQL thread as a Uint8Array (structured clone): the decoder wants a Buffer. */
const asBuffer = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength);

const deleteBatch = (jobId: number, limit: number): Statement => ({
  sql: `DELETE FROM "JobLogBlock" WHERE "jobId" = $1 AND "firstLine" IN (SELECT "firstLine" FROM "JobLogBlock" WHERE "jobId" = $1 ORDER BY "firstLine" LIMIT $2)`,
  params: [jobId, limit],
});

/**
 * Job logs in PostgreSQL (see LogStorage): the same blocks as on SQLite, in
 * `bytea`. A flush is one round trip whatever it holds: a multi-row INSERT
 * of its blocks (the last one replaced while it fills, ON CONFLICT) and the
 * line count, in one transaction.
 */
export class PostgresLogStorage implements LogStorage {
  readonly legacy = null;

  constructor(private readonly pg: SyncPostgres) {}

  job(jobId: number): StoredLogState | undefined {
    const [row] = this.pg.query<StoredLogState>('SELECT "logLineCount", "logsExpired" FROM "BackupJob" WHERE id = $1', [jobId]);
    return row;
  }

  readBlocks(jobId: number, from: number, to: number): StoredBlock[] {
    const rows = this.pg.query<{ firstLine: number; lastLine: number; data: Uint8Array }>(
      `SELECT "firstLine", "lastLine", data FROM "JobLogBlock"
       WHERE "jobId" = $1 AND "firstLine" <= $3 AND "lastLine" >= $2
         AND "firstLine" >= coalesce((SELECT max("firstLine") FROM "JobLogBlock" WHERE "jobId" = $1 AND "firstLine" <= $2), 0)
       ORDER BY "firstLine"`,
      [jobId, from, to],
    );
    return rows.map((row) => ({ firstLine: row.firstLine, lastLine: row.lastLine, data: asBuffer(row.data) }));
  }

  writeBlocks(jobId: number, blocks: readonly StoredBlock[], storedLines: number): void {
    const statements: Statement[] = [];
    if (blocks.length > 0) {
      const values = blocks.map((_, i) => `($1, $${i * 3 + 2}, $${i * 3 + 3}, $${i * 3 + 4})`).join(', ');
      statements.push({
        sql: `INSERT INTO "JobLogBlock" ("jobId", "firstLine", "lastLine", data) VALUES ${values}
              ON CONFLICT ("jobId", "firstLine") DO UPDATE SET "lastLine" = EXCLUDED."lastLine", data = EXCLUDED.data`,
        params: [jobId, ...blocks.flatMap((block) => [block.firstLine, block.lastLine, block.data])],
      });
    }
    statements.push({ sql: 'UPDATE "BackupJob" SET "logLineCount" = $1 WHERE id = $2', params: [storedLines, jobId] });
    this.pg.batch(statements, { transaction: true });
  }

  expire(jobIds: readonly number[], limit: number): number {
    if (jobIds.length === 0) return 0;
    const mark = { sql: 'UPDATE "BackupJob" SET "logsExpired" = true WHERE id = ANY($1::int[])', params: [[...jobIds]] };
    const results = this.pg.batch([mark, ...jobIds.map((jobId) => deleteBatch(jobId, limit))], { transaction: true });
    return results.slice(1).reduce((sum, result) => sum + result.rowCount, 0);
  }

  expiredWithBlocks(): number[] {
    return this.pg
      .query<{ jobId: number }>('SELECT DISTINCT b."jobId" FROM "BackupJob" j JOIN "JobLogBlock" b ON b."jobId" = j.id WHERE j."logsExpired"')
      .map((row) => row.jobId);
  }

  deleteBlocks(jobId: number, limit: number): number {
    return this.pg.batch([deleteBatch(jobId, limit)])[0]!.rowCount;
  }
}
