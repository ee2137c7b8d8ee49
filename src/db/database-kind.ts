/** The databases borgql runs on: SQLite (the default) or PostgreSQL (several nodes). */
export type DatabaseKind = 'sqlite' | 'postgresql';

/**
 * The one place that tells the databases apart: the scheme of DATABASE_URL
 * (`file:` SQLite; `postgresql:` or `postgres:` PostgreSQL). Throws for
 * anything else.
 */
export function databaseKind(databaseUrl: string): DatabaseKind {
  if (databaseUrl.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) return 'postgresql';
  throw new RangeError('DATABASE_URL must be a SQLite file: URL or a postgresql:// URL');
}
