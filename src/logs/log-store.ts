import { setImmediate as nextTurn } from 'node:timers/promises';
import { ValidationError } from '../domain/errors.js';
import { recordNotFound } from '../domain/ids.js';
import { decodeBlock, type StoredBlock } from './log-blocks.js';
import type { LogStorage, StoredLogState } from './log-storage.js';
import { MAX_LOG_PAGE, type LogLine, type LogPage } from './log-line.js';
import { JobLogWriter, type LogSink, type LogWriterSettings } from './log-writer.js';
import { DEFAULT_RETRY_DELAYS, type RetryDelays } from '../db/storage-health.js';

export { MAX_LOG_PAGE, escapeLogText, unescapeLogText, type LogLine, type LogPage } from './log-line.js';
export { JobLogWriter } from './log-writer.js';

export interface LogStoreOptions {
  /** flush waiting lines at least this often (every second: a crash loses at most the last one) */
  flushIntervalMs?: number;
  /**
   * lines per compressed block (default 1,000: ~9 bytes a line, and a page
   * of 1,000 lines decompresses one or two blocks, well under a ms)
   */
  blockLines?: number;
  /**
   * flush early once this many lines wait (default: a block's worth).
   * Lines that wait across young-generation GCs are promoted to the old
   * generation, which V8 lets grow to several times the live heap before
   * collecting it: 10,000-line batches made a 270,000 lines/s job grow the
   * server by ~150 MB (bench/logs.ts)
   */
  maxBufferedLines?: number;
  /**
   * lines kept in memory per job while storing fails (default 10,000); the
   * older ones are dropped and stored as placeholder lines later
   */
  maxUnstoredLines?: number;
  /** delays between retries of a failing write */
  retryDelays?: RetryDelays;
  /** called for every appended line, in order (live subscriptions) */
  onLine?: (jobId: number, line: LogLine) => void;
  /** called when a job's log is complete, after its last line (its lines are readable; see JobLogWriter.close) */
  onClose?: (jobId: number) => void;
  /** called when a write fails (database busy, disk full…); the lines stay in memory and the write is retried with backoff */
  onError?: (jobId: number, error: unknown) => void;
  /** called when a write succeeds after failing */
  onRecovered?: (jobId: number) => void;
}

/**
 * Durable, paged job logs in compressed blocks (`JobLogBlock`, see
 * log-blocks.ts and JobLogWriter), plus the lines older servers stored one
 * per row until they are converted (LegacyLogLines).
 */
export class LogStore implements LogSink {
  readonly settings: LogWriterSettings;
  readonly #options: LogStoreOptions;
  /** writers of open logs, and of closed ones whose last lines are not stored yet */
  readonly #writers = new Map<number, JobLogWriter>();
  readonly #storage: LogStorage;
  #stopped = false;

  constructor(storage: LogStorage, options: LogStoreOptions = {}) {
    const blockLines = options.blockLines ?? 1000;
    this.settings = {
      flushIntervalMs: options.flushIntervalMs ?? 1000,
      blockLines,
      maxBufferedLines: options.maxBufferedLines ?? blockLines,
      maxUnstoredLines: options.maxUnstoredLines ?? 10_000,
      retryDelays: options.retryDelays ?? DEFAULT_RETRY_DELAYS,
    };
    for (const [name, value] of Object.entries(this.settings)) {
      if (typeof value === 'number' && !(Number.isInteger(value) && value >= 1)) throw new RangeError(`${name} must be an integer ≥ 1`);
    }
    this.#options = options;
    this.#storage = storage;
  }

  #job(jobId: number): StoredLogState | undefined {
    return this.#storage.job(jobId);
  }

  /**
   * The writer of a job's log, opened on first use (continuing its
   * numbering). A closed writer whose last lines are still waiting is
   * flushed first: when that fails, its error is thrown (nothing is lost).
   */
  writer(jobId: number): JobLogWriter {
    let writer = this.#writers.get(jobId);
    if (writer?.closed) {
      writer.flush();
      writer = undefined;
    }
    if (!writer) {
      const job = this.#job(jobId);
      if (job === undefined) throw recordNotFound('job', jobId);
      writer = new JobLogWriter(jobId, job.logLineCount, this);
      this.#writers.set(jobId, writer);
    }
    return writer;
  }

  /**
   * Forgets the writer of a job whose log this process will not continue (a
   * queued job another node cancelled or claimed), so a later writer()
   * re-reads the stored numbering. Lines it still holds are flushed first.
   */
  forget(jobId: number): void {
    const writer = this.#writers.get(jobId);
    if (!writer) return;
    try {
      if (writer.unstored) writer.flush();
    } catch {
      // reported through onError; the log's owner now is another process
    }
    writer.stop();
    this.#writers.delete(jobId);
  }

  /** Whether this store holds lines of the job in memory (an open log, or one still waiting to be stored). */
  hasWriter(jobId: number): boolean {
    return this.#writers.has(jobId);
  }

  /** Number of lines of a job's log, including unstored ones; 0 once expired; null for an unknown job. */
  totalLines(jobId: number): number | null {
    const writer = this.#writers.get(jobId);
    if (writer) return writer.totalLines;
    const job = this.#job(jobId);
    if (!job) return null;
    return job.logsExpired ? 0 : job.logLineCount;
  }

  /**
   * The lines after the first `offset`, at most `limit` of them. Reads the
   * stored part from the database and the rest from the writer's memory, so
   * a running job's latest lines are visible at once. A job whose lines
   * expired (log retention) reads as an empty log: totalLines 0.
   */
  read(jobId: number, offset: number, limit: number): LogPage {
    if (!Number.isInteger(offset) || offset < 0) throw new ValidationError('offset must be an integer ≥ 0', 'offset');
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_LOG_PAGE) {
      throw new ValidationError(`limit must be an integer from 0 to ${MAX_LOG_PAGE}`, 'limit');
    }
    const writer = this.#writers.get(jobId);
    const totalLines = writer?.totalLines ?? this.totalLines(jobId);
    if (totalLines === null) throw recordNotFound('job', jobId);
    const end = Math.min(totalLines, offset + limit);
    const stored = writer?.flushedLines ?? totalLines;
    const lines = offset < stored && offset < end ? this.#readStored(jobId, offset, Math.min(end, stored)) : [];
    if (writer && end > stored) lines.push(...writer.buffered(Math.max(offset, stored), end - Math.max(offset, stored)));
    return { lines, totalLines, hasMore: end < totalLines };
  }

  /** Stored lines numbered in (after, end]. */
  #readStored(jobId: number, after: number, end: number): LogLine[] {
    const lines: LogLine[] = [];
    for (const block of this.#storage.readBlocks(jobId, after + 1, end)) {
      for (const line of decodeBlock(block, after + 1, end)) lines.push(line);
    }
    const legacy = this.#storage.legacy?.read(jobId, after, end) ?? [];
    return legacy.length === 0 ? lines : lines.concat(legacy).sort((a, b) => a.lineNumber - b.lineNumber);
  }

  /**
   * Moves lines that older servers stored one per row into blocks, a block
   * per turn of the event loop (a few ms each), until none is left.
   * Resolves with the number of blocks written; stops early on stop().
   */
  async convertLegacyLines(): Promise<number> {
    let converted = 0;
    const legacy = this.#storage.legacy;
    while (legacy && !this.#stopped && legacy.convertNext(this.settings.blockLines)) {
      converted++;
      await nextTurn();
    }
    return converted;
  }

  /** Flushes every writer (shutdown); failures are reported through onError, not thrown. */
  flushAll(): void {
    for (const writer of [...this.#writers.values()]) {
      try {
        writer.flush();
      } catch {
        // reported by the writer
      }
    }
  }

  /** Cancels every pending flush and retry and stops the legacy conversion (before the database closes). */
  stop(): void {
    this.#stopped = true;
    for (const writer of this.#writers.values()) writer.stop();
  }

  /** @internal LogSink */
  writeBlocks(jobId: number, blocks: StoredBlock[], storedLines: number): void {
    this.#storage.writeBlocks(jobId, blocks, storedLines);
  }

  /** @internal LogSink */
  appended(jobId: number, line: LogLine): void {
    this.#options.onLine?.(jobId, line);
  }

  /** @internal LogSink */
  failed(writer: JobLogWriter, error: unknown): void {
    this.#options.onError?.(writer.jobId, error);
  }

  /** @internal LogSink */
  recovered(writer: JobLogWriter): void {
    this.#options.onRecovered?.(writer.jobId);
  }

  /** @internal LogSink */
  closed(writer: JobLogWriter): void {
    if (!writer.unstored) this.settled(writer);
    this.#options.onClose?.(writer.jobId);
  }

  /** @internal LogSink */
  settled(writer: JobLogWriter): void {
    if (this.#writers.get(writer.jobId) === writer) this.#writers.delete(writer.jobId);
  }
}
