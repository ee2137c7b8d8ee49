/**
 * argv and environment builders for borg 1.2 (checked against 1.2.4's
 * `--help`). Pure functions. Every command gets `--log-json` so stderr is
 * machine-readable, and `--` before the repository positional so a path
 * starting with `-` is never read as an option. Options that take a value
 * use the `--opt=value` form where the value is user data (`--exclude=-x`
 * works, `--exclude -x` is an argparse error). Every builder refuses a
 * repository location that would hand ssh an option or a shell
 * metacharacter (location.ts), whatever stored it.
 */

import { unsafeLocationReason } from './location.js';

/** Where a repository is and how to unlock it. The passphrase only ever goes into the environment. */
export interface RepositoryAccess {
  path: string;
  passphrase?: string | null;
  /** BORG_PASSCOMMAND: a command printing the passphrase; wins over `passphrase` */
  passcommand?: string | null;
  lockWaitSeconds?: number;
}

/**
 * Seconds borg waits for a repository lock. borg's own default (1 s) makes a
 * `list` from the API fail while a just-finished job is still releasing the
 * lock; a few seconds absorbs that without hiding a real conflict for long.
 */
export const DEFAULT_LOCK_WAIT_SECONDS = 5;

/** Compression used when a repository does not choose one (borg's default too). */
export const DEFAULT_COMPRESSION = 'lz4';

/**
 * The environment borg runs with: the inherited one plus fixed answers to
 * every question borg could ask, since it runs with stdin closed.
 */
export function borgEnvironment(access: RepositoryAccess, inherited: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(inherited)) if (v !== undefined) env[k] = v;
  // An operator's own passcommand/fd must not override the repository's passphrase,
  // nor BORG_NEW_PASSPHRASE replace it when borg init creates the repository key.
  delete env.BORG_PASSCOMMAND;
  delete env.BORG_PASSPHRASE_FD;
  delete env.BORG_NEW_PASSPHRASE;
  // borg prints naive local timestamps; UTC makes them unambiguous (parse.ts relies on it).
  env.TZ = 'UTC';
  // Python needs a UTF-8 locale to print non-ASCII paths instead of escaping them.
  env.LANG = 'C.UTF-8';
  if (access.passcommand) {
    // borg reads BORG_PASSPHRASE first, even empty, and would never run the command
    delete env.BORG_PASSPHRASE;
    env.BORG_PASSCOMMAND = access.passcommand;
  } else {
    // Empty instead of unset: an encrypted repository then fails with PassphraseWrong
    // at once rather than prompting on a closed stdin (NoPassphraseFailure after noise).
    env.BORG_PASSPHRASE = access.passphrase ?? '';
  }
  // Only repositories an admin registered are ever opened, so a first contact with an
  // unencrypted one is expected; without this borg aborts (Cache.CacheInitAbortedError).
  env.BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK = 'yes';
  // A moved repository may be a different one behind the same id: refuse, let a person decide.
  env.BORG_RELOCATED_REPO_ACCESS_IS_OK = 'no';
  // Destructive confirmations are never given automatically.
  env.BORG_CHECK_I_KNOW_WHAT_I_AM_DOING = 'NO';
  env.BORG_DELETE_I_KNOW_WHAT_I_AM_DOING = 'NO';
  return env;
}

/** True when `name` can be used as a borg archive name (no `/`, no `::`, not empty, no control chars). */
export function isValidArchiveName(name: string): boolean {
  return name.length > 0 && !name.includes('/') && !name.includes('::') && !/[\x00-\x1f]/.test(name);
}

/**
 * Archive name for a backup started at `date`: `borgql-<jobId>-2026-11-26T10:15:30Z`
 * (or `borgql-2026-11-26T10:15:30Z` without a job id). UTC, to the second,
 * like borg's `{now}` placeholder plus `Z`; the job id keeps two jobs of the
 * same second apart. Characters outside `[A-Za-z0-9._-]` in the id become `-`
 * so the result is always a valid name and easy to glob (`borgql-*`).
 */
export function archiveNameFor(date: Date, jobId?: string | number | null): string {
  const stamp = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const id = jobId === undefined || jobId === null ? '' : String(jobId).replace(/[^A-Za-z0-9._-]/g, '-');
  return id ? `borgql-${id}-${stamp}` : `borgql-${stamp}`;
}

/** The repository operand; RangeError for a location borg must not be given. */
function repository(location: string): string {
  const reason = unsafeLocationReason(location);
  if (reason) throw new RangeError(`refusing repository location ${JSON.stringify(location)}: ${reason}`);
  return location;
}

const lockWait = (seconds: number | undefined): string[] => ['--lock-wait', String(Math.max(0, Math.round(seconds ?? DEFAULT_LOCK_WAIT_SECONDS)))];

/**
 * The status letters `borg create --list` prefixes items with (borg 1.2's
 * "Item flags"): A added, M modified, U unchanged, C changed while read,
 * E error (regular files); d directory, b block and c char device, h hard
 * link, s symlink, f fifo; i stdin, - dry run, x excluded, ? unknown.
 */
export const FILE_STATUS_LETTERS = 'AMUCEdbchsfi-x?';

/**
 * Which file lines `borg create` prints by default: added, modified and
 * error (`--filter=AME`). An unchanged re-backup then prints no line per
 * file, only borg's messages.
 */
export const DEFAULT_LIST_FILTER = 'AME';

/** `listFilter` value for a line for every item (borg runs with `--list` and no `--filter`). */
export const LIST_EVERY_ITEM = '*';

/** True for a listFilter createArgs accepts: `*`, or status letters (none: no file lines at all). */
export function isValidListFilter(filter: string): boolean {
  return filter === LIST_EVERY_ITEM || [...filter].every((letter) => FILE_STATUS_LETTERS.includes(letter));
}

/** `--list` and `--filter` for a listFilter (see CreateArgsOptions.listFilter). */
function listArgsFor(filter: string | null | undefined): string[] {
  const letters = filter ?? DEFAULT_LIST_FILTER;
  if (!isValidListFilter(letters)) throw new RangeError(`invalid list filter: ${JSON.stringify(letters)} (status letters ${FILE_STATUS_LETTERS} or *)`);
  if (letters === LIST_EVERY_ITEM) return ['--list'];
  return letters === '' ? [] : ['--list', `--filter=${letters}`];
}

/** Options of {@link createArgs}. */
export interface CreateArgsOptions {
  repoPath: string;
  archiveName: string;
  sourcePaths: string[];
  excludePatterns?: string[];
  compression?: string | null;
  lockWaitSeconds?: number;
  /**
   * which items get a `file_status` line: status letters for `--filter`
   * (default DEFAULT_LIST_FILTER), `*` for every item, `""` for none (no `--list`)
   */
  listFilter?: string | null;
}

/**
 * `borg create` with live progress (`--progress` → archive_progress lines),
 * per-file status (`--list --filter=…`) and the summary on stdout (`--json`).
 * Throws RangeError on an invalid archive name or list filter, or no sources.
 */
export function createArgs(o: CreateArgsOptions): string[] {
  if (!isValidArchiveName(o.archiveName)) throw new RangeError(`invalid archive name: ${JSON.stringify(o.archiveName)}`);
  if (o.sourcePaths.length === 0) throw new RangeError('borg create needs at least one source path');
  return [
    'create',
    '--log-json',
    '--progress',
    '--json',
    ...listArgsFor(o.listFilter),
    ...lockWait(o.lockWaitSeconds),
    `--compression=${o.compression || DEFAULT_COMPRESSION}`,
    ...(o.excludePatterns ?? []).map((p) => `--exclude=${p}`),
    '--',
    `${repository(o.repoPath)}::${o.archiveName}`,
    ...o.sourcePaths,
  ];
}

/**
 * `borg init`. With a `repokey*`/`keyfile*` mode the passphrase comes from the
 * environment: an empty BORG_PASSPHRASE would create a key with an empty
 * passphrase, so callers must supply one for encrypted modes.
 */
export function initArgs(repoPath: string, encryption: string, options: { makeParentDirs?: boolean } = {}): string[] {
  return ['init', '--log-json', `--encryption=${encryption}`, ...(options.makeParentDirs ? ['--make-parent-dirs'] : []), '--', repository(repoPath)];
}

/** `borg info --json REPO`: repository id, encryption and total sizes. */
export function repositoryInfoArgs(repoPath: string, lockWaitSeconds?: number): string[] {
  return ['info', '--json', '--log-json', ...lockWait(lockWaitSeconds), '--', repository(repoPath)];
}

/** `borg info --json REPO::ARCH`: one archive's stats. */
export function archiveInfoArgs(repoPath: string, archive: string, lockWaitSeconds?: number): string[] {
  if (!isValidArchiveName(archive)) throw new RangeError(`invalid archive name: ${JSON.stringify(archive)}`);
  return ['info', '--json', '--log-json', ...lockWait(lockWaitSeconds), '--', `${repository(repoPath)}::${archive}`];
}

/**
 * The `--format` whose keys borg 1.2 adds to each archive of `list --json`
 * (it prints only name, id, start and time without one).
 */
const ARCHIVE_DETAILS_FORMAT = '--format={end}{hostname}{username}{comment}';

/**
 * `borg list --json REPO`. Checkpoint archives are hidden unless asked for;
 * `details` adds end, hostname, username and comment to each archive.
 */
export function listArgs(repoPath: string, lockWaitSeconds?: number, options: { considerCheckpoints?: boolean; details?: boolean } = {}): string[] {
  return [
    'list',
    '--json',
    '--log-json',
    ...lockWait(lockWaitSeconds),
    ...(options.considerCheckpoints ? ['--consider-checkpoints'] : []),
    ...(options.details ? [ARCHIVE_DETAILS_FORMAT] : []),
    '--',
    repository(repoPath),
  ];
}

/** A retention policy; null/undefined/0 means "rule not used". */
export interface RetentionPolicy {
  /** borg interval: a positive integer and one of H d w m y, e.g. `7d`. */
  keepWithin?: string | null;
  keepLast?: number | null;
  keepHourly?: number | null;
  keepDaily?: number | null;
  keepWeekly?: number | null;
  keepMonthly?: number | null;
  keepYearly?: number | null;
}

const KEEP_FLAGS = [
  ['keepLast', '--keep-last'],
  ['keepHourly', '--keep-hourly'],
  ['keepDaily', '--keep-daily'],
  ['keepWeekly', '--keep-weekly'],
  ['keepMonthly', '--keep-monthly'],
  ['keepYearly', '--keep-yearly'],
] as const;

/** True when the policy has at least one rule; borg prune refuses to run without one (exit 2). */
export function hasRetentionRule(r: RetentionPolicy): boolean {
  return Boolean(r.keepWithin) || KEEP_FLAGS.some(([key]) => (r[key] ?? 0) > 0);
}

/**
 * `borg prune` with the decisions as log lines (`--list`) and progress.
 * borg 1.2.4 has `--keep-last` (alias `--keep-secondly`); there is no `--json`.
 * Without `archiveGlob` every archive of the repository is considered, as borg
 * does; pass `borgql-*` to leave other tools' archives alone.
 * Throws RangeError for an empty or malformed policy (borg would only say so after starting).
 */
export function pruneArgs(
  repoPath: string,
  retention: RetentionPolicy,
  lockWaitSeconds?: number,
  options: { archiveGlob?: string | null; dryRun?: boolean } = {},
): string[] {
  if (!hasRetentionRule(retention)) throw new RangeError('retention policy has no rule: nothing to prune by');
  const keep: string[] = [];
  if (retention.keepWithin) {
    if (!/^[1-9]\d*[Hdwmy]$/.test(retention.keepWithin))
      throw new RangeError(`keepWithin must look like 7d (units H d w m y), got ${JSON.stringify(retention.keepWithin)}`);
    keep.push('--keep-within', retention.keepWithin);
  }
  for (const [key, flag] of KEEP_FLAGS) {
    const n = retention[key];
    if (n === null || n === undefined || n === 0) continue;
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`${key} must be a positive integer, got ${n}`);
    keep.push(flag, String(n));
  }
  return [
    'prune',
    '--list',
    '--log-json',
    '--progress',
    ...lockWait(lockWaitSeconds),
    ...(options.dryRun ? ['--dry-run'] : []),
    ...(options.archiveGlob ? [`--glob-archives=${options.archiveGlob}`] : []),
    ...keep,
    '--',
    repository(repoPath),
  ];
}

/** `borg compact`: `--info` is what makes borg log "compaction freed about X repository space.". */
export function compactArgs(repoPath: string, lockWaitSeconds?: number): string[] {
  return ['compact', '--log-json', '--progress', '--info', ...lockWait(lockWaitSeconds), '--', repository(repoPath)];
}

/** `borg break-lock REPO`: silent, exit 0 even when there was no lock. */
export function breakLockArgs(repoPath: string): string[] {
  return ['break-lock', '--log-json', '--', repository(repoPath)];
}

/**
 * An archive path as borg stores it (docs/borg.md "Restore"): no leading
 * `/`, no `.` or empty segments, no trailing `/`. RangeError for `..`
 * (borg extract never writes above its folder, but a path that climbs is
 * a mistake worth saying) and control characters.
 */
export function normalizeArchivePath(path: string): string {
  if (/[\x00-\x1f]/.test(path)) throw new RangeError(`invalid archive path: ${JSON.stringify(path)}`);
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw new RangeError(`archive paths never contain "..": ${JSON.stringify(path)}`);
  return parts.join('/');
}

/**
 * A path operand as borg's "path prefix" pattern: `pp:` keeps a path such
 * as `sh:*` or `re:.` from being read as a pattern of another style.
 */
const pathPrefix = (path: string): string => `pp:${normalizeArchivePath(path)}`;

/** Options of {@link extractArgs}. */
export interface ExtractArgsOptions {
  repoPath: string;
  archiveName: string;
  /** archive paths to extract (normalizeArchivePath); empty: the whole archive */
  paths?: string[];
  dryRun?: boolean;
  lockWaitSeconds?: number;
}

/**
 * `borg extract` with live progress (`--progress`: progress_percent lines
 * with bytes done, total and the current file) and a `--list` line per
 * item restored. It writes into its working directory: the caller sets cwd.
 */
export function extractArgs(o: ExtractArgsOptions): string[] {
  if (!isValidArchiveName(o.archiveName)) throw new RangeError(`invalid archive name: ${JSON.stringify(o.archiveName)}`);
  return [
    'extract',
    '--log-json',
    '--progress',
    '--list',
    ...lockWait(o.lockWaitSeconds),
    ...(o.dryRun ? ['--dry-run'] : []),
    '--',
    `${repository(o.repoPath)}::${o.archiveName}`,
    ...(o.paths ?? []).map(pathPrefix),
  ];
}

/** `borg check` of the repository and its archives; `--info` makes borg say what it checked (docs/borg.md "Check"). */
export function checkArgs(repoPath: string, options: { verifyData?: boolean; lockWaitSeconds?: number } = {}): string[] {
  return [
    'check',
    '--log-json',
    '--progress',
    '--info',
    ...lockWait(options.lockWaitSeconds),
    ...(options.verifyData ? ['--verify-data'] : []),
    '--',
    repository(repoPath),
  ];
}

/** `borg delete REPO::ARCH`: one archive (its space is freed by a later compact). */
export function deleteArchiveArgs(repoPath: string, archive: string, lockWaitSeconds?: number): string[] {
  if (!isValidArchiveName(archive)) throw new RangeError(`invalid archive name: ${JSON.stringify(archive)}`);
  return ['delete', '--log-json', ...lockWait(lockWaitSeconds), '--', `${repository(repoPath)}::${archive}`];
}

/** `borg list --json-lines REPO::ARCH [pp:path]`: one JSON object per item on stdout, below `path` when given. */
export function listContentsArgs(repoPath: string, archive: string, path: string, lockWaitSeconds?: number): string[] {
  if (!isValidArchiveName(archive)) throw new RangeError(`invalid archive name: ${JSON.stringify(archive)}`);
  const prefix = normalizeArchivePath(path);
  return [
    'list',
    '--json-lines',
    '--log-json',
    ...lockWait(lockWaitSeconds),
    '--',
    `${repository(repoPath)}::${archive}`,
    ...(prefix ? [pathPrefix(prefix)] : []),
  ];
}
