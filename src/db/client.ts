import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../generated/prisma/client.js';
import { databaseKind } from './database-kind.js';

export type { PrismaClient } from '../generated/prisma/client.js';
export type { BackupJob, Repository } from '../generated/prisma/client.js';

/** {@link createPrismaClient} for a `file:` URL, synchronously: SQLite's client is always loaded. */
export function createSqlitePrismaClient(databaseUrl: string): PrismaClient {
  // 'minimal': the default formats quote the call's arguments in error messages,
  // a repository's passphrase included, and error messages reach logs
  return new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: databaseUrl, timeout: 10_000 }), errorFormat: 'minimal' });
}

/**
 * The Prisma client for one server instance. Each `buildApp()` owns its own,
 * so several servers (tests, benchmarks) can live in one process.
 * `DATABASE_URL`'s scheme picks the database (docs/architecture.md,
 * "Databases"): `file:` SQLite, `postgresql:` PostgreSQL. On SQLite,
 * `timeout` is better-sqlite3's busy timeout: the log store writes through a
 * second connection, and SQLite serialises writers.
 *
 * Asynchronous because PostgreSQL's client and adapter are imported only
 * when used: about 21 ms and 5 MB that a SQLite server (the default) would
 * otherwise pay at every start (measured beside the server's other modules).
 */
export async function createPrismaClient(databaseUrl: string): Promise<PrismaClient> {
  if (databaseKind(databaseUrl) === 'sqlite') return createSqlitePrismaClient(databaseUrl);
  const [{ PrismaPg }, { PrismaClient: PostgresPrismaClient }] = await Promise.all([import('@prisma/adapter-pg'), import('../generated/prisma-pg/client.js')]);
  // without a connect timeout a request waits forever for a PostgreSQL that no longer answers (a dropped
  // network); with it, it fails in seconds and is answered 503 (db/unavailable.ts)
  const adapter = new PrismaPg({ connectionString: databaseUrl, connectionTimeoutMillis: 5000, keepAlive: true });
  const client = new PostgresPrismaClient({ adapter, errorFormat: 'minimal' }); // 'minimal': see createSqlitePrismaClient
  // The one cast between the two clients. Both are generated from the same models (prisma/postgres/schema.prisma
  // is written from prisma/schema.prisma), so every model, query and result type is the same; they differ only in
  // $transaction's isolationLevel option (SQLite knows only Serializable), which borgql never passes.
  return client as unknown as PrismaClient;
}
