import type { SyncPostgres } from './postgres.js';
import type { SqliteDatabase } from './sqlite.js';

/**
 * The server's own connection to its database, beside Prisma's, for what
 * Prisma is too slow for or cannot express (the log store's blocks, the
 * start-up steps). Each part that needs it has one implementation per
 * database, chosen by `kind` (e.g. src/logs/log-storage.ts).
 */
export type DatabaseConnection = { kind: 'sqlite'; sqlite: SqliteDatabase } | { kind: 'postgresql'; pg: SyncPostgres };

/** The server's database, migrated, with the lock that makes this process its only server. */
export interface ServerDatabase {
  connection: DatabaseConnection;
  /** Closes the connection, then releases the lock. */
  close(): void;
}
