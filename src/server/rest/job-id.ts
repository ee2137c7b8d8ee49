import { parseRecordId, recordNotFound, type RecordKind } from '../../domain/ids.js';
import { RestError } from './errors.js';

/**
 * A preValidation hook reading the id route parameter `param` by the API's
 * id parser before the route schema coerces it: the schema alone would read
 * `0x10` as 16, `1e3` as 1000 and `1.0` as 1. A decimal id beyond the
 * database's range is a 404 like any unknown record; other non-decimal
 * spellings of a number are a 400. Anything else (`abc`, `-1`, `1.5`) is
 * left to the schema, whose message says what is wrong.
 */
export function recordIdParam(param: string, kind: RecordKind) {
  return async (request: { params: unknown }): Promise<void> => {
    const raw = (request.params as Record<string, unknown> | undefined)?.[param];
    if (typeof raw !== 'string') return;
    if (/^\d+$/.test(raw)) {
      if (parseRecordId(raw) === null) throw recordNotFound(kind, raw);
      return;
    }
    if (/^-\d+$/.test(raw) || !Number.isInteger(Number(raw))) return;
    throw new RestError(400, `params/${param} must be an integer written in decimal digits, got ${JSON.stringify(raw)}`);
  };
}

/** {@link recordIdParam} of the `{job_id}` routes. */
export const jobIdParam = recordIdParam('job_id', 'job');
