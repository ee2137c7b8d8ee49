import type { SqliteDatabase } from '../db/sqlite.js';
import { NotFoundError, ValidationError } from './errors.js';

/** One numbered line of a job's log. */
export interface LogLine {
  lineNumber: number;
  content: string;
  level: string | null;
  time: Date | null;
}

/** A page of a job's log: the lines after `offset`. */
export interface LogPage {
  lines: LogLine[];
  totalLines: number;
  hasMore: boolean;
}

/** DESIGN.md caps a page at 10,000 lines. */
export const MAX_LOG_PAGE = 10_000;

export interface LogStoreOptions {
  /** flush buffered lines at least this often (DESIGN.md: every second) */
  flushIntervalMs?: number;
  /**
   * flush early once this many lines wait, bounding memory on chatty jobs
   * (default 2,000: lines that wait in the buffer across young-generation
   * GCs are promoted to the old generation, which V8 lets grow to several
   * times the live heap before collecting it; 10,000-line batches made a
   * 270,000 lines/s job grow the server by ~150 MB, bench/logs.ts)
   */
  maxBufferedLines?: number;
  /** called for every appended line, in order (live subscriptions) */
  onLine?: (jobId: number, line: LogLine) => void;
  /** called when a job's log is complete, after its last line */
  onClose?: (jobId: number) => void;
  /**
   * called when a timer flush fails (database busy, disk full…); the batch
   * stays buffered and the flush is retried after another interval
   */
  onError?: (jobId: number, error: unknown) => void;
}

interface Statements {
  insert: import('better-sqlite3').Statement;
  setCount: import('better-sqlite3').Statement;
  count: import('better-sqlite3').Statement;
  page: import('better-sqlite3').Statement;
}

/**
 * Lines arrive in bursts (borg lists thousands of files a second), so one
 * millisecond's Date and its stored form serve every line of it: two
 * objects per line fewer to allocate and convert. Nothing mutates them.
 */
let clock = { ms: NaN, date: new Date(0), stored: '' };

function timeAt(ms: number): typeof clock {
  if (ms !== clock.ms) clock = { ms, date: new Date(ms), stored: '' };
  return clock;
}

/** Now, as a Date shared by the lines of the current millisecond. */
function now(): Date {
  return timeAt(Date.now()).date;
}

/** The ISO form Prisma's SQLite adapter writes, so both read the same column. */
function storedTime(time: Date): string {
  const at = timeAt(time.getTime());
  if (at.stored === '') at.stored = time.toISOString().replace('Z', '+00:00');
  return at.stored;
}

/**
 * Appends a job's log lines and writes them in batches: one transaction per
 * flush (every second or every `maxBufferedLines`), never one per line, and
 * never the whole log in memory. Lines not yet flushed are still readable.
 */
export class JobLogWriter {
  #buffer: LogLine[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushed: number;
  #total: number;
  #closed = false;

  constructor(
    readonly jobId: number,
    storedLines: number,
    private readonly store: LogStore,
  ) {
    this.#flushed = storedLines;
    this.#total = storedLines;
  }

  /** Lines written so far, flushed or not. */
  get totalLines(): number {
    return this.#total;
  }

  /** Lines already in the database. */
  get flushedLines(): number {
    return this.#flushed;
  }

  /** Whether close() was called: the writer takes no more lines. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Numbers and buffers one line; returns it as stored. Throws once the
   * writer is closed: onClose has told subscribers the log is complete, so a
   * later line would never reach them (open a new writer via LogStore.writer).
   */
  append(content: string, level: string | null = null, time: Date | null = now()): LogLine {
    if (this.#closed) throw new Error(`the log of job ${this.jobId} is closed: no more lines can be appended`);
    const line: LogLine = { lineNumber: ++this.#total, content, level, time };
    this.#buffer.push(line);
    this.store.options.onLine?.(this.jobId, line);
    if (this.#buffer.length >= this.store.options.maxBufferedLines) this.flush();
    else this.#armTimer();
    return line;
  }

  #armTimer(): void {
    this.#timer ??= setTimeout(() => this.#flushFromTimer(), this.store.options.flushIntervalMs);
  }

  /**
   * A throw from a timer callback is an uncaughtException that would stop
   * the server and every running job; report it instead, and retry later
   * (flush() keeps the failed batch buffered).
   */
  #flushFromTimer(): void {
    try {
      this.flush();
    } catch (error) {
      this.#armTimer();
      try {
        this.store.options.onError?.(this.jobId, error);
      } catch {
        // a failing reporter must not crash the timer either
      }
    }
  }

  /** Buffered lines with numbers in (after, after + limit]. */
  buffered(after: number, limit: number): LogLine[] {
    const start = Math.max(0, after - this.#flushed);
    return this.#buffer.slice(start, start + limit);
  }

  /** Writes the buffered lines and the job's line count in one transaction. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#buffer.length === 0) return;
    const lines = this.#buffer;
    this.store.writeBatch(this.jobId, lines, this.#total);
    this.#flushed += lines.length;
    this.#buffer = [];
  }

  /**
   * Flushes and forgets the writer: the job's log is complete. Idempotent.
   * When the final flush throws, the writer stays open (lines buffered,
   * onClose not called) so the caller can retry.
   */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    this.store.release(this);
  }
}

/** Durable, paged job logs in the `JobLogLine` table (see JobLogWriter). */
export class LogStore {
  readonly options: Required<Pick<LogStoreOptions, 'flushIntervalMs' | 'maxBufferedLines'>> &
    Pick<LogStoreOptions, 'onLine' | 'onClose' | 'onError'>;
  readonly #writers = new Map<number, JobLogWriter>();
  readonly #sql: Statements;
  readonly #insertMany: (jobId: number, lines: LogLine[], total: number) => void;

  constructor(
    private readonly db: SqliteDatabase,
    options: LogStoreOptions = {},
  ) {
    this.options = {
      flushIntervalMs: options.flushIntervalMs ?? 1000,
      maxBufferedLines: options.maxBufferedLines ?? 2_000,
      onLine: options.onLine,
      onClose: options.onClose,
      onError: options.onError,
    };
    this.#sql = {
      insert: db.prepare(
        'INSERT INTO JobLogLine (jobId, lineNumber, content, level, time) VALUES (?, ?, ?, ?, ?)',
      ),
      setCount: db.prepare('UPDATE BackupJob SET logLineCount = ? WHERE id = ?'),
      count: db.prepare('SELECT logLineCount FROM BackupJob WHERE id = ?').pluck(),
      page: db.prepare(
        'SELECT lineNumber, content, level, time FROM JobLogLine WHERE jobId = ? AND lineNumber > ? AND lineNumber <= ? ORDER BY lineNumber',
      ),
    };
    this.#insertMany = db.transaction((jobId: number, lines: LogLine[], total: number) => {
      for (const line of lines) {
        this.#sql.insert.run(jobId, line.lineNumber, line.content, line.level, line.time && storedTime(line.time));
      }
      this.#sql.setCount.run(total, jobId);
    });
  }

  /** The writer of a job's log, opened on first use (continuing its numbering). */
  writer(jobId: number): JobLogWriter {
    let writer = this.#writers.get(jobId);
    if (!writer) {
      const stored = this.#sql.count.get(jobId) as number | undefined;
      if (stored === undefined) throw new NotFoundError(`job ${jobId} not found`);
      writer = new JobLogWriter(jobId, stored, this);
      this.#writers.set(jobId, writer);
    }
    return writer;
  }

  /** @internal used by JobLogWriter.flush */
  writeBatch(jobId: number, lines: LogLine[], total: number): void {
    this.#insertMany(jobId, lines, total);
  }

  /** @internal used by JobLogWriter.close */
  release(writer: JobLogWriter): void {
    if (this.#writers.get(writer.jobId) === writer) this.#writers.delete(writer.jobId);
    this.options.onClose?.(writer.jobId);
  }

  /** Number of lines of a job's log, including unflushed ones; null for an unknown job. */
  totalLines(jobId: number): number | null {
    const writer = this.#writers.get(jobId);
    if (writer) return writer.totalLines;
    return (this.#sql.count.get(jobId) as number | undefined) ?? null;
  }

  /**
   * The lines after the first `offset`, at most `limit` of them. Reads the
   * flushed part from the database and the rest from the writer's buffer, so
   * a running job's latest lines are visible at once.
   */
  read(jobId: number, offset: number, limit: number): LogPage {
    if (!Number.isInteger(offset) || offset < 0) throw new ValidationError('offset must be an integer ≥ 0', 'offset');
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_LOG_PAGE) {
      throw new ValidationError(`limit must be an integer from 0 to ${MAX_LOG_PAGE}`, 'limit');
    }
    const writer = this.#writers.get(jobId);
    const totalLines = writer?.totalLines ?? this.totalLines(jobId);
    if (totalLines === null) throw new NotFoundError(`job ${jobId} not found`);
    const end = Math.min(totalLines, offset + limit);
    const flushed = writer?.flushedLines ?? totalLines;
    const lines: LogLine[] = [];
    if (offset < flushed && offset < end) {
      const rows = this.#sql.page.all(jobId, offset, Math.min(end, flushed)) as {
        lineNumber: number;
        content: string;
        level: string | null;
        time: string | null;
      }[];
      for (const row of rows) {
        lines.push({ ...row, time: row.time === null ? null : new Date(row.time) });
      }
    }
    if (writer && end > flushed) lines.push(...writer.buffered(Math.max(offset, flushed), end - Math.max(offset, flushed)));
    return { lines, totalLines, hasMore: end < totalLines };
  }

  /** Flushes every open writer (shutdown). */
  flushAll(): void {
    for (const writer of this.#writers.values()) writer.flush();
  }
}
