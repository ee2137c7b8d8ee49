// LogStore + JobLogWriter over a real, migrated SQLite file (README "Job lifecycle", Logs):
// stable 1-based numbers, lines readable by offset while buffered and after
// flush, batches flushed by count and by timer, pages capped at 10,000.
// Storage details (blocks, escaping, failing writes, old rows) are in
// log-storage.test.ts.
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SqliteDatabase } from '../../src/db/sqlite.js';
import { NotFoundError, ValidationError } from '../../src/domain/errors.js';
import { LogStore, MAX_LOG_PAGE, type LogLine, type LogStoreOptions } from '../../src/logs/log-store.js';
import { breakBlockWrites, logDatabases, newJob, plain, storedCount, storedLines } from '../helpers/log-db.js';
import { SqliteLogStorage } from '../../src/logs/sqlite-log-storage.js';

const databases = logDatabases('logstore');
const freshDatabase = databases.fresh;
const reopen = databases.reopen;
afterAll(databases.remove);

afterEach(() => {
  vi.useRealTimers();
  databases.closeAll();
});

/** A store whose timer never fires during a test unless asked (fake timers). */
function store(db: SqliteDatabase, options: LogStoreOptions = {}): LogStore {
  return new LogStore(new SqliteLogStorage(db), { flushIntervalMs: 1000, ...options });
}

describe('LogStore numbering', () => {
  beforeEach(() => vi.useFakeTimers());

  it('numbers lines from 1, stores content, level and time, and reads them back', () => {
    const { db } = freshDatabase();
    const jobId = newJob(db);
    const logs = store(db);
    const writer = logs.writer(jobId);
    const at = new Date('2026-11-26T09:42:37.123Z');
    expect(writer.append('first', 'INFO', at)).toEqual({ lineNumber: 1, content: 'first', level: 'INFO', time: at });
    expect(writer.append('second, no level, no time', null, null).lineNumber).toBe(2);
    const third = writer.append('ümlaut ✓ and a\ttab');
    expect(third.lineNumber).toBe(3);
    expect(third.content).toBe('ümlaut ✓ and a\\ttab'); // control characters are stored escaped
    expect(third.level).toBeNull();
    expect(third.time).toBeInstanceOf(Date);
    writer.close();
    expect(storedLines(db, jobId).map(plain)).toEqual([
      { lineNumber: 1, content: 'first', level: 'INFO', time: at.getTime() },
      { lineNumber: 2, content: 'second, no level, no time', level: null, time: null },
      { lineNumber: 3, content: 'ümlaut ✓ and a\\ttab', level: null, time: third.time!.getTime() },
    ]);
    expect(logs.read(jobId, 0, 10).lines.map(plain)).toEqual([
      { lineNumber: 1, content: 'first', level: 'INFO', time: at.getTime() },
      { lineNumber: 2, content: 'second, no level, no time', level: null, time: null },
      plain(third),
    ]);
  });

  it('returns the same writer for a job until it is closed; jobs are numbered independently', () => {
    const { db } = freshDatabase();
    const a = newJob(db);
    const b = newJob(db);
    const logs = store(db);
    expect(logs.writer(a)).toBe(logs.writer(a));
    logs.writer(a).append('a1');
    logs.writer(b).append('b1');
    logs.writer(a).append('a2');
    expect(logs.writer(b).append('b2').lineNumber).toBe(2);
    expect(logs.totalLines(a)).toBe(2);
    logs.flushAll();
    expect(storedLines(db, a).map((l) => l.content)).toEqual(['a1', 'a2']);
    expect(storedLines(db, b).map((l) => l.content)).toEqual(['b1', 'b2']);
  });

  it('continues the numbering after close, and after reopening the database in a new store', () => {
    const { db, file } = freshDatabase();
    const jobId = newJob(db);
    const logs = store(db);
    for (let i = 1; i <= 3; i++) logs.writer(jobId).append(`line ${i}`);
    logs.writer(jobId).close();
    expect(logs.writer(jobId).append('line 4').lineNumber).toBe(4);
    logs.writer(jobId).close();
    db.close();
    const again = reopen(file);
    const logs2 = store(again);
    expect(logs2.totalLines(jobId)).toBe(4);
    expect(logs2.writer(jobId).append('line 5').lineNumber).toBe(5);
    logs2.writer(jobId).close();
    expect(storedLines(again, jobId).map((l) => [l.lineNumber, l.content])).toEqual([
      [1, 'line 1'],
      [2, 'line 2'],
      [3, 'line 3'],
      [4, 'line 4'],
      [5, 'line 5'],
    ]);
  });

  it('after a crash, flushed lines survive and numbering continues from them (unflushed ones are lost)', () => {
    const { db, file } = freshDatabase();
    const jobId = newJob(db);
    const logs = store(db, { maxBufferedLines: 3 });
    const writer = logs.writer(jobId);
    for (let i = 1; i <= 5; i++) writer.append(`line ${i}`);
    expect(writer.flushedLines).toBe(3);
    // the process dies: no flush, no close
    vi.clearAllTimers();
    db.close();
    const again = reopen(file);
    const logs2 = store(again);
    expect(logs2.read(jobId, 0, 100)).toMatchObject({ totalLines: 3, hasMore: false });
    expect(logs2.read(jobId, 0, 100).lines.map((l) => l.content)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(logs2.writer(jobId).append('after restart').lineNumber).toBe(4);
  });

  it('an unknown job has no writer (NotFoundError), no total (null) and no log (NotFoundError)', () => {
    const { db } = freshDatabase();
    const logs = store(db);
    expect(() => logs.writer(999)).toThrow(NotFoundError);
    expect(logs.totalLines(999)).toBeNull();
    expect(() => logs.read(999, 0, 10)).toThrow(NotFoundError);
    expect(() => logs.read(999, 0, 10)).toThrow('job 999 not found');
  });
});

describe('LogStore.read', () => {
  beforeEach(() => vi.useFakeTimers());

  /** 7 lines: 1–4 flushed by count, 5–7 buffered. */
  function halfFlushed() {
    const { db, file } = freshDatabase();
    const jobId = newJob(db);
    const logs = store(db, { maxBufferedLines: 4 });
    const writer = logs.writer(jobId);
    const lines: LogLine[] = [];
    for (let i = 1; i <= 7; i++) {
      const time = i % 3 === 0 ? null : new Date(Date.UTC(2026, 10, 26, 9, 0, i, i));
      lines.push(writer.append(`line ${i}`, i % 2 === 0 ? 'WARNING' : null, time));
    }
    return { db, file, jobId, logs, writer, lines };
  }

  /** Every offset/limit pair on the 7-line log, against the expected slice. */
  function checkEveryPage(logs: LogStore, jobId: number, lines: LogLine[]) {
    const all = lines.map(plain);
    for (let offset = 0; offset <= 10; offset++) {
      for (let limit = 0; limit <= 10; limit++) {
        const page = logs.read(jobId, offset, limit);
        const label = `offset ${offset}, limit ${limit}`;
        expect(page.lines.map(plain), label).toEqual(all.slice(offset, offset + limit));
        expect(page.totalLines, label).toBe(7);
        expect(page.hasMore, label).toBe(Math.min(7, offset + limit) < 7);
      }
    }
  }

  it('the flushed/buffered seam: every offset/limit gives the right lines, no gap, no duplicate', () => {
    const { jobId, logs, writer, lines } = halfFlushed();
    expect(writer.flushedLines).toBe(4);
    expect(writer.totalLines).toBe(7);
    checkEveryPage(logs, jobId, lines);
  });

  it('the same pages, with the same content, after the rest is flushed, after close, and from a reopened database', () => {
    const { db, file, jobId, logs, writer, lines } = halfFlushed();
    writer.flush();
    expect(writer.flushedLines).toBe(7);
    checkEveryPage(logs, jobId, lines);
    writer.close();
    checkEveryPage(logs, jobId, lines);
    db.close();
    checkEveryPage(store(reopen(file)), jobId, lines);
  });

  it('an offset beyond the end gives no lines and hasMore false', () => {
    const { jobId, logs } = halfFlushed();
    expect(logs.read(jobId, 7, 10)).toEqual({ lines: [], totalLines: 7, hasMore: false });
    expect(logs.read(jobId, 500, 10)).toEqual({ lines: [], totalLines: 7, hasMore: false });
  });

  it('a job with no lines yet reads as an empty page', () => {
    const { db } = freshDatabase();
    const jobId = newJob(db);
    const logs = store(db);
    expect(logs.read(jobId, 0, 1000)).toEqual({ lines: [], totalLines: 0, hasMore: false });
    logs.writer(jobId);
    expect(logs.read(jobId, 0, 1000)).toEqual({ lines: [], totalLines: 0, hasMore: false });
  });

  it('validates offset and limit before looking the job up', () => {
    const { db } = freshDatabase();
    const jobId = newJob(db);
    const logs = store(db);
    const fails = (offset: number, limit: number, field: string) => {
      let error: unknown;
      try {
        logs.read(jobId, offset, limit);
      } catch (e) {
        error = e;
      }
      expect(error, `${offset}/${limit}`).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(field);
    };
    fails(-1, 10, 'offset');
    fails(1.5, 10, 'offset');
    fails(Number.NaN, 10, 'offset');
    fails(0, MAX_LOG_PAGE + 1, 'limit');
    fails(0, 1_000_000, 'limit');
    fails(0, -1, 'limit');
    fails(0, 2.5, 'limit');
    expect(() => logs.read(999, -1, 10)).toThrow(ValidationError);
    expect(() => logs.read(999, 0, MAX_LOG_PAGE + 1)).toThrow(ValidationError);
    expect(MAX_LOG_PAGE).toBe(10_000);
  });

  it('a page of exactly 10,000 lines is allowed and spans the seam', () => {
    const { db } = freshDatabase();
    const jobId = newJob(db);
    const logs = store(db, { blockLines: 6000 });
    const writer = logs.writer(jobId);
    for (let i = 1; i <= 10_500; i++) writer.append(`l${i}`, null, null);
    expect(writer.flushedLines).toBe(6000);
    const page = logs.read(jobId, 250, MAX_LOG_PAGE);
    expect(page.lines).toHaveLength(10_000);
    expect(page.lines[0]!.lineNumber).toBe(251);
    expect(page.lines.at(-1)!.lineNumber).toBe(10_250);
    expect(page.lines.every((line, i) => line.lineNumber === 251 + i && line.content === `l${251 + i}`)).toBe(true);
    expect(page.hasMore).toBe(true);
    writer.close();
  });
});

describe('LogStore flushing', () => {
  beforeEach(() => vi.useFakeTimers());

  it('flushes by count: the batch is written synchronously when maxBufferedLines lines wait', () => {
    const { db } = freshDatabase();
    const jobId = newJob(db);
    const writer = store(db, { maxBufferedLines: 3 }).writer(jobId);
    writer.append('1');
    writer.append('2');
    expect(storedLines(db, jobId)).toHaveLength(0);
    writer.append('3');
    expect(storedLines(db, jobId)).toHaveLength(3);
    expect(storedCount(db, jobId)).toBe(3);
    writer.append('4');
    expect(writer.flushedLines).toBe(3);
    expect(storedCount(db, jobId)).toBe(3);
  });

  it('flushes by timer within flushIntervalMs of the first unflushed line; later lines do not postpone it', () => {
    const { db } = freshDatabase();
    const jobId = newJob(db);
    const writer = store(db).writer(jobId);
    writer.append('a');
    vi.advanceTimersByTime(600);
    writer.append('b'); // must not restart the one-second clock
    vi.advanceTimersByTime(399);
    expect(storedLines(db, jobId)).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(storedLines(db, jobId).map((l) => l.content)).toEqual(['a', 'b']);
    expect(storedCount(db, jobId)).toBe(2);
    // nothing buffered: no timer pending
    expect(vi.getTimerCount()).toBe(0);
    writer.append('c');
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(storedLines(db, jobId).map((l) => l.content)).toEqual(['a', 'b', 'c']);
  });

  it('a flush by count cancels the pending timer', () => {
    const { db } = freshDatabase();
    const jobId = newJob(db);
    const writer = store(db, { maxBufferedLines: 2 }).writer(jobId);
    writer.append('a');
    expect(vi.getTimerCount()).toBe(1);
    writer.append('b');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('flush with nothing buffered writes nothing; flushAll flushes every open writer', () => {
    const { db } = freshDatabase();
    const a = newJob(db);
    const b = newJob(db);
    const logs = store(db);
    logs.writer(a).flush();
    expect(storedCount(db, a)).toBe(0);
    logs.writer(a).append('a');
    logs.writer(b).append('b');
    logs.flushAll();
    expect(storedCount(db, a)).toBe(1);
    expect(storedCount(db, b)).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('logLineCount and the lines are written in one transaction: a failing batch leaves neither', () => {
    const { db } = freshDatabase();
    const jobId = newJob(db);
    const writer = store(db, { blockLines: 2 }).writer(jobId);
    // lines wait while writes fail, so the next flush is a batch of three blocks
    const failing = breakBlockWrites(db);
    for (let i = 1; i <= 5; i++) writer.append(`line ${i}`);
    failing.heal();
    // its third block (line 5) fails to insert
    breakBlockWrites(db, 'NEW.firstLine = 5');
    expect(() => writer.flush()).toThrow(/disk is full/);
    expect(storedCount(db, jobId)).toBe(0);
    expect(storedLines(db, jobId)).toEqual([]);
    // the batch is still buffered, not lost
    expect(writer.flushedLines).toBe(0);
    expect(writer.buffered(0, 10).map((l) => l.content)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
  });

  it('a flush that fails on a busy database keeps the batch; the next flush writes it once', () => {
    const { db, file } = freshDatabase();
    const jobId = newJob(db);
    db.pragma('busy_timeout = 50');
    const logs = store(db);
    const writer = logs.writer(jobId);
    writer.append('a');
    writer.append('b');
    const other = reopen(file);
    other.exec('BEGIN IMMEDIATE'); // another writer holds the lock (Prisma, a second process…)
    expect(() => writer.flush()).toThrow(/locked|busy/i);
    expect(logs.read(jobId, 0, 10).lines.map((l) => l.content)).toEqual(['a', 'b']);
    other.exec('COMMIT');
    writer.append('c');
    writer.flush();
    expect(storedLines(db, jobId).map((l) => [l.lineNumber, l.content])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(storedCount(db, jobId)).toBe(3);
  });

  // Was a bug: the timer called flush() bare, so a failing batch (SQLITE_BUSY, SQLITE_FULL,
  // an I/O error, the job row deleted) threw from the timer callback — an uncaughtException
  // that stops the server — and the timer was not re-armed. The timer now catches, reports
  // through onError, keeps the batch buffered and retries one interval later.
  it('a failing timer flush does not throw out of the timer (it would crash the server)', () => {
    const { db, file } = freshDatabase();
    const jobId = newJob(db);
    db.pragma('busy_timeout = 50');
    const writer = store(db).writer(jobId);
    writer.append('a');
    const other = reopen(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      expect(() => vi.advanceTimersByTime(1000)).not.toThrow();
    } finally {
      other.exec('COMMIT');
    }
    // and it tries again later
    vi.advanceTimersByTime(1000);
    expect(storedLines(db, jobId)).toHaveLength(1);
  });

  it('a failing timer flush is reported through onError, keeps the batch, and is retried until it succeeds', () => {
    const { db, file } = freshDatabase();
    const jobId = newJob(db);
    db.pragma('busy_timeout = 50');
    const errors: [number, unknown][] = [];
    const writer = store(db, { onError: (id, error) => errors.push([id, error]) }).writer(jobId);
    writer.append('a');
    const other = reopen(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      vi.advanceTimersByTime(1000);
      vi.advanceTimersByTime(1000);
    } finally {
      other.exec('COMMIT');
    }
    expect(errors).toHaveLength(2);
    expect(errors.every(([id]) => id === jobId)).toBe(true);
    expect(String(errors[0]![1])).toMatch(/locked|busy/i);
    expect(writer.flushedLines).toBe(0);
    expect(vi.getTimerCount()).toBe(1);
    // the second retry waits twice as long as the first
    vi.advanceTimersByTime(1999);
    expect(storedLines(db, jobId)).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(errors).toHaveLength(2);
    expect(storedLines(db, jobId).map((l) => l.content)).toEqual(['a']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an onError that throws does not escape the timer either', () => {
    const { db } = freshDatabase();
    const jobId = newJob(db);
    breakBlockWrites(db);
    const writer = store(db, {
      onError: () => {
        throw new Error('reporter broke');
      },
    }).writer(jobId);
    writer.append('a');
    expect(() => vi.advanceTimersByTime(1000)).not.toThrow();
    expect(writer.buffered(0, 10).map((l) => l.content)).toEqual(['a']);
    expect(vi.getTimerCount()).toBe(1);
  });
});

describe('LogStore callbacks and iteration', () => {
  beforeEach(() => vi.useFakeTimers());

  it('onLine fires for every line in order, at append time (before any flush); onClose after the last line, once it is stored', () => {
    const { db } = freshDatabase();
    const jobId = newJob(db);
    const events: string[] = [];
    let storedAtClose = -1;
    const logs = store(db, {
      onLine: (id, line) => {
        expect(id).toBe(jobId);
        events.push(`line ${line.lineNumber}:${line.content}`);
      },
      onClose: (id) => {
        events.push(`close ${id}`);
        storedAtClose = storedLines(db, id).length;
      },
    });
    const writer = logs.writer(jobId);
    writer.append('a');
    expect(events).toEqual(['line 1:a']);
    expect(storedLines(db, jobId)).toHaveLength(0);
    writer.append('b');
    writer.append('c');
    writer.close();
    expect(events).toEqual(['line 1:a', 'line 2:b', 'line 3:c', `close ${jobId}`]);
    expect(storedAtClose).toBe(3);
  });

  it('the line given to onLine is the one read back', () => {
    const { db } = freshDatabase();
    const jobId = newJob(db);
    const seen: LogLine[] = [];
    const logs = store(db, { onLine: (_, line) => seen.push(line) });
    const writer = logs.writer(jobId);
    writer.append('x', 'ERROR', new Date(5000));
    writer.append('y', null, null);
    writer.close();
    expect(logs.read(jobId, 0, 10).lines.map(plain)).toEqual(seen.map(plain));
  });

  // Was a surprise: close() released the writer but left it usable, so a line appended
  // afterwards was numbered, stored, and reported to onLine after onClose (a jobLogs
  // subscriber had already completed). A closed writer now refuses lines.
  it('no onLine after onClose: a closed writer refuses further lines', () => {
    const { db } = freshDatabase();
    const jobId = newJob(db);
    const events: string[] = [];
    const logs = store(db, { onLine: (_, line) => events.push(`line ${line.lineNumber}`), onClose: () => events.push('close') });
    const writer = logs.writer(jobId);
    writer.append('last');
    writer.close();
    try {
      writer.append('after close');
    } catch {
      // refusing is fine
    }
    expect(events).toEqual(['line 1', 'close']);
  });

  it('append on a closed writer throws an Error naming the job; close is idempotent; the store opens a fresh writer', () => {
    const { db } = freshDatabase();
    const jobId = newJob(db);
    let closes = 0;
    const logs = store(db, { onClose: () => closes++ });
    const writer = logs.writer(jobId);
    writer.append('a');
    writer.close();
    writer.close();
    expect(closes).toBe(1);
    expect(writer.closed).toBe(true);
    expect(() => writer.append('b')).toThrow(`job ${jobId}`);
    expect(writer.totalLines).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    const next = logs.writer(jobId);
    expect(next).not.toBe(writer);
    expect(next.append('b').lineNumber).toBe(2);
  });
});
