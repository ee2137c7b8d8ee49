import { ValidationError } from '../domain/errors.js';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** Longest staleAfter taken: a year. */
const MAX_STALE_AFTER_MS = 366 * UNIT_MS.d;

/**
 * Reads a repository's staleAfter: a whole number and one unit, s m h d or w
 * ("26h", "3d", "90m"); milliseconds. Anything else (spaces, "1.5h", "0h",
 * two units, over a year) is a ValidationError on `staleAfter`.
 */
export function parseStaleAfter(text: string): number {
  const match = /^([1-9]\d{0,6})([smhdw])$/.exec(text);
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : NaN;
  if (!(ms <= MAX_STALE_AFTER_MS)) {
    throw new ValidationError(`staleAfter takes a whole number and a unit (s, m, h, d or w) up to a year, such as "26h" or "3d"; got "${text}"`, 'staleAfter');
  }
  return ms;
}

/** Checks a staleAfter (see {@link parseStaleAfter}) and returns it as stored. */
export function validateStaleAfter(text: string): string {
  parseStaleAfter(text);
  return text;
}
