// Applies prisma/migrations at server start-up, without Prisma's schema engine
// (its native build cannot be installed here and the wasm build is slow to load
// and a dev dependency). The ledger is Prisma's own `_prisma_migrations`, kept
// the way `prisma migrate deploy` keeps it, so either tool can take over.
//
// Differences from the engine, on purpose:
// - each migration runs in its own `BEGIN IMMEDIATE` transaction together with
//   its ledger row, so a failure leaves no trace (the engine runs scripts
//   outside a transaction and leaves a "failed" row that blocks later deploys);
// - foreign keys are OFF on this connection while migrating. better-sqlite3 is
//   compiled with SQLITE_DEFAULT_FOREIGN_KEYS=1, so the server's Prisma client
//   does enforce them, but inside a transaction the `PRAGMA foreign_keys=OFF`
//   that Prisma emits around SQLite table redefinitions is a no-op, and with
//   enforcement on, `DROP TABLE` of a parent would cascade into its children.
//   `PRAGMA foreign_key_check` before COMMIT refuses a migration that leaves
//   dangling references instead.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

/**
 * The ledger exactly as Prisma's schema engine creates it on SQLite (same text,
 * so `sqlite_master` matches; SQLite drops the IF NOT EXISTS when storing it).
 */
const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
);
`;

/** A row of `_prisma_migrations` as both appliers read it. */
export interface LedgerRow {
  checksum: string;
  finished_at: string | Date | null;
  migration_name: string;
}

/** One migration folder's name and SQL. */
export interface MigrationFile {
  name: string;
  sql: string;
}

/** Prisma's checksum: sha256 of the migration.sql text, lower-case hex. */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Like the engine, accept a file whose line endings changed (git autocrlf). */
function checksumMatches(sql: string, checksum: string): boolean {
  const lf = sql.replace(/\r\n/g, '\n');
  return [sql, lf, lf.replace(/\n/g, '\r\n')].some((text) => sha256(text) === checksum);
}

/** Timestamps as the Prisma SQLite adapter writes DateTime: ISO 8601 with `+00:00`. */
function now(): string {
  return new Date().toISOString().replace('Z', '+00:00');
}

/** Every sub-folder's migration.sql, in name order (timestamp prefixes sort chronologically). */
export function readMigrations(migrationsDir: string): MigrationFile[] {
  if (!existsSync(migrationsDir)) throw new Error(`migrations folder not found: ${migrationsDir}`);
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const file = path.join(migrationsDir, name, 'migration.sql');
      if (!existsSync(file)) throw new Error(`migration ${name} has no migration.sql`);
      return { name, sql: readFileSync(file, 'utf8') };
    });
}

/** The live (not rolled back) ledger rows for one migration. */
function ledgerRows(db: Database.Database, name: string): LedgerRow[] {
  return db
    .prepare<[string], LedgerRow>(
      `SELECT checksum, finished_at, migration_name FROM "_prisma_migrations"
       WHERE migration_name = ? AND rolled_back_at IS NULL ORDER BY started_at`,
    )
    .all(name);
}

function isApplied(db: Database.Database, migration: MigrationFile): boolean {
  return isRecorded(migration, ledgerRows(db, migration.name));
}

/**
 * Decides from its live ledger rows (oldest first) whether `migration` is
 * already applied; throws when the ledger says it was edited after being
 * applied, or failed half-way (a row without finished_at, which only
 * Prisma's own engine leaves behind). Both databases' appliers use it.
 */
export function isRecorded(migration: MigrationFile, rows: readonly LedgerRow[]): boolean {
  if (rows.length === 0) return false;
  if (rows.some((row) => row.finished_at === null)) {
    throw new Error(
      `migration ${migration.name} is recorded as failed in _prisma_migrations; ` +
        'fix the database by hand, then mark it rolled back (prisma migrate resolve) or delete that row',
    );
  }
  const row = rows[rows.length - 1]!;
  if (!checksumMatches(migration.sql, row.checksum)) {
    throw new Error(
      `migration ${migration.name} was edited after it was applied ` +
        `(ledger checksum ${row.checksum}, file ${sha256(migration.sql)}); ` +
        'restore the original migration.sql and put the change in a new migration',
    );
  }
  return true;
}

/** Runs one migration and its ledger row atomically; re-checks under the write lock. */
function applyOne(db: Database.Database, migration: MigrationFile): boolean {
  // IMMEDIATE takes the write lock up front, so two servers starting on the
  // same file serialise here and the second one sees the first one's row.
  db.exec('BEGIN IMMEDIATE');
  try {
    if (isApplied(db, migration)) {
      db.exec('COMMIT');
      return false;
    }
    const id = randomUUID();
    db.prepare(`INSERT INTO "_prisma_migrations" (id, checksum, started_at, migration_name) VALUES (?, ?, ?, ?)`).run(
      id,
      sha256(migration.sql),
      now(),
      migration.name,
    );
    db.exec(migration.sql);
    const dangling = db.prepare('PRAGMA foreign_key_check').all();
    if (dangling.length > 0) {
      throw new Error(`leaves ${dangling.length} rows violating foreign keys: ${JSON.stringify(dangling.slice(0, 3))}`);
    }
    db.prepare(`UPDATE "_prisma_migrations" SET finished_at = ?, applied_steps_count = 1 WHERE id = ?`).run(now(), id);
    db.exec('COMMIT');
    return true;
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    const message = err instanceof Error ? err.message : String(err);
    // The ledger errors already name the migration; SQL errors do not.
    if (message.includes(migration.name)) throw err;
    throw new Error(`migration ${migration.name} failed and was rolled back: ${message}`, { cause: err });
  }
}

/**
 * Brings the SQLite file `databaseFile` up to date with the migrations in
 * `migrationsDir` (Prisma's layout: `<timestamp>_<name>/migration.sql`),
 * creating the file and its folder when missing. Synchronous and fast (a few
 * ms when nothing is pending), so the server calls it before anything opens
 * the database. Idempotent; safe against a concurrent caller on the same file.
 *
 * @returns the names of the migrations applied by this call, in order.
 * @throws Error naming the migration when one fails (it is rolled back, and
 *   later ones are not attempted), was edited after being applied, or is
 *   recorded as failed by Prisma's engine.
 */
export function applyMigrations(databaseFile: string, migrationsDir: string): { applied: string[] } {
  const migrations = readMigrations(migrationsDir);
  mkdirSync(path.dirname(path.resolve(databaseFile)), { recursive: true });
  const db = new Database(databaseFile, { timeout: 10_000 });
  try {
    // WAL is persistent in the file: the server's readers never wait for a writer.
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = OFF');
    db.exec(LEDGER_DDL);
    const applied: string[] = [];
    for (const migration of migrations) {
      // Cheap read first: the usual start-up has nothing to do and takes no write lock.
      if (isApplied(db, migration)) continue;
      if (applyOne(db, migration)) applied.push(migration.name);
    }
    return { applied };
  } finally {
    db.close();
  }
}

/** `<repo>/prisma/migrations`, found relative to this file (works from src/ under tsx and vitest). */
export function resolveMigrationsDir(): string {
  return fileURLToPath(new URL('../../prisma/migrations', import.meta.url));
}
