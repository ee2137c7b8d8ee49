import { realpathSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createOwnerOnlyFile } from '../secrets/key-file.js';
import { StartupError } from './startup-error.js';

/** A lock held until `release()` or the end of the process. */
export interface ServerLock {
  /** the lock file, next to the database */
  readonly file: string;
  release(): void;
}

/**
 * The lock file of a database: `<database file>-server.lock`, beside the
 * file the path leads to, so that a symlink to the database, or a path
 * through a symlinked folder, meets the same lock.
 */
export function serverLockFile(databaseFile: string): string {
  let real: string;
  try {
    real = realpathSync(databaseFile);
  } catch {
    // not created yet: its folder exists (the caller made it)
    real = path.join(realpathSync(path.dirname(path.resolve(databaseFile))), path.basename(databaseFile));
  }
  return `${real}-server.lock`;
}

/**
 * Takes the one-server lock of a SQLite database, so that two borgql servers
 * never run jobs from one database at once (each would re-queue and run the
 * other's pending jobs, and recovery would fail the other's running ones).
 *
 * Node has no flock, so the lock is SQLite's own: the lock file is a tiny
 * SQLite database held in `locking_mode = EXCLUSIVE` after a write
 * transaction, which keeps an fcntl write lock on it for as long as the
 * connection is open. The kernel drops that lock when the process ends,
 * however it ends (kill -9, a crash, a power cut), so a stale lock never
 * blocks the next start; the file itself stays and is reused. SQLite also
 * tracks the lock per file inside one process, so a second server in the
 * same process is refused too. The lock file must not be opened by anything
 * else in the process: closing any descriptor of it would drop the fcntl lock.
 *
 * @throws StartupError when another server holds the lock, or naming the
 *   lock file when it cannot be created or is not a lock file.
 */
export function lockDatabase(databaseFile: string): ServerLock {
  const file = serverLockFile(databaseFile);
  let db: Database.Database | null = null;
  try {
    // 0600 like every file in the data folder; created (and closed) before SQLite opens it, never after:
    // closing another descriptor of the file would drop the lock
    createOwnerOnlyFile(file);
    // timeout 0: a held lock is an answer, not something to wait for
    db = new Database(file, { timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    // no journal file beside it: the lock database never holds data worth rolling back
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (error) {
    db?.close();
    const code = (error as { code?: unknown }).code;
    const reason = error instanceof Error ? error.message : String(error);
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw new StartupError(
        `another borgql server is using the database ${databaseFile} (it holds ${file}): stop it first, or give this one its own BORGQL_DATA_DIR`,
        { cause: error },
      );
    }
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new StartupError(`${file} is not borgql's lock file (${reason}): remove it, it holds no data`, { cause: error });
    }
    throw new StartupError(`cannot create the lock file ${file}: ${reason}`, { cause: error });
  }
  const held = db;
  return {
    file,
    release: () => {
      if (held.open) held.close();
    },
  };
}
