// Applies prisma/postgres/migrations at server start-up, as src/db/migrate.ts
// does for SQLite, with the same ledger (Prisma's `_prisma_migrations`, in
// the shape Prisma's engine creates on PostgreSQL) and the same rules: each
// migration runs in one transaction together with its ledger row (DDL is
// transactional on PostgreSQL), a migration edited after being applied or
// recorded as failed stops the start.
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { withAdvisoryLock } from './advisory-locks.js';
import { isRecorded, readMigrations, sha256, type LedgerRow, type MigrationFile } from './migrate.js';
import type { SyncPostgres } from './postgres.js';

/** The ledger exactly as Prisma's schema engine creates it on PostgreSQL. */
const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);`;

/** How long a node waits for another one's migrations (a large one may take minutes). */
const MIGRATION_WAIT_MS = 10 * 60_000;

function ledgerRows(pg: SyncPostgres, connection: string, name: string): LedgerRow[] {
  const [result] = pg.batch(
    [
      {
        sql: `SELECT checksum, finished_at, migration_name FROM "_prisma_migrations"
              WHERE migration_name = $1 AND rolled_back_at IS NULL ORDER BY started_at`,
        params: [name],
      },
    ],
    { connection },
  );
  return result!.rows as unknown as LedgerRow[];
}

function applyOne(pg: SyncPostgres, connection: string, migration: MigrationFile): void {
  const id = randomUUID();
  try {
    pg.batch(
      [
        {
          sql: 'INSERT INTO "_prisma_migrations" (id, checksum, started_at, migration_name) VALUES ($1, $2, now(), $3)',
          params: [id, sha256(migration.sql), migration.name],
        },
        // no parameters: the simple protocol runs the whole script
        { sql: migration.sql },
        { sql: 'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', params: [id] },
      ],
      { connection, transaction: true, waitMs: MIGRATION_WAIT_MS },
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${migration.name} failed and was rolled back: ${message}`, { cause: error });
  }
}

/**
 * Brings the PostgreSQL database up to date with `migrationsDir`, under the
 * `migrations` advisory lock on a connection of its own: nodes that start
 * together wait for each other, and the ones after the first find nothing
 * left to do. Idempotent.
 *
 * @returns the names of the migrations applied by this call, in order.
 * @throws Error naming the migration when one fails (it is rolled back, and
 *   later ones are not attempted), was edited after being applied, or is
 *   recorded as failed by Prisma's engine.
 */
export function applyPostgresMigrations(pg: SyncPostgres, migrationsDir: string): { applied: string[] } {
  const migrations = readMigrations(migrationsDir);
  return withAdvisoryLock(pg, 'migrations', MIGRATION_WAIT_MS, (connection) => {
    pg.batch([{ sql: LEDGER_DDL }], { connection });
    const applied: string[] = [];
    for (const migration of migrations) {
      if (isRecorded(migration, ledgerRows(pg, connection, migration.name))) continue;
      applyOne(pg, connection, migration);
      applied.push(migration.name);
    }
    return { applied };
  });
}

/** `<repo>/prisma/postgres/migrations`, found relative to this file (works from src/ and dist/). */
export function resolvePostgresMigrationsDir(): string {
  return fileURLToPath(new URL('../../prisma/postgres/migrations', import.meta.url));
}
