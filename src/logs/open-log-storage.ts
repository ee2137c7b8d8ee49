import type { DatabaseConnection } from '../db/connection.js';
import type { LogStorage } from './log-storage.js';
import { PostgresLogStorage } from './postgres-log-storage.js';
import { SqliteLogStorage } from './sqlite-log-storage.js';

/** The log storage of the server's database connection. */
export function openLogStorage(connection: DatabaseConnection): LogStorage {
  return connection.kind === 'sqlite' ? new SqliteLogStorage(connection.sqlite) : new PostgresLogStorage(connection.pg);
}
