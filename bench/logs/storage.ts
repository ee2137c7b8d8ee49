/**
 * What a stored log line costs on disk, and what reading a page of them by
 * offset costs: the same realistic lines written into two fresh, migrated
 * databases, once one row per line as servers before block storage wrote
 * and read them (the `JobLogLine` table, the statements and batch size of
 * that log store) and once through today's LogStore (compressed blocks).
 * The disk cost is the growth of the database's used pages after a
 * checkpoint, divided by the lines; reads are 1,000 lines at random
 * offsets, in this process (no GraphQL, no HTTP).
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { applyMigrations, resolveMigrationsDir } from '../../src/db/migrate.js';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite.js';
import { LogStore } from '../../src/logs/log-store.js';
import { prng } from '../lib/random.js';
import { SqliteLogStorage } from '../../src/logs/sqlite-log-storage.js';

/** One line as a job appends it. */
interface Line {
  content: string;
  level: string;
  time: Date;
}

/** Bytes per line of one storage form, and its page reads. */
export interface StorageForm {
  label: string;
  bytes: number;
  bytesPerLine: number;
  /** ms of each read of 1,000 lines at a random offset */
  readMs: number[];
}

/** The storage figures of the logs benchmark. */
export interface StorageCost {
  lines: number;
  /** average UTF-8 bytes of a line's text */
  textBytesPerLine: number;
  examples: string[];
  forms: StorageForm[];
}

const TOP = ['Documents', 'Pictures', 'Music', 'Projects', 'Downloads', 'Desktop', '.config', '.local/share', 'Mail/archive'];
const WORDS = [
  'report',
  'final',
  'invoice',
  'holiday',
  'budget',
  'notes',
  'draft',
  'summary',
  'meeting',
  'scan',
  'letter',
  'thesis',
  'chapter',
  'slides',
  'contract',
  'receipt',
  'photo',
  'family',
  'taxes',
  'project',
  'backup',
  'design',
  'review',
  'plan',
  'minutes',
];
const EXTENSIONS = ['docx', 'pdf', 'jpg', 'png', 'xlsx', 'txt', 'md', 'odt', 'mp3', 'csv', 'json', 'py', 'ts', 'eml', 'heic'];

/**
 * `count` lines of a first backup of a home folder, in the order borg walks
 * it (`A /home/user/Documents/2024/report-final-v3.docx`, some `M`), with
 * borg's messages among them (a permission warning every ~2,000 files, the
 * cache and summary messages), a few lines per millisecond. Deterministic.
 */
export function realisticLines(count: number): Line[] {
  const random = prng('borgql-log-lines-v1');
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const paths: string[] = [];
  while (paths.length < count) {
    const folder = `/home/user/${pick(TOP)}/${2012 + Math.floor(random() * 14)}/${pick(WORDS)}-${pick(WORDS)}`;
    for (let files = 1 + Math.floor(random() * 40); files > 0; files--) {
      paths.push(`${folder}/${pick(WORDS)}-${pick(WORDS)}-v${1 + Math.floor(random() * 9)}.${pick(EXTENSIONS)}`);
    }
  }
  paths.length = count;
  paths.sort();
  let ms = Date.UTC(2026, 10, 26, 3, 0, 0);
  const lines: Line[] = [{ content: 'Initializing cache transaction: Reading files', level: 'INFO', time: new Date(ms) }];
  for (const [i, file] of paths.entries()) {
    ms += Math.floor(random() * 3);
    if (i > 0 && i % 2000 === 0) {
      lines.push({ content: `${file}.lock: open: [Errno 13] Permission denied: '${file}.lock'`, level: 'WARNING', time: new Date(ms) });
    }
    lines.push({ content: `${random() < 0.9 ? 'A' : 'M'} ${file}`, level: 'INFO', time: new Date(ms) });
  }
  lines.push({ content: 'Saving files cache', level: 'INFO', time: new Date(ms) });
  lines.push({ content: `borg create exited with code 0`, level: 'INFO', time: new Date(ms) });
  return lines.slice(0, count);
}

/** A migrated database with one repository and one job; returns the job id. */
function freshDatabase(file: string): { db: SqliteDatabase; jobId: number } {
  applyMigrations(file, resolveMigrationsDir());
  const db = openSqlite(file);
  db.prepare('INSERT INTO Repository (name, path, sourcePaths, updatedAt) VALUES (?, ?, ?, ?)').run(
    'home',
    '/srv/backups/home',
    '["/home/user"]',
    new Date().toISOString(),
  );
  const jobId = Number(
    db.prepare("INSERT INTO BackupJob (repositoryId, repositoryPath, status) VALUES (1, '/srv/backups/home', 'RUNNING')").run().lastInsertRowid,
  );
  return { db, jobId };
}

/** Bytes in the database's used pages, after moving the write-ahead log into it. */
function usedBytes(db: SqliteDatabase): number {
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pages = (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);
  return pages * (db.pragma('page_size', { simple: true }) as number);
}

/** The row-per-line store of earlier servers: one INSERT per line, 2,000 lines and the count per transaction. */
function writeRows(db: SqliteDatabase, jobId: number, lines: readonly Line[]): void {
  const insert = db.prepare('INSERT INTO JobLogLine (jobId, lineNumber, content, level, time) VALUES (?, ?, ?, ?, ?)');
  const count = db.prepare('UPDATE BackupJob SET logLineCount = ? WHERE id = ?');
  const batch = db.transaction((from: number) => {
    const to = Math.min(lines.length, from + 2000);
    for (let n = from; n < to; n++) {
      const line = lines[n]!;
      insert.run(jobId, n + 1, line.content, line.level, line.time.toISOString().replace('Z', '+00:00'));
    }
    count.run(to, jobId);
  });
  for (let from = 0; from < lines.length; from += 2000) batch(from);
}

/** The row-per-line store's page read: one range query, a Date per line. */
function rowReader(db: SqliteDatabase, jobId: number): (offset: number) => number {
  const page = db.prepare('SELECT lineNumber, content, level, time FROM JobLogLine WHERE jobId = ? AND lineNumber > ? AND lineNumber <= ? ORDER BY lineNumber');
  return (offset) => {
    const rows = page.all(jobId, offset, offset + PAGE) as { lineNumber: number; content: string; level: string | null; time: string | null }[];
    return rows.map((row) => ({ ...row, time: row.time === null ? null : new Date(row.time) })).length;
  };
}

/** Today's LogStore, as a job appends (blocks of 1,000 lines, deflated). */
function writeBlocks(db: SqliteDatabase, jobId: number, lines: readonly Line[]): void {
  const writer = new LogStore(new SqliteLogStorage(db)).writer(jobId);
  for (const line of lines) writer.append(line.content, line.level, line.time);
  writer.close();
}

const blockReader = (db: SqliteDatabase, jobId: number) => {
  const store = new LogStore(new SqliteLogStorage(db));
  return (offset: number) => store.read(jobId, offset, PAGE).lines.length;
};

const PAGE = 1000;
const READS = 300;

/** Stores `count` realistic lines both ways under `dir` and measures each. */
export function measureStorage(dir: string, count: number): StorageCost {
  const lines = realisticLines(count);
  const forms: StorageForm[] = [];
  const random = prng('borgql-log-reads-v1');
  const offsets = Array.from({ length: READS }, () => Math.floor(random() * (lines.length - PAGE)));
  for (const [label, write, reader] of [
    ['one row per line (`JobLogLine`, before)', writeRows, rowReader],
    ['compressed blocks of 1,000 lines (`JobLogBlock`, now)', writeBlocks, blockReader],
  ] as const) {
    const { db, jobId } = freshDatabase(path.join(dir, `${forms.length}`, 'borgql.db'));
    try {
      const before = usedBytes(db);
      write(db, jobId, lines);
      const bytes = usedBytes(db) - before;
      const read = reader(db, jobId);
      const readMs = offsets.map((offset) => {
        const started = performance.now();
        if (read(offset) !== PAGE) throw new Error(`${label}: a page at offset ${offset} is short`);
        return performance.now() - started;
      });
      forms.push({ label, bytes, bytesPerLine: bytes / lines.length, readMs });
    } finally {
      db.close();
    }
  }
  const text = lines.reduce((sum, line) => sum + Buffer.byteLength(line.content), 0);
  const examples = [/^A /, /^M /, /Errno/].map((pattern) => lines.find((line) => pattern.test(line.content))?.content ?? '');
  return { lines: lines.length, textBytesPerLine: text / lines.length, examples, forms };
}
