import type { SyncPostgres } from './postgres.js';

/**
 * PostgreSQL advisory locks borgql takes, by purpose. Keys are pairs: a
 * namespace for borgql (`borg` in ASCII) and one number per purpose, so they
 * cannot meet another application's single-number keys in the same database.
 * Advisory locks belong to a database, so clusters on different databases
 * never meet either.
 */
export const ADVISORY_LOCKS = {
  /** held while migrations are applied: nodes that start together migrate once */
  migrations: 1,
  /**
   * held for a server's lifetime when it runs alone (no REDIS_URL): one server per database.
   * A node with Redis only checks that it is free (takes and releases it): it refuses to
   * join a database a Redis-less server runs on, which would never hear of the other nodes.
   */
  server: 2,
  /**
   * taken per transaction (pg_advisory_xact_lock) by every transaction that appends to the
   * event log: PostgreSQL numbers a row when it is inserted, not when it commits, so without it
   * two appenders could commit out of order and a reader that saw the higher number first would
   * skip the lower one (the events subscription, the webhook cursor)
   */
  eventLog: 3,
} as const;

/**
 * Locks keyed by a name (one lock per value), by purpose: each purpose has a
 * namespace of its own as the first key (so a name's hash never meets the
 * numbered locks above), the second is `hashtext(name)`. Two names may share
 * a hash: the worst that does is refuse a start with a clear message.
 */
export const NAMED_ADVISORY_LOCKS = {
  /** held for a node's lifetime, keyed by BORGQL_NODE_NAME: two processes with one node name cannot run */
  node: 0x626f726e,
} as const;

const NAMESPACE = 0x626f7267;

/** SQL arguments of a lock: its namespace and number. */
export const keyOf = (lock: keyof typeof ADVISORY_LOCKS) => [NAMESPACE, ADVISORY_LOCKS[lock]] as const;

/**
 * Runs `fn` while holding `lock` on a connection of its own (`connection`):
 * waits for another holder (up to `waitMs`), and releases it by closing that
 * connection afterwards, whatever `fn` did. A process that dies while
 * holding it loses it with its connection.
 */
export function withAdvisoryLock<T>(pg: SyncPostgres, lock: keyof typeof ADVISORY_LOCKS, waitMs: number, fn: (connection: string) => T): T {
  const connection = `lock:${lock}`;
  pg.batch([{ sql: 'SELECT pg_advisory_lock($1, $2)', params: keyOf(lock) }], { connection, waitMs });
  try {
    return fn(connection);
  } finally {
    pg.batch([{ sql: 'SELECT pg_advisory_unlock($1, $2)', params: keyOf(lock) }], { connection, close: true });
  }
}

/**
 * Takes `lock` without waiting, on a connection kept open until the returned
 * release function is called or the process ends (the lock goes with the
 * session, so a killed process never leaves it behind). Returns null when
 * another session holds it.
 */
export function tryHoldAdvisoryLock(pg: SyncPostgres, lock: keyof typeof ADVISORY_LOCKS): (() => void) | null {
  return tryHold(pg, `lock:${lock}`, '$1, $2', keyOf(lock));
}

/** {@link tryHoldAdvisoryLock} for a lock keyed by a name (NAMED_ADVISORY_LOCKS): null when another session holds it for that name. */
export function tryHoldNamedAdvisoryLock(pg: SyncPostgres, lock: keyof typeof NAMED_ADVISORY_LOCKS, name: string): (() => void) | null {
  return tryHold(pg, `lock:${lock}:${name}`, '$1, hashtext($2)', [NAMED_ADVISORY_LOCKS[lock], name]);
}

/** Whether `lock` is free now: taken and released at once (no other session holds it). */
export function isAdvisoryLockFree(pg: SyncPostgres, lock: keyof typeof ADVISORY_LOCKS): boolean {
  const release = tryHoldAdvisoryLock(pg, lock);
  release?.();
  return release !== null;
}

function tryHold(pg: SyncPostgres, connection: string, keys: string, params: readonly unknown[]): (() => void) | null {
  const [result] = pg.batch([{ sql: `SELECT pg_try_advisory_lock(${keys}) AS "locked"`, params }], { connection });
  if (result?.rows[0]?.locked !== true) {
    pg.batch([], { connection, close: true });
    return null;
  }
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    pg.batch([{ sql: `SELECT pg_advisory_unlock(${keys})`, params }], { connection, close: true });
  };
}
