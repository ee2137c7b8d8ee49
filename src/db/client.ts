import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../generated/prisma/client.js';

export type { PrismaClient } from '../generated/prisma/client.js';
export type { BackupJob, Repository } from '../generated/prisma/client.js';

/**
 * The Prisma client for one server instance. Each `buildApp()` owns its own,
 * so several servers (tests, benchmarks) can live in one process.
 * `timeout` is better-sqlite3's busy timeout: the log store writes through a
 * second connection, and SQLite serialises writers.
 */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  // 'minimal': the default formats quote the call's arguments in error messages,
  // a repository's passphrase included, and error messages reach logs
  return new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: databaseUrl, timeout: 10_000 }), errorFormat: 'minimal' });
}
