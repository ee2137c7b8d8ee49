import { tryHoldAdvisoryLock } from './advisory-locks.js';
import type { ServerDatabase } from './connection.js';
import { PostgresError, SyncPostgres } from './postgres.js';
import { applyPostgresMigrations, resolvePostgresMigrationsDir } from './postgres-migrate.js';
import { StartupError } from './startup-error.js';

/** `postgresql://host:port/database` without user and password: what messages may name. */
export function describePostgresUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.host || 'localhost'}${url.pathname || '/'}`;
}

/** Node's and PostgreSQL's words for "nobody answers there". */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNRESET', '57P03']);

function startupError(where: string, error: unknown): StartupError {
  const code = error instanceof PostgresError ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (code !== undefined && UNREACHABLE.has(code))
    return new StartupError(`cannot reach PostgreSQL at ${where} (${message}): is it running? (DATABASE_URL)`, { cause: error });
  if (code === '3D000')
    return new StartupError(`the PostgreSQL database ${where} does not exist (${message}): create it, or point DATABASE_URL elsewhere`, { cause: error });
  if (code === '28P01' || code === '28000')
    return new StartupError(`PostgreSQL at ${where} refused the login (${message}): check DATABASE_URL's user and password`, { cause: error });
  return new StartupError(`cannot open the PostgreSQL database ${where}: ${message}`, { cause: error });
}

/**
 * The PostgreSQL side of openServerDatabase: connects (a server that does not
 * answer is a StartupError in one line, the URL's password left out), takes
 * the one-server lock (an advisory lock held by a connection of its own for
 * the server's lifetime: a second server on the database refuses to start,
 * and a killed one never leaves it behind), then applies the migrations
 * under their own advisory lock.
 */
export function openPostgresDatabase(databaseUrl: string): ServerDatabase {
  const where = describePostgresUrl(databaseUrl);
  const pg = new SyncPostgres(databaseUrl);
  let release: (() => void) | null = null;
  try {
    try {
      pg.query('SELECT 1');
      release = tryHoldAdvisoryLock(pg, 'server');
    } catch (error) {
      throw startupError(where, error);
    }
    if (!release) throw new StartupError(`another borgql server is using the PostgreSQL database ${where}: stop it first, or give this one its own database`);
    try {
      applyPostgresMigrations(pg, resolvePostgresMigrationsDir());
    } catch (error) {
      throw new StartupError(`cannot migrate the PostgreSQL database ${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  } catch (error) {
    pg.close();
    throw error;
  }
  const held = release;
  return {
    connection: { kind: 'postgresql', pg },
    close() {
      try {
        held();
      } catch {
        // closing the thread below ends the session, and the lock with it
      }
      pg.close();
    },
  };
}
