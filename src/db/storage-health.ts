/**
 * Whether the server's own writes to its data folder succeed. The writers
 * that keep state in memory until it is stored (job logs, job states, the
 * log retention) report each failure and each recovery here; `/healthz`
 * answers 503 with `problem()` while any of them is failing.
 */

/** Delays between retries of a failing write: doubling from `initialMs` up to `maxMs`. */
export interface RetryDelays {
  initialMs: number;
  maxMs: number;
}

/**
 * Retries of a failed write: 1 s, 2 s, 4 s, 8 s, then every 15 s. Retrying
 * on every new line or progress event instead made a full disk slow borg
 * down to a crawl (each attempt rewrote the whole waiting batch).
 */
export const DEFAULT_RETRY_DELAYS: RetryDelays = { initialMs: 1000, maxMs: 15_000 };

/** The delay before the next retry of a write that keeps failing. */
export class RetryBackoff {
  #next: number | null = null;

  constructor(private readonly delays: RetryDelays = DEFAULT_RETRY_DELAYS) {}

  /** Whether the last attempt failed. */
  get failing(): boolean {
    return this.#next !== null;
  }

  /** Records a failure; returns how long to wait before retrying. */
  failed(): number {
    const delay = this.#next ?? this.delays.initialMs;
    this.#next = Math.min(delay * 2, this.delays.maxMs);
    return delay;
  }

  /** Records a success: the next failure starts from the initial delay again. */
  succeeded(): void {
    this.#next = null;
  }
}

/**
 * A short, fixed description of a storage error, safe for an unauthenticated
 * health check (the full error goes to the server's log only).
 */
export function describeStorageError(error: unknown): string {
  const rawCode = (error as { code?: unknown } | null)?.code;
  const code = typeof rawCode === 'string' || typeof rawCode === 'number' ? String(rawCode) : '';
  const message = error instanceof Error ? error.message : String(error);
  const text = `${code} ${message}`;
  if (/SQLITE_FULL|ENOSPC|disk is full|No space left|\b53100\b/i.test(text)) return 'the data disk is full';
  // PostgreSQL: refused or lost connections, a server shutting down (57P0x), connection failures (08xxx)
  if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|\b57P0\d\b|\b08\d\d\d\b|Connection terminated|did not answer/i.test(text))
    return 'the database does not answer';
  if (/SQLITE_READONLY|EROFS|read-only|readonly/i.test(text)) return 'the database is read-only';
  if (/SQLITE_BUSY|SQLITE_LOCKED|database is locked/i.test(text)) return 'the database is locked by another process';
  if (/SQLITE_IOERR|EIO|disk I\/O error/i.test(text)) return 'the data disk reports I/O errors';
  if (/SQLITE_CORRUPT|malformed/i.test(text)) return 'the database file is damaged';
  return 'writing to the database failed';
}

interface Failure {
  since: Date;
  reason: string;
}

/** The failing writers of one server, by name (e.g. `the log of job 7`). */
export class StorageHealth {
  readonly #failures = new Map<string, Failure>();

  /** A write of `writer` failed; it keeps retrying until `recovered(writer)`. */
  failed(writer: string, error: unknown): void {
    const reason = describeStorageError(error);
    const known = this.#failures.get(writer);
    this.#failures.set(writer, { since: known?.since ?? new Date(), reason });
  }

  /** A write of `writer` succeeded (or it has nothing left to write). */
  recovered(writer: string): void {
    this.#failures.delete(writer);
  }

  /** null while every write succeeds; else what fails, since when, and how many writers wait. */
  problem(): string | null {
    let first: [string, Failure] | null = null;
    for (const entry of this.#failures) if (!first || entry[1].since < first[1].since) first = entry;
    if (!first) return null;
    const [writer, { since, reason }] = first;
    const others = this.#failures.size - 1;
    const more = others === 0 ? '' : ` (and ${others} more waiting to be saved)`;
    return `cannot save ${writer} since ${since.toISOString()}: ${reason}${more}`;
  }
}
