import path from 'node:path';
import { parseBorgLocation, remoteLocationProblem, type RetentionPolicy } from '../borg/index.js';
import { DEFAULT_LIST_FILTER, FILE_STATUS_LETTERS, LIST_EVERY_ITEM, isValidListFilter } from '../borg/command.js';
import { ValidationError } from '../domain/errors.js';

/** Reads a JSON-encoded string list column (sourcePaths, excludePatterns). */
export function parseStringList(stored: string): string[] {
  const value: unknown = JSON.parse(stored);
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

// Unicode control characters (C0, DEL, C1): never meant in a name or a location.
const CONTROL = /\p{Cc}/u;
// NUL cannot be passed to a process (argument or environment): borg would never start.
const NUL = '\0';

/** Longest path or pattern taken: Linux's PATH_MAX (the kernel refuses single arguments over 128 KiB). */
export const MAX_PATH_LENGTH = 4096;
/**
 * Most entries the source paths, and the exclude patterns, of a repository
 * may each have. Both lists go on borg's command line, which Linux caps at
 * 2 MiB with the environment: over that, every backup would fail to start.
 */
export const MAX_LIST_ENTRIES = 1000;
/** Most bytes each of those lists may take (see {@link MAX_LIST_ENTRIES}). */
export const MAX_LIST_BYTES = 256 * 1024;

function checkLength(value: string, what: string, field: string): void {
  if (value.length > MAX_PATH_LENGTH) throw new ValidationError(`${what} must be at most ${MAX_PATH_LENGTH} characters`, field);
}

function checkListSize(values: readonly string[], what: string, field: string): void {
  if (values.length > MAX_LIST_ENTRIES) throw new ValidationError(`at most ${MAX_LIST_ENTRIES} ${what} are allowed`, field);
  const bytes = values.reduce((sum, value) => sum + Buffer.byteLength(value), 0);
  if (bytes > MAX_LIST_BYTES) throw new ValidationError(`${what} must take at most ${MAX_LIST_BYTES / 1024} KiB together`, field);
}

/** Checks a repository name: 1–200 characters once trimmed, no control characters (it labels logs and metrics). */
export function validateName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') throw new ValidationError('name must not be empty', 'name');
  if (trimmed.length > 200) throw new ValidationError('name must be at most 200 characters', 'name');
  if (CONTROL.test(trimmed)) throw new ValidationError('name must not contain control characters', 'name');
  return trimmed;
}

/**
 * Checks a repository location as borg parses it (`Location` in borg 1.2):
 * an absolute local path, `ssh://[user@]host[:port]/path` or scp-style
 * `[user@]host:path` (the user may be left to ssh's configuration). A remote
 * user or host must be plain (`[A-Za-z0-9._-]`, not starting with `-`; the
 * host may be an IPv6 address in brackets): ssh gets them as its
 * destination argument. No control characters, no `{`/`}` (borg
 * placeholders), no `::archive`, no `file://`. Returns it normalised (a
 * local path without trailing slash or `..`), so the same repository
 * cannot be registered twice under two spellings.
 */
export function validateRepositoryPath(location: string, field = 'path'): string {
  const trimmed = location.trim();
  if (trimmed === '') throw new ValidationError('repository path must not be empty', field);
  checkLength(trimmed, 'repository path', field);
  if (CONTROL.test(trimmed)) throw new ValidationError('repository path must not contain control characters', field);
  if (/[{}]/.test(trimmed)) {
    throw new ValidationError('repository path must not contain "{" or "}": borg reads them as placeholders ({hostname}, {now}…)', field);
  }
  const parsed = parseBorgLocation(trimmed);
  if (parsed ? parsed.archive !== null : trimmed.includes('::')) {
    throw new ValidationError('repository path must not contain "::" (borg reads what follows as an archive)', field);
  }
  if (parsed?.kind === 'remote') {
    const problem = remoteLocationProblem(parsed);
    if (problem) throw new ValidationError(`repository path "${trimmed}": ${problem}`, field);
    return trimmed;
  }
  if (parsed?.fileUrl) throw new ValidationError(`write a local repository as an absolute path, without file://: got "${trimmed}"`, field);
  if (!parsed || !path.isAbsolute(trimmed)) {
    throw new ValidationError(`repository path must be absolute, ssh://… or user@host:path, got "${trimmed}"`, field);
  }
  return path.resolve(trimmed);
}

/**
 * Checks source paths: at least one, each absolute, no duplicates, no NUL
 * (other control characters can be part of a real folder's name, and the
 * folder must exist).
 */
export function validateSourcePaths(sources: readonly string[], field = 'sourcePaths'): string[] {
  if (sources.length === 0) throw new ValidationError('at least one source path is required', field);
  const normalised = sources.map((source) => {
    if (source.trim() === '') throw new ValidationError('source paths must not be empty', field);
    if (source.includes(NUL)) throw new ValidationError('source paths must not contain NUL characters', field);
    checkLength(source, 'a source path', field);
    if (!path.isAbsolute(source)) throw new ValidationError(`source path must be absolute, got "${source}"`, field);
    return path.resolve(source);
  });
  checkListSize(normalised, 'source paths', field);
  return [...new Set(normalised)];
}

/**
 * Checks exclude patterns: non-empty, no control characters (a pattern
 * matches such a name with `?`, `*` or a `re:` escape), and `re:` patterns
 * must compile.
 */
export function validateExcludePatterns(patterns: readonly string[], field = 'excludePatterns'): string[] {
  for (const pattern of patterns) {
    if (pattern.trim() === '') throw new ValidationError('exclude patterns must not be empty', field);
    if (CONTROL.test(pattern)) {
      throw new ValidationError(`exclude pattern ${JSON.stringify(pattern)} contains a control character; match one with ? or * instead`, field);
    }
    checkLength(pattern, 'an exclude pattern', field);
    if (pattern.startsWith('re:')) {
      try {
        new RegExp(pattern.slice(3));
      } catch {
        throw new ValidationError(`exclude pattern is not a valid regular expression: "${pattern}"`, field);
      }
    }
  }
  checkListSize(patterns, 'exclude patterns', field);
  return [...patterns];
}

// borg 1.2's CompressionSpec: levels zstd 1–22, zlib and lzma 0–9; obfuscate 1–6 or 110–123 around a plain or auto spec
const PLAIN_COMPRESSION = String.raw`none|lz4|zstd(?:,(?:[1-9]|1[0-9]|2[0-2]))?|zlib(?:,[0-9])?|lzma(?:,[0-9])?`;
const AUTO_COMPRESSION = String.raw`auto,(?:${PLAIN_COMPRESSION})`;
const COMPRESSION = new RegExp(
  String.raw`^(?:${PLAIN_COMPRESSION}|${AUTO_COMPRESSION}|obfuscate,(?:[1-6]|11[0-9]|12[0-3]),(?:${PLAIN_COMPRESSION}|${AUTO_COMPRESSION}))$`,
);

/** Checks a borg `--compression` spec (`lz4`, `zstd,3`, `auto,zlib,6`…) as borg 1.2 accepts it. */
export function validateCompression(spec: string, field = 'compression'): string {
  if (!COMPRESSION.test(spec)) {
    throw new ValidationError(`unknown compression ${JSON.stringify(spec)} (use none, lz4, zstd[,1-22], zlib[,0-9], lzma[,0-9], auto,… or obfuscate,…)`, field);
  }
  return spec;
}

/** Checks a passphrase: anything but NUL, which cannot reach borg's environment. Never echoes it. */
export function validatePassphrase(passphrase: string): string {
  if (passphrase.includes(NUL)) throw new ValidationError('passphrase must not contain NUL characters', 'passphrase');
  return passphrase;
}

const ENCRYPTION = new Set(['none', 'authenticated', 'authenticated-blake2', 'repokey', 'repokey-blake2', 'keyfile', 'keyfile-blake2']);

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
