import type { SqliteDatabase } from '../db/sqlite.js';
import { encodeLines, type StoredBlock } from './log-blocks.js';
import { escapeLogText, type LogLine } from './log-line.js';

interface LegacyRow {
  jobId: number;
  lineNumber: number;
  content: string;
  level: string | null;
  time: string | null;
}

function toLine(row: LegacyRow): LogLine {
  const time = row.time === null ? null : new Date(row.time);
  return {
    lineNumber: row.lineNumber,
    content: escapeLogText(row.content),
    level: row.level === null ? null : escapeLogText(row.level),
    time: time === null || Number.isNaN(time.getTime()) ? null : time,
  };
}

/**
 * Log lines that servers before block storage wrote, one row per line, in
 * `JobLogLine`. They stay readable (escaped as new lines are) while
 * `convertNext` moves them into blocks in the background, a few hundred at
 * a time, each move one transaction: a line is in exactly one of the two
 * tables at any moment, so reads merge both without gaps or duplicates.
 */
export class LegacyLogLines {
  #pending: boolean;
  readonly #sql;
  readonly #convert: (maxLines: number) => boolean;

  constructor(db: SqliteDatabase) {
    this.#sql = {
      any: db.prepare('SELECT EXISTS (SELECT 1 FROM JobLogLine)').pluck(),
      range: db.prepare(
        'SELECT jobId, lineNumber, content, level, time FROM JobLogLine WHERE jobId = ? AND lineNumber > ? AND lineNumber <= ? ORDER BY lineNumber',
      ),
      next: db.prepare('SELECT jobId, lineNumber, content, level, time FROM JobLogLine ORDER BY jobId, lineNumber LIMIT ?'),
      expired: db.prepare('SELECT logsExpired FROM BackupJob WHERE id = ?').pluck(),
      insert: db.prepare('INSERT INTO JobLogBlock (jobId, firstLine, lastLine, data) VALUES (?, ?, ?, ?)'),
      remove: db.prepare('DELETE FROM JobLogLine WHERE jobId = ? AND lineNumber >= ? AND lineNumber <= ?'),
    };
    this.#pending = this.#sql.any.get() === 1;
    this.#convert = db.transaction((maxLines: number) => this.#convertRun(maxLines));
  }

  /** Whether legacy rows may still exist (false once the conversion found none). */
  get pending(): boolean {
    return this.#pending;
  }

  /** Legacy lines of a job numbered in (after, end]. */
  read(jobId: number, after: number, end: number): LogLine[] {
    if (!this.#pending) return [];
    return (this.#sql.range.all(jobId, after, end) as LegacyRow[]).map(toLine);
  }

  /**
   * Moves the next run of at most `maxLines` consecutively numbered lines
   * of one job into a block (a job whose logs expired loses them instead).
   * Returns false once no legacy line is left.
   */
  convertNext(maxLines: number): boolean {
    if (!this.#pending) return false;
    const more = this.#convert(maxLines);
    if (!more) this.#pending = false;
    return more;
  }

  #convertRun(maxLines: number): boolean {
    const rows = this.#sql.next.all(maxLines) as LegacyRow[];
    const first = rows[0];
    if (!first) return false;
    let end = 1;
    while (end < rows.length && rows[end]!.jobId === first.jobId && rows[end]!.lineNumber === first.lineNumber + end) end++;
    const run = rows.slice(0, end);
    const last = run.at(-1)!.lineNumber;
    if (this.#sql.expired.get(first.jobId) !== 1) {
      const block: StoredBlock = { firstLine: first.lineNumber, lastLine: last, data: encodeLines(run.map(toLine)) };
      this.#sql.insert.run(first.jobId, block.firstLine, block.lastLine, block.data);
    }
    this.#sql.remove.run(first.jobId, first.lineNumber, last);
    return true;
  }
}
