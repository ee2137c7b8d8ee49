import type { BorgEvent } from './events.js';

/**
 * Parsers for what borg 1.2 writes: one `--log-json` stderr line at a time,
 * and the `--json` documents of `create`, `list` and `info` on stdout.
 * Pure functions; no I/O.
 */

type Json = Record<string, unknown>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Turns one stderr line into a typed event. Never throws: anything that is
 * not a JSON object of a documented type becomes a `text` event holding the
 * raw line, so argparse errors and prompts still reach the job log.
 */
export function parseBorgLine(line: string): BorgEvent {
  // borg's own \r-terminated progress (without --log-json) must not leave \r in logs.
  if (line.endsWith('\r')) line = line.slice(0, -1);
  // Checked first because this runs for every line of a multi-million-line job.
  if (line.charCodeAt(0) !== 0x7b /* { */) return embeddedJson(line) ?? { type: 'text', line };
  return fromJson(line) ?? { type: 'text', line };
}

/**
 * getpass writes its prompt without a newline, so without a passphrase the
 * NoPassphraseFailure object lands on the prompt's line ("Enter passphrase
 * for key …: {json}"). Only lines that end in `}` are tried, which keeps plain
 * text (argparse usage) on the cheap path.
 */
function embeddedJson(line: string): BorgEvent | null {
  if (!line.endsWith('}')) return null;
  const start = line.indexOf('{"');
  return start > 0 ? fromJson(line.slice(start)) : null;
}

function fromJson(text: string): BorgEvent | null {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(o)) return null;
  switch (o.type) {
    case 'archive_progress':
      return {
        type: 'archive_progress',
        finished: o.finished === true,
        originalSize: num(o.original_size),
        compressedSize: num(o.compressed_size),
        deduplicatedSize: num(o.deduplicated_size),
        nfiles: num(o.nfiles),
        path: str(o.path),
        time: num(o.time),
      };
    case 'progress_message':
      return { type: 'progress_message', message: str(o.message), msgid: str(o.msgid), finished: o.finished === true, time: num(o.time) };
    case 'progress_percent':
      return {
        type: 'progress_percent',
        message: str(o.message),
        msgid: str(o.msgid),
        current: num(o.current),
        total: num(o.total),
        info: Array.isArray(o.info) ? o.info.filter((x): x is string => typeof x === 'string') : null,
        finished: o.finished === true,
        time: num(o.time),
      };
    case 'file_status':
      return { type: 'file_status', status: str(o.status) ?? '?', path: str(o.path) ?? '' };
    case 'log_message':
      return {
        type: 'log_message',
        level: str(o.levelname) ?? 'INFO',
        name: str(o.name) ?? '',
        message: str(o.message) ?? '',
        msgid: str(o.msgid),
        time: num(o.time),
      };
    default:
      // question_prompt, question_accepted_false and future types: kept verbatim by the caller.
      return null;
  }
}

/** Raised when borg's stdout is not the JSON document a command documents. */
export class BorgOutputError extends Error {
  override name = 'BorgOutputError';
}

/**
 * borg prints naive timestamps in the local zone ("2026-11-26T09:42:37.000000");
 * borgql always runs it with TZ=UTC, so they are UTC. Returns an ISO string
 * ending in `Z`, or null when the value is missing or malformed.
 */
export function borgTimeToIso(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value);
  if (!m) {
    // Already zoned (future borg versions): trust Date with the explicit offset.
    const t = /[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? Date.parse(value) : NaN;
    return Number.isNaN(t) ? null : new Date(t).toISOString();
  }
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Sizes in bytes of one archive as borg counts them. */
export interface ArchiveStats {
  originalSize: number | null;
  compressedSize: number | null;
  deduplicatedSize: number | null;
  nfiles: number | null;
}

/** The archive `borg create --json` saved (also the shape of `info --json REPO::ARCH`). */
export interface CreateSummary extends ArchiveStats {
  archiveName: string;
  archiveId: string;
  /** ISO 8601, UTC (`…Z`). */
  start: string | null;
  end: string | null;
  durationSeconds: number | null;
}

/** One entry of `borg list --json`. */
export interface ArchiveSummary {
  name: string;
  id: string;
  /** ISO 8601 UTC; `start` is when the backup began, `time` is borg's archive timestamp. */
  start: string | null;
  time: string | null;
  /** with listArgs' `details` only (absent otherwise) */
  end?: string | null;
  hostname?: string | null;
  username?: string | null;
  comment?: string | null;
}

/** `borg info --json REPO::ARCH`, first archive. */
export interface ArchiveInfo extends ArchiveStats {
  name: string;
  id: string;
  start: string | null;
  end: string | null;
  durationSeconds: number | null;
}

/** `borg info --json REPO`: repository identity and whole-repository sizes. */
export interface RepositoryInfo {
  id: string;
  location: string | null;
  lastModified: string | null;
  encryptionMode: string | null;
  /** Sum over all archives before deduplication / after compression. */
  totalSize: number | null;
  totalCompressedSize: number | null;
  /** What the repository really stores (deduplicated, compressed). */
  uniqueCompressedSize: number | null;
  uniqueSize: number | null;
  totalChunks: number | null;
  totalUniqueChunks: number | null;
}

function parseDocument(stdout: string): Json | null {
  const text = stdout.trim();
  if (!text) return null;
  try {
    const o: unknown = JSON.parse(text);
    return isObject(o) ? o : null;
  } catch {
    return null;
  }
}

function stats(o: Json): ArchiveStats {
  const s = isObject(o.stats) ? o.stats : {};
  return {
    originalSize: num(s.original_size),
    compressedSize: num(s.compressed_size),
    deduplicatedSize: num(s.deduplicated_size),
    nfiles: num(s.nfiles),
  };
}

/**
 * The `--json` object `borg create` prints on stdout. Null when there is
 * none: borg prints it only when the archive was saved (never after a cancel
 * or an error), so "no summary" is an expected state, not a fault.
 */
export function parseCreateSummary(stdout: string): CreateSummary | null {
  const doc = parseDocument(stdout);
  const a = doc && isObject(doc.archive) ? doc.archive : null;
  if (!a || typeof a.name !== 'string') return null;
  return {
    archiveName: a.name,
    archiveId: str(a.id) ?? '',
    start: borgTimeToIso(a.start),
    end: borgTimeToIso(a.end),
    durationSeconds: num(a.duration),
    ...stats(a),
  };
}

/** Archives of `borg list --json REPO`, in borg's order (oldest first). Throws BorgOutputError on other output. */
export function parseArchiveList(stdout: string): ArchiveSummary[] {
  const doc = parseDocument(stdout);
  if (!doc || !Array.isArray(doc.archives)) throw new BorgOutputError('borg list --json printed no archive list');
  return doc.archives.filter(isObject).map((a) => ({
    name: str(a.name) ?? str(a.archive) ?? '',
    id: str(a.id) ?? '',
    start: borgTimeToIso(a.start),
    time: borgTimeToIso(a.time),
    ...('hostname' in a ? { end: borgTimeToIso(a.end), hostname: str(a.hostname), username: str(a.username), comment: str(a.comment) } : {}),
  }));
}

/** First archive of `borg info --json REPO::ARCH`. Throws BorgOutputError when there is none. */
export function parseArchiveInfo(stdout: string): ArchiveInfo {
  const doc = parseDocument(stdout);
  const a: unknown = doc && Array.isArray(doc.archives) ? doc.archives[0] : undefined;
  if (!isObject(a) || typeof a.name !== 'string') throw new BorgOutputError('borg info --json printed no archive');
  return {
    name: a.name,
    id: str(a.id) ?? '',
    start: borgTimeToIso(a.start),
    end: borgTimeToIso(a.end),
    durationSeconds: num(a.duration),
    ...stats(a),
  };
}

/** `borg info --json REPO`. Throws BorgOutputError when the repository block is missing. */
export function parseRepositoryInfo(stdout: string): RepositoryInfo {
  const doc = parseDocument(stdout);
  const repo = doc && isObject(doc.repository) ? doc.repository : null;
  if (!doc || !repo || typeof repo.id !== 'string') throw new BorgOutputError('borg info --json printed no repository');
  const cache = isObject(doc.cache) && isObject(doc.cache.stats) ? doc.cache.stats : {};
  const enc = isObject(doc.encryption) ? doc.encryption : {};
  return {
    id: repo.id,
    location: str(repo.location),
    lastModified: borgTimeToIso(repo.last_modified),
    encryptionMode: str(enc.mode),
    totalSize: num(cache.total_size),
    totalCompressedSize: num(cache.total_csize),
    uniqueCompressedSize: num(cache.unique_csize),
    uniqueSize: num(cache.unique_size),
    totalChunks: num(cache.total_chunks),
    totalUniqueChunks: num(cache.total_unique_chunks),
  };
}
