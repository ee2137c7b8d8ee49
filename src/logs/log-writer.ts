import { encodeLines, encodeLostLines, lostLine, type StoredBlock } from './log-blocks.js';
import { escapeLogText, type LogLine } from './log-line.js';
import { RetryBackoff, describeStorageError, type RetryDelays } from '../db/storage-health.js';

/** How writers batch, block and bound their lines (LogStoreOptions with defaults applied). */
export interface LogWriterSettings {
  flushIntervalMs: number;
  blockLines: number;
  maxBufferedLines: number;
  maxUnstoredLines: number;
  retryDelays: RetryDelays;
}

/** What a writer needs from the store it belongs to. */
export interface LogSink {
  readonly settings: LogWriterSettings;
  /** Writes the blocks (replacing one with the same first line) and the stored line count, in one transaction; throws on failure. */
  writeBlocks(jobId: number, blocks: StoredBlock[], storedLines: number): void;
  appended(jobId: number, line: LogLine): void;
  failed(writer: JobLogWriter, error: unknown): void;
  recovered(writer: JobLogWriter): void;
  /** close() was called: no more lines (whether or not they are all stored yet). */
  closed(writer: JobLogWriter): void;
  /** A closed writer stored its last line: the store can forget it. */
  settled(writer: JobLogWriter): void;
}

/** Lines dropped, oldest first, while storing failed for longer than memory could hold them. */
interface LostLines {
  first: number;
  last: number;
  reason: string;
}

/**
 * Lines arrive in bursts (borg lists thousands of files a second), so one
 * millisecond's Date serves every line of it: an object per line fewer.
 * Nothing mutates them.
 */
let clock = { ms: NaN, date: new Date(0) };

function now(): Date {
  const ms = Date.now();
  if (ms !== clock.ms) clock = { ms, date: new Date(ms) };
  return clock.date;
}

/**
 * Appends a job's log lines and stores them in compressed blocks (see
 * log-blocks.ts): a flush every second or once a block is full, never a
 * write per line, never the whole log in memory. Lines not stored yet are
 * still readable (`buffered`). The last block is kept in memory while it
 * fills and rewritten by the next flush, so quiet jobs get full blocks too.
 *
 * When storing fails (disk full, I/O error, locked database) nothing is
 * thrown at the caller: borg's lines keep being numbered and published,
 * the write is retried with backoff (not on every line), and only the
 * newest `maxUnstoredLines` wait in memory; older ones are dropped and
 * stored as a range of placeholder lines once writing works again.
 */
export class JobLogWriter {
  /** stored lines of the last, incomplete block */
  #tail: LogLine[] = [];
  /** lines not stored yet, numbered after #lost */
  #buffer: LogLine[] = [];
  #lost: LostLines | null = null;
  #stored: number;
  #total: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #backoff: RetryBackoff;
  #failure = '';

  constructor(
    readonly jobId: number,
    storedLines: number,
    private readonly sink: LogSink,
  ) {
    this.#stored = storedLines;
    this.#total = storedLines;
    this.#backoff = new RetryBackoff(sink.settings.retryDelays);
  }

  /** Lines written so far, stored or not. */
  get totalLines(): number {
    return this.#total;
  }

  /** Lines already in the database. */
  get flushedLines(): number {
    return this.#stored;
  }

  /** Whether close() was called: the writer takes no more lines. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether lines wait to be stored (after a failed write, until a retry succeeds). */
  get unstored(): boolean {
    return this.#lost !== null || this.#buffer.length > 0;
  }

  /**
   * Numbers and buffers one line (content and level escaped, see
   * escapeLogText); returns it as stored. Throws once the writer is closed:
   * onClose has told subscribers the log is complete, so a later line would
   * never reach them (open a new writer via LogStore.writer).
   */
  append(content: string, level: string | null = null, time: Date | null = now()): LogLine {
    if (this.#closed) throw new Error(`the log of job ${this.jobId} is closed: no more lines can be appended`);
    const line: LogLine = { lineNumber: ++this.#total, content: escapeLogText(content), level: level === null ? null : escapeLogText(level), time };
    this.#buffer.push(line);
    this.sink.appended(this.jobId, line);
    const { blockLines, maxBufferedLines } = this.sink.settings;
    if (this.#backoff.failing)
      this.#bound(); // the retry timer is armed
    else if (this.#buffer.length >= maxBufferedLines || this.#tail.length + this.#buffer.length >= blockLines) this.#tryFlush();
    else this.#timer ??= setTimeout(() => this.#fromTimer(), this.sink.settings.flushIntervalMs);
    return line;
  }

  /** Lines not stored yet with numbers in (after, after + limit]. */
  buffered(after: number, limit: number): LogLine[] {
    const to = Math.min(this.#total, after + limit);
    let n = Math.max(after, this.#stored) + 1;
    const lines: LogLine[] = [];
    const lost = this.#lost;
    if (lost) for (; n <= Math.min(to, lost.last); n++) lines.push(lostLine(n, lost.first, lost.last, lost.reason));
    if (n <= to) {
      const start = n - (lost ? lost.last + 1 : this.#stored + 1);
      lines.push(...this.#buffer.slice(start, start + to - n + 1));
    }
    return lines;
  }

  /** Stores the waiting lines now; throws when that fails (the lines stay, a retry is scheduled). */
  flush(): void {
    try {
      this.#write();
    } catch (error) {
      this.#failed(error);
      throw error;
    }
  }

  /**
   * Stores what waits and forgets the writer: the job's log is complete.
   * Never throws: when the final write fails, onClose still fires (the lines
   * stay readable from memory) and the write is retried until it succeeds.
   * Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#tryFlush();
    this.sink.closed(this);
  }

  /** Cancels the pending flush or retry (the store is shutting down). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fromTimer(): void {
    this.#timer = undefined;
    this.#tryFlush();
  }

  #tryFlush(): void {
    try {
      this.#write();
    } catch (error) {
      this.#failed(error);
    }
  }

  #write(): void {
    this.stop();
    if (this.#lost === null && this.#buffer.length === 0) return;
    const { blockLines } = this.sink.settings;
    const blocks: StoredBlock[] = [];
    let open = this.#tail;
    if (this.#lost) {
      blocks.push({ firstLine: this.#lost.first, lastLine: this.#lost.last, data: encodeLostLines(this.#lost.reason) });
      open = [];
    }
    const pending = open.length === 0 ? this.#buffer : open.concat(this.#buffer);
    let tail: LogLine[] = [];
    for (let i = 0; i < pending.length; i += blockLines) {
      const chunk = pending.slice(i, i + blockLines);
      blocks.push({ firstLine: chunk[0]!.lineNumber, lastLine: chunk.at(-1)!.lineNumber, data: encodeLines(chunk) });
      if (chunk.length < blockLines) tail = chunk;
    }
    this.sink.writeBlocks(this.jobId, blocks, this.#total);
    this.#stored = this.#total;
    this.#tail = tail;
    this.#buffer = [];
    this.#lost = null;
    if (this.#backoff.failing) {
      this.#backoff.succeeded();
      this.sink.recovered(this);
    }
    if (this.#closed) this.sink.settled(this);
  }

  #failed(error: unknown): void {
    this.#failure = describeStorageError(error);
    this.stop();
    this.#timer = setTimeout(() => this.#fromTimer(), this.#backoff.failed());
    this.#bound();
    try {
      this.sink.failed(this, error);
    } catch {
      // a failing reporter must not break the writer (this may run in a timer)
    }
  }

  /**
   * Keeps memory bounded while nothing can be stored: past maxUnstoredLines
   * waiting lines, the oldest tenth is dropped (one splice per tenth, not
   * one per line) and becomes part of the lost range.
   */
  #bound(): void {
    const { maxUnstoredLines } = this.sink.settings;
    if (this.#buffer.length <= maxUnstoredLines) return;
    const keep = maxUnstoredLines - Math.max(1, Math.floor(maxUnstoredLines / 10));
    const dropped = this.#buffer.splice(0, this.#buffer.length - keep);
    this.#lost = {
      first: this.#lost?.first ?? dropped[0]!.lineNumber,
      last: dropped.at(-1)!.lineNumber,
      reason: this.#failure,
    };
  }
}
