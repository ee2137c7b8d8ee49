// How the log store keeps lines (compressed blocks, escaped text), what it
// does while the database cannot be written (disk full), and how lines that
// older servers stored one per row stay readable and are converted.
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SqliteDatabase } from '../../src/db/sqlite.js';
import { decodeBlock, encodeLines } from '../../src/logs/log-blocks.js';
import { LegacyLogLines } from '../../src/logs/log-legacy.js';
import { LogStore, escapeLogText, unescapeLogText, type LogLine, type LogStoreOptions } from '../../src/logs/log-store.js';
import { breakBlockWrites, logDatabases, newJob, plain, storedBlocks, storedCount, storedLines } from '../helpers/log-db.js';
import { SqliteLogStorage } from '../../src/logs/sqlite-log-storage.js';

const databases = logDatabases('logstorage');
afterAll(databases.remove);
afterEach(() => {
  vi.useRealTimers();
  databases.closeAll();
});

const store = (db: SqliteDatabase, options: LogStoreOptions = {}) => new LogStore(new SqliteLogStorage(db), options);

describe('escapeLogText', () => {
  it('writes newline, carriage return and tab as \\n \\r \\t, other controls and DEL as \\xNN, a backslash as \\\\', () => {
    expect(escapeLogText('A /src/line\nbreak.txt')).toBe('A /src/line\\nbreak.txt');
    expect(escapeLogText('a\rb\tc')).toBe('a\\rb\\tc');
    expect(escapeLogText('bell\x07 esc\x1b[31m nul\x00 del\x7f')).toBe('bell\\x07 esc\\x1b[31m nul\\x00 del\\x7f');
    expect(escapeLogText('next line\u0085 csi\u009b')).toBe('next line\\x85 csi\\x9b');
    expect(escapeLogText('C:\\temp\\n')).toBe('C:\\\\temp\\\\n');
  });

  it('leaves printable text alone, Unicode included', () => {
    for (const text of ['', 'A /home/user/Documents/2024/report-final-v3.docx', 'ümlaut ✓ 日本語 🙂 \u200d \u00a0 \u2028', 'x'.repeat(10_000)]) {
      expect(escapeLogText(text)).toBe(text);
    }
  });

  it('is reversible: every code point up to U+00A0 and backslash sequences come back unchanged', () => {
    const all = Array.from({ length: 0xa1 }, (_, code) => String.fromCharCode(code)).join('');
    for (const text of [all, '\\n', '\\\\x41', 'a\\', '\\x1b', `${all}\\${all}`]) {
      const escaped = escapeLogText(text);
      expect(escaped).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
      expect(unescapeLogText(escaped)).toBe(text);
    }
  });
});

describe('compressed blocks', () => {
  beforeEach(() => vi.useFakeTimers());

  /** Lines that stress the format: Unicode, long, empty, odd levels and times. */
  const tricky: [string, string | null, Date | null][] = [
    ['A /home/user/Documents/2024/report-final-v3.docx', 'INFO', new Date('2026-11-26T09:42:37.123Z')],
    ['same millisecond', 'INFO', new Date('2026-11-26T09:42:37.123Z')],
    ['earlier than the line before', 'WARNING', new Date('2026-11-26T09:42:36.001Z')],
    ['', null, null],
    ['no time, the next line still counts from the last one', '', null],
    ['ümlaut ✓ 日本語 🙂 e\u0301 \u05e9\u05dc\u05d5\u05dd \u200d \u2028 end', 'ERROR', new Date('2026-11-26T09:42:38Z')],
    ['tab\there, newline\nthere, backslash \\ and \\n literally', 'level\twith tab', new Date(0)],
    ['before 1970', 'DEBUG', new Date(-1234567)],
    ['far future', 'INFO', new Date(8.64e15)],
    [`long ${'/very/deep/path'.repeat(15_000)}`, 'INFO', new Date('2026-11-26T09:42:39.999Z')],
    ['= looks like a level\t\tand = tabs', '=', new Date('2026-11-26T09:42:39.999Z')],
  ];

  function writeTricky(db: SqliteDatabase, options: LogStoreOptions) {
    const jobId = newJob(db);
    const logs = store(db, options);
    const writer = logs.writer(jobId);
    const written = tricky.map(([content, level, time]) => writer.append(content, level, time));
    return { jobId, logs, writer, written };
  }

  it('round-trips exact content, level and time (escaped), one line at a time and as pages, in blocks of any size', () => {
    for (const blockLines of [1, 2, 3, 1000]) {
      const { db, file } = databases.fresh();
      const { jobId, logs, writer, written } = writeTricky(db, { blockLines });
      expect(written.map((line) => line.content)).toEqual(tricky.map(([content]) => escapeLogText(content)));
      expect(written[3]!.level).toBeNull();
      expect(written[4]!.level).toBe('');
      writer.close();
      const expected = written.map(plain);
      for (const reader of [logs, store(databases.reopen(file))]) {
        expect(reader.read(jobId, 0, 100).lines.map(plain), `blocks of ${blockLines}`).toEqual(expected);
        for (let offset = 0; offset < expected.length; offset++) {
          expect(reader.read(jobId, offset, 1).lines.map(plain), `line ${offset + 1}, blocks of ${blockLines}`).toEqual([expected[offset]]);
        }
      }
      expect(storedLines(db, jobId).map(plain)).toEqual(expected);
      expect(written.map((line) => unescapeLogText(line.content))).toEqual(tricky.map(([content]) => content));
    }
  });

  it('every offset/limit across block boundaries and the stored/unstored seam', () => {
    for (const blockLines of [1, 2, 3, 7]) {
      const { db } = databases.fresh();
      const jobId = newJob(db);
      const logs = store(db, { blockLines });
      const writer = logs.writer(jobId);
      const lines = Array.from({ length: 23 }, (_, i) => writer.append(`line ${i + 1}`, i % 2 ? 'INFO' : null, i % 3 ? new Date(1e12 + i) : null));
      expect(writer.flushedLines).toBe(23 - (23 % blockLines));
      for (const phase of ['half stored', 'stored']) {
        for (let offset = 0; offset <= 25; offset++) {
          for (let limit = 0; limit <= 25; limit++) {
            const page = logs.read(jobId, offset, limit);
            const label = `${phase}, blocks of ${blockLines}, offset ${offset}, limit ${limit}`;
            expect(page.lines.map(plain), label).toEqual(lines.slice(offset, offset + limit).map(plain));
            expect(page.hasMore, label).toBe(Math.min(23, offset + limit) < 23);
          }
        }
        writer.close();
      }
    }
  });

  it("stores full blocks of blockLines lines; a quiet log's last block is rewritten by each flush until it is full", () => {
    const { db } = databases.fresh();
    const jobId = newJob(db);
    const writer = store(db, { blockLines: 4 }).writer(jobId);
    for (let i = 1; i <= 6; i++) {
      writer.append(`quiet ${i}`);
      vi.advanceTimersByTime(1000);
      expect(storedCount(db, jobId)).toBe(i);
    }
    expect(storedBlocks(db, jobId).map((b) => [b.firstLine, b.lastLine])).toEqual([
      [1, 4],
      [5, 6],
    ]);
    for (let i = 7; i <= 13; i++) writer.append(`busy ${i}`);
    expect(storedBlocks(db, jobId).map((b) => [b.firstLine, b.lastLine])).toEqual([
      [1, 4],
      [5, 8],
      [9, 12],
    ]);
    writer.close();
    expect(storedBlocks(db, jobId).map((b) => [b.firstLine, b.lastLine])).toEqual([
      [1, 4],
      [5, 8],
      [9, 12],
      [13, 13],
    ]);
    expect(storedLines(db, jobId).map((l) => l.lineNumber)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
  });

  it('keeps lines compressed: 1,000 file lines of one folder tree take a few bytes each', () => {
    const { db } = databases.fresh();
    const jobId = newJob(db);
    const writer = store(db).writer(jobId);
    const at = new Date('2026-11-26T10:00:00Z');
    let text = 0;
    for (let i = 0; i < 1000; i++)
      text += writer.append(`A /home/user/Documents/${2015 + (i % 10)}/project-${Math.floor(i / 10)}/report-${i}.docx`, 'INFO', at).content.length;
    writer.close();
    const stored = storedBlocks(db, jobId).reduce((sum, block) => sum + block.data.length, 0);
    expect(text / 1000).toBeGreaterThan(45);
    expect(stored / 1000).toBeLessThan(15);
  });

  it('refuses to encode a line that is not escaped (it would corrupt the block)', () => {
    expect(() => encodeLines([{ lineNumber: 1, content: 'two\nlines', level: null, time: null }])).toThrow(RangeError);
    expect(() => encodeLines([{ lineNumber: 1, content: 'ok', level: 'a\tb', time: null }])).toThrow(RangeError);
    const block = { firstLine: 5, lastLine: 5, data: encodeLines([{ lineNumber: 5, content: 'ok', level: null, time: null }]) };
    expect(decodeBlock(block, 1, 10)).toEqual([{ lineNumber: 5, content: 'ok', level: null, time: null }]);
  });
});

describe('when the database cannot be written (disk full)', () => {
  beforeEach(() => vi.useFakeTimers());

  it('never throws at the caller and retries with backoff, not on every new line', () => {
    const { db } = databases.fresh();
    const jobId = newJob(db);
    const errors: unknown[] = [];
    const writer = store(db, { blockLines: 100, onError: (_, error) => errors.push(error) }).writer(jobId);
    breakBlockWrites(db);
    for (let i = 1; i <= 5000; i++) expect(() => writer.append(`line ${i}`)).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/disk is full/);
    for (const [wait, attempts] of [
      [999, 1],
      [1, 2],
      [1999, 2],
      [1, 3],
      [4000, 4],
      [8000, 5],
      [15_000, 6],
      [15_000, 7],
    ] as const) {
      vi.advanceTimersByTime(wait);
      expect(errors, `after ${wait} ms more`).toHaveLength(attempts);
    }
  });

  it('keeps the newest lines in memory, drops older ones as a placeholder range, and stores everything once writes work again', () => {
    const { db, file } = databases.fresh();
    const jobId = newJob(db);
    let recovered = 0;
    const logs = store(db, { blockLines: 50, maxUnstoredLines: 100, onRecovered: () => recovered++ });
    const writer = logs.writer(jobId);
    for (let i = 1; i <= 100; i++) writer.append(`early ${i}`, 'INFO', null);
    const failing = breakBlockWrites(db);
    for (let i = 101; i <= 1000; i++) writer.append(`line ${i}`, 'INFO', null);
    expect(writer.flushedLines).toBe(100);
    const inMemory = writer.buffered(100, 10_000).filter((line) => line.content.startsWith('line '));
    expect(inMemory.length).toBeLessThanOrEqual(100);
    expect(inMemory.length).toBeGreaterThanOrEqual(90);
    const kept = inMemory[0]!.lineNumber;
    const expectPage = (reader: LogStore) => {
      const page = reader.read(jobId, 0, 10_000);
      expect(page.totalLines).toBe(1000);
      expect(page.lines.map((l) => l.lineNumber)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      expect(page.lines.slice(0, 100).map((l) => l.content)).toEqual(Array.from({ length: 100 }, (_, i) => `early ${i + 1}`));
      expect(kept).toBeGreaterThan(101);
      for (const line of page.lines.slice(100, kept - 1)) {
        expect(line).toMatchObject({ level: 'WARNING', time: null });
        expect(line.content).toBe(`[not stored: log lines 101–${kept - 1} were dropped while the log could not be written (the data disk is full)]`);
      }
      expect(page.lines.slice(kept - 1).map((l) => l.content)).toEqual(Array.from({ length: 1001 - kept }, (_, i) => `line ${kept + i}`));
    };
    expectPage(logs);
    failing.heal();
    vi.advanceTimersByTime(1000);
    expect(recovered).toBe(1);
    expect(writer.flushedLines).toBe(1000);
    expect(storedCount(db, jobId)).toBe(1000);
    expectPage(logs);
    expectPage(store(databases.reopen(file)));
  });

  it('close() while failing: does not throw, onClose fires, lines stay readable, and the last lines are stored by a retry', () => {
    const { db } = databases.fresh();
    const jobId = newJob(db);
    const closed: number[] = [];
    const logs = store(db, { onClose: (id) => closed.push(id) });
    const writer = logs.writer(jobId);
    writer.append('first');
    const failing = breakBlockWrites(db);
    writer.append('last');
    expect(() => writer.close()).not.toThrow();
    expect(closed).toEqual([jobId]);
    expect(logs.read(jobId, 0, 10).lines.map((l) => l.content)).toEqual(['first', 'last']);
    expect(logs.hasWriter(jobId)).toBe(true);
    // a new writer for the job needs the old one's lines stored first
    expect(() => logs.writer(jobId)).toThrow(/disk is full/);
    failing.heal();
    vi.advanceTimersByTime(2000);
    expect(logs.hasWriter(jobId)).toBe(false);
    expect(storedLines(db, jobId).map((l) => l.content)).toEqual(['first', 'last']);
    expect(logs.writer(jobId).append('after').lineNumber).toBe(3);
  });
});

describe('logs of older versions (one row per line in JobLogLine)', () => {
  /** A job with `count` legacy rows, as an older server left them. */
  function legacyJob(db: SqliteDatabase, count: number, fields: { expired?: boolean } = {}): number {
    const jobId = newJob(db, { status: 'COMPLETED' });
    const insert = db.prepare('INSERT INTO JobLogLine (jobId, lineNumber, content, level, time) VALUES (?, ?, ?, ?, ?)');
    for (let n = 1; n <= count; n++) {
      insert.run(
        jobId,
        n,
        n === 2 ? 'A /src/line\nbreak.txt' : `old ${n}`,
        n % 2 ? 'INFO' : null,
        n % 3 ? `2026-11-20T10:00:0${n % 10}.${String(n).padStart(3, '0')}+00:00` : null,
      );
    }
    db.prepare('UPDATE BackupJob SET logLineCount = ?, logsExpired = ? WHERE id = ?').run(count, fields.expired ? 1 : 0, jobId);
    return jobId;
  }
  const legacyRows = (db: SqliteDatabase) => db.prepare('SELECT count(*) FROM JobLogLine').pluck().get() as number;

  it('stay readable (escaped like new lines) before, during and after their conversion into blocks', async () => {
    const { db } = databases.fresh();
    const a = legacyJob(db, 25);
    const b = legacyJob(db, 3);
    const before = store(db, { blockLines: 10 });
    const expected = before.read(a, 0, 100).lines.map(plain);
    expect(expected).toHaveLength(25);
    expect(expected[1]).toEqual({ lineNumber: 2, content: 'A /src/line\\nbreak.txt', level: null, time: new Date('2026-11-20T10:00:02.002Z').getTime() });
    expect(expected[2]!.time).toBeNull();
    // one run moved: the job is half rows, half blocks
    expect(new LegacyLogLines(db).convertNext(10)).toBe(true);
    expect(legacyRows(db)).toBe(18);
    for (let offset = 0; offset <= 25; offset++) expect(before.read(a, offset, 7).lines.map(plain)).toEqual(expected.slice(offset, offset + 7));
    expect(await before.convertLegacyLines()).toBe(3);
    expect(legacyRows(db)).toBe(0);
    expect(storedBlocks(db, a).map((block) => [block.firstLine, block.lastLine])).toEqual([
      [1, 10],
      [11, 20],
      [21, 25],
    ]);
    expect(storedBlocks(db, b).map((block) => [block.firstLine, block.lastLine])).toEqual([[1, 3]]);
    const after = store(db);
    expect(after.read(a, 0, 100).lines.map(plain)).toEqual(expected);
    expect(after.writer(a).append('new').lineNumber).toBe(26);
  });

  it('a job whose logs expired loses its rows instead of having them converted', async () => {
    const { db } = databases.fresh();
    const expired = legacyJob(db, 5, { expired: true });
    const kept = legacyJob(db, 2);
    const logs = store(db);
    expect(logs.read(expired, 0, 10)).toEqual({ lines: [], totalLines: 0, hasMore: false });
    await logs.convertLegacyLines();
    expect(legacyRows(db)).toBe(0);
    expect(storedBlocks(db, expired)).toEqual([]);
    expect(logs.read(kept, 0, 10).lines.map((l) => l.content)).toEqual(['old 1', 'A /src/line\\nbreak.txt']);
  });
});

describe('expired logs', () => {
  it('read as an empty log with totalLines 0 (the job is still known)', () => {
    const { db } = databases.fresh();
    const jobId = newJob(db, { status: 'COMPLETED' });
    const logs = store(db);
    logs.writer(jobId).append('will expire');
    logs.writer(jobId).close();
    db.prepare('UPDATE BackupJob SET logsExpired = 1 WHERE id = ?').run(jobId);
    expect(logs.read(jobId, 0, 10)).toEqual({ lines: [], totalLines: 0, hasMore: false } satisfies { lines: LogLine[]; totalLines: number; hasMore: boolean });
    expect(logs.totalLines(jobId)).toBe(0);
    expect(() => logs.read(jobId + 1, 0, 10)).toThrow(/not found/);
  });
});
