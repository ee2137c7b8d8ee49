import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { restrictDatabaseFiles } from './database-files.js';
import type { ServerDatabase } from './connection.js';

export type { ServerDatabase } from './connection.js';
import { applyMigrations, resolveMigrationsDir } from './migrate.js';
import { openPostgresDatabase } from './open-postgres.js';
import { lockDatabase } from './server-lock.js';
import { openSqlite } from './sqlite.js';
import { StartupError } from './startup-error.js';

/** Where the server keeps its state. */
export interface DatabaseLocation {
  /** BORGQL_DATA_DIR */
  dataDir: string;
  /** DATABASE_URL: its scheme picks the database */
  databaseUrl: string;
  /** the SQLite file of DATABASE_URL; null on PostgreSQL */
  databaseFile: string | null;
  /** BORGQL_NODE_NAME: on PostgreSQL, one process per node name */
  nodeName: string;
  /** REDIS_URL: on PostgreSQL, a server without it runs alone (open-postgres.ts) */
  redisUrl: string | null;
}

const REASONS: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted (an immutable file or folder?)',
  ENOTDIR: 'a part of the path is a file',
  EEXIST: 'a file of that name exists',
  ENOSPC: 'no space left on the device',
  ELOOP: 'too many symbolic links',
};

function reason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && REASONS[code]) return REASONS[code];
  return error instanceof Error ? error.message : String(error);
}

/** Creates `folder` when missing and makes sure the server can write into it. */
function ensureWritableFolder(folder: string, what: string): void {
  try {
    // 0700: it holds the database and the download-link key
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StartupError(`cannot create ${what} ${folder}: ${reason(error)}`, { cause: error });
  }
  if (!statSync(folder).isDirectory()) throw new StartupError(`${what} ${folder} is not a folder: ${REASONS.EEXIST}`);
  try {
    // also refuses root on a read-only mount (EROFS) or an immutable folder (EPERM)
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new StartupError(`${what} ${folder} is not writable (${reason(error)}): borgql keeps its database and job logs there`, { cause: error });
  }
}

/** A database file that exists must be a file the server can read and write. */
function checkDatabaseFile(file: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch {
    return; // created by the migrations
  }
  if (!isFile) throw new StartupError(`the database ${file} is not a file (DATABASE_URL)`);
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new StartupError(`the database ${file} is not writable (${reason(error)})`, { cause: error });
  }
}

/** One line for what SQLite or a migration said about the database. */
function databaseError(file: string, error: unknown): StartupError {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_NOTADB') {
    return new StartupError(`${file} is not a SQLite database (${message}): move it away, or point DATABASE_URL or BORGQL_DATA_DIR elsewhere`, {
      cause: error,
    });
  }
  if (code === 'SQLITE_CORRUPT') return new StartupError(`the database ${file} is damaged (${message})`, { cause: error });
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return new StartupError(`cannot open the database ${file}: ${message}`, { cause: error });
  return new StartupError(`cannot migrate the database ${file}: ${message}`, { cause: error });
}

/**
 * Prepares the server's state before anything else runs: the data folder
 * exists and is writable (it holds the key files on either database), then
 * the database is opened as its kind requires (openSqliteDatabase,
 * openPostgresDatabase): no other server uses it, it is migrated, and the
 * server's own connection is open. Every refusal is a StartupError in one line.
 */
export function openServerDatabase({ dataDir, databaseUrl, databaseFile, nodeName, redisUrl }: DatabaseLocation): ServerDatabase {
  ensureWritableFolder(dataDir, 'the data folder (BORGQL_DATA_DIR)');
  if (databaseFile === null) return openPostgresDatabase(databaseUrl, { nodeName, redisUrl });
  return openSqliteDatabase(dataDir, databaseFile, resolveMigrationsDir());
}

/**
 * The SQLite side of openServerDatabase: the database's folder exists and is
 * writable, no other server uses the database (lockDatabase), its files are
 * 0600, the migrations are applied, and the log store's connection is open.
 */
export function openSqliteDatabase(dataDir: string, databaseFile: string, migrationsDir: string): ServerDatabase {
  const databaseFolder = path.dirname(databaseFile);
  if (path.resolve(databaseFolder) !== path.resolve(dataDir)) ensureWritableFolder(databaseFolder, 'the database folder (DATABASE_URL)');
  checkDatabaseFile(databaseFile);
  const lock = lockDatabase(databaseFile);
  try {
    // before SQLite creates it: the database and its -wal/-shm companions are 0600 whatever the umask
    restrictDatabaseFiles(databaseFile);
    applyMigrations(databaseFile, migrationsDir);
    const sqlite = openSqlite(databaseFile);
    return {
      connection: { kind: 'sqlite', sqlite },
      close() {
        sqlite.close();
        lock.release();
      },
    };
  } catch (error) {
    lock.release();
    throw databaseError(databaseFile, error);
  }
}
