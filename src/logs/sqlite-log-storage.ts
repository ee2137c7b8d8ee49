import type { SqliteDatabase } from '../db/sqlite.js';
import { LegacyLogLines } from './log-legacy.js';
import type { StoredBlock } from './log-blocks.js';
import type { LogStorage, StoredLogState } from './log-storage.js';

/** Job logs in SQLite through prepared better-sqlite3 statements (see LogStorage). */
export class SqliteLogStorage implements LogStorage {
  readonly legacy: LegacyLogLines;
  readonly #sql;
  readonly #write: (jobId: number, blocks: readonly StoredBlock[], storedLines: number) => void;
  readonly #expire: (jobIds: readonly number[], limit: number) => number;

  constructor(db: SqliteDatabase) {
    this.legacy = new LegacyLogLines(db);
    this.#sql = {
      block: db.prepare('INSERT OR REPLACE INTO JobLogBlock (jobId, firstLine, lastLine, data) VALUES (?, ?, ?, ?)'),
      setCount: db.prepare('UPDATE BackupJob SET logLineCount = ? WHERE id = ?'),
      job: db.prepare<[number], { logLineCount: number; logsExpired: number }>('SELECT logLineCount, logsExpired FROM BackupJob WHERE id = ?'),
      blocks: db.prepare<{ jobId: number; from: number; to: number }, StoredBlock>(
        `SELECT firstLine, lastLine, data FROM JobLogBlock
         WHERE jobId = @jobId AND firstLine <= @to AND lastLine >= @from
           AND firstLine >= coalesce((SELECT max(firstLine) FROM JobLogBlock WHERE jobId = @jobId AND firstLine <= @from), 0)
         ORDER BY firstLine`,
      ),
      markExpired: db.prepare('UPDATE BackupJob SET logsExpired = 1 WHERE id = ?'),
      leftovers: db.prepare('SELECT DISTINCT b.jobId FROM BackupJob j JOIN JobLogBlock b ON b.jobId = j.id WHERE j.logsExpired = 1').pluck(),
      deleteBatch: db.prepare(
        'DELETE FROM JobLogBlock WHERE jobId = @jobId AND firstLine IN (SELECT firstLine FROM JobLogBlock WHERE jobId = @jobId ORDER BY firstLine LIMIT @limit)',
      ),
    };
    this.#write = db.transaction((jobId: number, blocks: readonly StoredBlock[], storedLines: number) => {
      for (const block of blocks) this.#sql.block.run(jobId, block.firstLine, block.lastLine, block.data);
      this.#sql.setCount.run(storedLines, jobId);
    });
    this.#expire = db.transaction((jobIds: readonly number[], limit: number) => {
      let deleted = 0;
      for (const jobId of jobIds) {
        this.#sql.markExpired.run(jobId);
        deleted += this.deleteBlocks(jobId, limit);
      }
      return deleted;
    });
  }

  job(jobId: number): StoredLogState | undefined {
    const row = this.#sql.job.get(jobId);
    return row && { logLineCount: row.logLineCount, logsExpired: row.logsExpired === 1 };
  }

  readBlocks(jobId: number, from: number, to: number): StoredBlock[] {
    return this.#sql.blocks.all({ jobId, from, to });
  }

  writeBlocks(jobId: number, blocks: readonly StoredBlock[], storedLines: number): void {
    this.#write(jobId, blocks, storedLines);
  }

  expire(jobIds: readonly number[], limit: number): number {
    return jobIds.length === 0 ? 0 : this.#expire(jobIds, limit);
  }

  expiredWithBlocks(): number[] {
    return this.#sql.leftovers.all() as number[];
  }

  deleteBlocks(jobId: number, limit: number): number {
    return this.#sql.deleteBatch.run({ jobId, limit }).changes;
  }
}
