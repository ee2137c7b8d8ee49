import { parseRecordId, recordNotFound } from '../../domain/ids.js';
import { RestError } from './errors.js';

/**
 * A `{job_id}` route parameter read by the API's id parser before the
 * route schema coerces it: the schema alone would read `0x10` as job 16,
 * `1e3` as 1000 and `1.0` as 1. A decimal id beyond the database's range is
 * a 404 like any unknown job; other non-decimal spellings of a number are a
 * 400. Anything else (`abc`, `-1`, `1.5`) is left to the schema, whose
 * message says what is wrong.
 */
export async function jobIdParam(request: { params: unknown }): Promise<void> {
  const raw = (request.params as { job_id?: unknown } | undefined)?.job_id;
  if (typeof raw !== 'string') return;
  if (/^\d+$/.test(raw)) {
    if (parseRecordId(raw) === null) throw recordNotFound('job', raw);
    return;
  }
  if (/^-\d+$/.test(raw) || !Number.isInteger(Number(raw))) return;
  throw new RestError(400, `params/job_id must be an integer written in decimal digits, got ${JSON.stringify(raw)}`);
}
