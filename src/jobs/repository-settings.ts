import path from 'node:path';
import type { RetentionPolicy } from '../borg/index.js';
import { DEFAULT_LIST_FILTER, FILE_STATUS_LETTERS, LIST_EVERY_ITEM, isValidListFilter } from '../borg/command.js';
import { ValidationError } from './errors.js';

/** Reads a JSON-encoded string list column (sourcePaths, excludePatterns). */
export function parseStringList(stored: string): string[] {
  const value: unknown = JSON.parse(stored);
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** True for borg's remote repository syntax (`ssh://…` or `user@host:path`). */
export function isRemoteRepositoryPath(location: string): boolean {
  return location.startsWith('ssh://') || /^[^/\s:]+@[^/\s:]+:/.test(location);
}

/**
 * Checks a repository location: an absolute local path or borg's ssh
 * syntax. Returns it normalised (no trailing slash, no `..`), so the same
 * repository cannot be registered twice under two spellings.
 */
export function validateRepositoryPath(location: string, field = 'path'): string {
  const trimmed = location.trim();
  if (trimmed === '') throw new ValidationError('repository path must not be empty', field);
  if (isRemoteRepositoryPath(trimmed)) return trimmed;
  if (!path.isAbsolute(trimmed)) {
    throw new ValidationError(`repository path must be absolute or ssh://…, got "${location}"`, field);
  }
  if (trimmed.includes('::')) throw new ValidationError('repository path must not contain "::"', field);
  return path.resolve(trimmed);
}

/** Checks source paths: at least one, each absolute, no duplicates. */
export function validateSourcePaths(sources: readonly string[], field = 'sourcePaths'): string[] {
  if (sources.length === 0) throw new ValidationError('at least one source path is required', field);
  const normalised = sources.map((source) => {
    if (source.trim() === '') throw new ValidationError('source paths must not be empty', field);
    if (!path.isAbsolute(source)) throw new ValidationError(`source path must be absolute, got "${source}"`, field);
    return path.resolve(source);
  });
  return [...new Set(normalised)];
}

/** Checks exclude patterns: non-empty strings, and `re:` patterns must compile. */
export function validateExcludePatterns(patterns: readonly string[], field = 'excludePatterns'): string[] {
  for (const pattern of patterns) {
    if (pattern.trim() === '') throw new ValidationError('exclude patterns must not be empty', field);
    if (pattern.startsWith('re:')) {
      try {
        new RegExp(pattern.slice(3));
      } catch {
        throw new ValidationError(`exclude pattern is not a valid regular expression: "${pattern}"`, field);
      }
    }
  }
  return [...patterns];
}

const COMPRESSION = /^(none|lz4|zstd(,\d{1,2})?|zlib(,\d)?|lzma(,\d)?|auto,(lz4|zstd(,\d{1,2})?|zlib(,\d)?|lzma(,\d)?)|obfuscate,\d+,.+)$/;

/** Checks a borg `--compression` spec (`lz4`, `zstd,3`, `auto,zlib,6`…). */
export function validateCompression(spec: string, field = 'compression'): string {
  if (!COMPRESSION.test(spec)) {
    throw new ValidationError(`unknown compression "${spec}" (use none, lz4, zstd[,N], zlib[,N], lzma[,N] or auto,…)`, field);
  }
  return spec;
}

const ENCRYPTION = new Set([
  'none',
  'authenticated',
  'authenticated-blake2',
  'repokey',
  'repokey-blake2',
  'keyfile',
  'keyfile-blake2',
]);

/** Checks a `borg init --encryption` mode; encrypted modes need a passphrase. */
export function validateEncryption(mode: string, passphrase: string | null | undefined): string {
  if (!ENCRYPTION.has(mode)) {
    throw new ValidationError(`unknown encryption "${mode}" (one of ${[...ENCRYPTION].join(', ')})`, 'encryption');
  }
  if (mode !== 'none' && !passphrase) {
    throw new ValidationError(`encryption "${mode}" needs a passphrase`, 'passphrase');
  }
  return mode;
}

/** A retention policy as the API takes it (RetentionInput): borg's prune rules plus compaction. */
export interface RetentionSettings extends RetentionPolicy {
  compact?: boolean | null;
}

const KEEP_COUNTS = ['keepLast', 'keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const;

/**
 * Checks a retention policy and returns the Repository columns it sets.
 * `null` clears every rule (no prune). A policy needs at least one rule:
 * borg prune refuses to run without one.
 */
export function validateRetention(retention: RetentionSettings | null): Record<string, string | number | boolean | null> {
  const columns: Record<string, string | number | boolean | null> = { keepWithin: null, compact: retention?.compact ?? true };
  for (const key of KEEP_COUNTS) columns[key] = null;
  if (retention === null) return columns;
  if (retention.keepWithin) {
    if (!/^[1-9]\d*[Hdwmy]$/.test(retention.keepWithin)) {
      throw new ValidationError(`keepWithin must be a number and a unit (H d w m y), e.g. "7d"; got "${retention.keepWithin}"`, 'retention.keepWithin');
    }
    columns.keepWithin = retention.keepWithin;
  }
  for (const key of KEEP_COUNTS) {
    const value = retention[key];
    if (value === null || value === undefined || value === 0) continue;
    if (!Number.isInteger(value) || value < 0 || value > 1_000_000) {
      throw new ValidationError(`${key} must be a whole number from 0 to 1000000, got ${value}`, `retention.${key}`);
    }
    columns[key] = value;
  }
  if (columns.keepWithin === null && KEEP_COUNTS.every((key) => columns[key] === null)) {
    throw new ValidationError('a retention policy needs at least one rule (keepWithin or a keep count above 0)', 'retention');
  }
  return columns;
}

/** Checks borg's lock wait in seconds (0 fails at once when the repository is busy). */
export function validateLockWait(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
    throw new ValidationError(`lockWaitSeconds must be a whole number from 0 to 3600, got ${seconds}`, 'lockWaitSeconds');
  }
  return seconds;
}

/**
 * Checks a repository's listFilter: which files get a line in job logs, as
 * borg's `--filter` status letters (case matters: A M U C E d b c h s f i -
 * x ?), `*` for every file, `""` for none. null means the default (AME);
 * repeated letters are dropped.
 */
export function validateListFilter(filter: string | null, field = 'listFilter'): string {
  if (filter === null) return DEFAULT_LIST_FILTER;
  const trimmed = filter.trim();
  if (!isValidListFilter(trimmed)) {
    const unknown = [...new Set([...trimmed].filter((letter) => !FILE_STATUS_LETTERS.includes(letter)))];
    throw new ValidationError(
      `listFilter takes borg's status letters ${FILE_STATUS_LETTERS} (case matters) or "${LIST_EVERY_ITEM}" for every file; ` +
        `not ${unknown.map((letter) => JSON.stringify(letter)).join(', ')}`,
      field,
    );
  }
  return [...new Set(trimmed)].join('');
}
