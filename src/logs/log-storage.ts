import type { LegacyLogLines } from './log-legacy.js';
import type { StoredBlock } from './log-blocks.js';

/** What the log store knows of a job from the database. */
export interface StoredLogState {
  /** lines stored (the next line gets logLineCount + 1) */
  logLineCount: number;
  /** the log retention removed the job's lines */
  logsExpired: boolean;
}

/**
 * Where the log store (log-store.ts) and the log retention (log-retention.ts)
 * keep job logs: compressed blocks (log-blocks.ts) in `JobLogBlock` and the
 * job's stored line count. Synchronous, so a read and going live happen in
 * one turn of the event loop (src/schema/log-follower.ts). One
 * implementation per database: SqliteLogStorage, PostgresLogStorage,
 * chosen by openLogStorage.
 */
export interface LogStorage {
  /** undefined for an unknown job */
  job(jobId: number): StoredLogState | undefined;
  /** the block holding line `from` (the last one starting at or before it), then the following ones up to line `to`, in order */
  readBlocks(jobId: number, from: number, to: number): StoredBlock[];
  /** writes the blocks (replacing one with the same first line) and the stored line count in one transaction; throws on failure */
  writeBlocks(jobId: number, blocks: readonly StoredBlock[], storedLines: number): void;
  /** marks the jobs' logs expired and deletes the first `limit` blocks of each, in one transaction; returns the blocks deleted */
  expire(jobIds: readonly number[], limit: number): number;
  /** jobs marked expired that still have blocks (a sweep was interrupted) */
  expiredWithBlocks(): number[];
  /** deletes a job's first `limit` blocks; returns how many */
  deleteBlocks(jobId: number, limit: number): number;
  /** lines that servers before block storage wrote one per row; only SQLite databases can have them */
  readonly legacy: LegacyLogLines | null;
}
