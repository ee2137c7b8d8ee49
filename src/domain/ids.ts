import { NotFoundError } from './errors.js';

/**
 * The largest id a row can have: ids are Prisma `Int` columns, which Prisma
 * defines as signed 32-bit whatever the database stores.
 */
export const MAX_RECORD_ID = 2_147_483_647;

/** What an id can name, as messages call it. */
export type RecordKind = 'job' | 'repository' | 'schedule' | 'API token' | 'webhook' | 'webhook delivery';

/**
 * Reads the id of a job, repository, schedule or API token as the API and
 * the REST routes take it: decimal digits only (the REST job_id), at most
 * {@link MAX_RECORD_ID}. null for anything else (`-1`, `1e3`, `0x10`,
 * `9223372036854775808`): such an id matches no row, so callers answer "not
 * found", and the database never sees a number it cannot hold.
 */
export function parseRecordId(id: string | number): number | null {
  const text = typeof id === 'number' ? String(id) : id.trim();
  if (!/^\d+$/.test(text)) return null;
  // digits only, so Number() is exact up to the bound that matters here
  const value = Number(text);
  return value <= MAX_RECORD_ID ? value : null;
}

/**
 * The error for an id that matches no row: `job 12 not found`, with the id
 * as the caller wrote it (clients and tests read these messages).
 */
export function recordNotFound(kind: RecordKind, id: string | number): NotFoundError {
  return new NotFoundError(`${kind} ${id} not found`);
}

/** Reads an id as {@link parseRecordId} does; one that can match no row throws {@link recordNotFound}. */
export function recordIdOrNotFound(kind: RecordKind, id: string | number): number {
  const parsed = parseRecordId(id);
  if (parsed === null) throw recordNotFound(kind, id);
  return parsed;
}
