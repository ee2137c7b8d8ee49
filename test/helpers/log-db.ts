// Real, migrated SQLite files for the log store's unit tests.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations, resolveMigrationsDir } from '../../src/db/migrate.js';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite.js';
import { decodeBlock, type StoredBlock } from '../../src/logs/log-blocks.js';
import type { LogLine } from '../../src/logs/log-store.js';

/** Temp databases for one test file; `closeAll()` after each test, `remove()` after all. */
export function logDatabases(prefix: string) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `borgql-${prefix}-`));
  let counter = 0;
  const open: SqliteDatabase[] = [];

  function reopen(file: string): SqliteDatabase {
    const db = openSqlite(file);
    open.push(db);
    return db;
  }

  /** A freshly migrated database file with one repository. */
  function fresh(): { file: string; db: SqliteDatabase } {
    const file = path.join(tmp, `db${++counter}`, 'borgql.db');
    applyMigrations(file, resolveMigrationsDir());
    const db = reopen(file);
    db.prepare('INSERT INTO Repository (name, path, sourcePaths, updatedAt) VALUES (?, ?, ?, ?)').run(
      'repo',
      '/srv/repo',
      '["/data"]',
      new Date().toISOString(),
    );
    return { file, db };
  }

  return {
    fresh,
    reopen,
    closeAll: () => {
      while (open.length > 0) open.pop()!.close();
    },
    remove: () => rmSync(tmp, { recursive: true, force: true }),
  };
}

/** Inserts a BackupJob row and returns its id. */
export function newJob(db: SqliteDatabase, fields: { status?: string; completedAt?: string | null } = {}): number {
  const repositoryId = db.prepare('SELECT id FROM Repository LIMIT 1').pluck().get() as number;
  return Number(
    db
      .prepare('INSERT INTO BackupJob (repositoryId, repositoryPath, status, completedAt) VALUES (?, ?, ?, ?)')
      .run(repositoryId, '/srv/repo', fields.status ?? 'PENDING', fields.completedAt ?? null).lastInsertRowid,
  );
}

/** The job's blocks as stored, in order. */
export const storedBlocks = (db: SqliteDatabase, jobId: number) =>
  db.prepare('SELECT firstLine, lastLine, data FROM JobLogBlock WHERE jobId = ? ORDER BY firstLine').all(jobId) as StoredBlock[];

/** Every stored line of a job, decoded straight from its blocks (not through the store). */
export const storedLines = (db: SqliteDatabase, jobId: number): LogLine[] =>
  storedBlocks(db, jobId).flatMap((block) => decodeBlock(block, block.firstLine, block.lastLine));

/** The job's stored line count (BackupJob.logLineCount). */
export const storedCount = (db: SqliteDatabase, jobId: number) => db.prepare('SELECT logLineCount FROM BackupJob WHERE id = ?').pluck().get(jobId) as number;

/** Comparable form of a line (Date → epoch ms). */
export const plain = (line: LogLine) => ({ lineNumber: line.lineNumber, content: line.content, level: line.level, time: line.time?.getTime() ?? null });

/** Makes every insert of a block fail like a full disk, until `heal()`. */
export function breakBlockWrites(db: SqliteDatabase, when = '1'): { heal: () => void } {
  db.exec(`CREATE TRIGGER fail_blocks BEFORE INSERT ON JobLogBlock WHEN ${when} BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
  return { heal: () => db.exec('DROP TRIGGER fail_blocks') };
}
