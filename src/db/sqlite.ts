import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/**
 * A direct better-sqlite3 connection for the hot paths Prisma is too slow for
 * (appending and paging log lines). WAL lets readers page a log while the
 * writer appends; `synchronous = NORMAL` is durable across a process crash
 * (only an OS crash can lose the last commits), which is what the README's
 * "a crash loses at most the last second" (Job lifecycle, Logs) promises.
 */
export function openSqlite(file: string): SqliteDatabase {
  const db = new Database(file, { timeout: 10_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}
