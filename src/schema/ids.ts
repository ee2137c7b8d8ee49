import { NotFoundError } from '../domain/errors.js';
import { parseRecordId } from '../domain/ids.js';

/**
 * An id argument (job, repository, schedule, API token) as a row id, or null
 * when it can match no row: decimal digits up to the database's range only
 * (see parseRecordId).
 */
export const parseJobId: (id: string | number) => number | null = parseRecordId;

/** An id argument as a row id; NotFoundError ("<kind> <id> not found") when it can match no row. */
export function idOrNotFound(kind: string, id: string | number): number {
  const parsed = parseRecordId(id);
  if (parsed === null) throw new NotFoundError(`${kind} ${id} not found`);
  return parsed;
}
