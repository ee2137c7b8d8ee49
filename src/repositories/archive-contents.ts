import { borgTimeToIso, listContentsArgs, normalizeArchivePath } from '../borg/index.js';
import type { Repository } from '../db/client.js';
import { ValidationError } from '../domain/errors.js';
import type { RepositoryBorg } from './repository-borg.js';

/** A page of archive entries holds at most this many (Archive.contents, REST contents). */
export const MAX_CONTENTS_PAGE = 10_000;

/** The kinds of archive entries the API tells apart. */
export type ArchiveEntryType = 'FILE' | 'DIRECTORY' | 'SYMLINK' | 'OTHER';

/** One entry of a folder of an archive. */
export interface ArchiveEntry {
  /** the archive path, as borg stores it (no leading `/`) */
  path: string;
  type: ArchiveEntryType;
  size: number;
  /** ISO 8601 UTC; null for a folder borg did not store (a parent of a source) */
  mtime: string | null;
  mode: string | null;
  linkTarget: string | null;
}

/** One page of a folder's entries, by path; `endCursor` is the last path, to pass as `after`. */
export interface ArchivePage {
  entries: ArchiveEntry[];
  hasMore: boolean;
  endCursor: string | null;
}

/** What a page asks for. */
export interface ContentsQuery {
  /** the folder, an archive path ("" for the top) */
  path: string;
  limit: number;
  /** the endCursor of the previous page */
  after?: string | null;
}

const TYPES: Record<string, ArchiveEntryType> = { '-': 'FILE', d: 'DIRECTORY', l: 'SYMLINK' };

/** An item line of `borg list --json-lines`; null for anything else. */
function parseItem(line: string): { path: string; type: string; size: number; mtime: unknown; mode: unknown; linktarget: unknown } | null {
  try {
    const item = JSON.parse(line) as Record<string, unknown>;
    return typeof item.path === 'string'
      ? { path: item.path, type: String(item.type), size: Number(item.size) || 0, mtime: item.mtime, mode: item.mode, linktarget: item.linktarget }
      : null;
  } catch {
    return null;
  }
}

/**
 * The smallest `limit + 1` entries after the cursor, by path, kept sorted:
 * memory stays bounded by the page whatever the folder holds. A folder
 * borg did not store (its synthetic entry) gives way to the real one.
 */
class SmallestEntries {
  readonly entries: ArchiveEntry[] = [];
  constructor(private readonly capacity: number) {}

  offer(entry: ArchiveEntry): void {
    const list = this.entries;
    if (list.length === this.capacity && entry.path > (list.at(-1) as ArchiveEntry).path) return;
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((list[middle] as ArchiveEntry).path < entry.path) low = middle + 1;
      else high = middle;
    }
    const found = list[low];
    if (found?.path === entry.path) {
      if (found.mtime === null && entry.mtime !== null) list[low] = entry;
      return;
    }
    list.splice(low, 0, entry);
    if (list.length > this.capacity) list.pop();
  }
}

/**
 * One folder level of an archive, paged by path (README "Restore"): streams
 * `borg list --json-lines` below the folder line by line, keeps only the
 * folder's direct entries that belong on the page, and shows a folder that
 * only appears as part of deeper paths (`srv` above a source `/srv/data`)
 * as a DIRECTORY entry, so browsing from "" reaches every file.
 * @throws ValidationError for a bad path or limit, RepositoryBorgError when borg fails (unknown archive…)
 */
export async function browseArchive(borg: RepositoryBorg, repository: Repository, archive: string, query: ContentsQuery): Promise<ArchivePage> {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_CONTENTS_PAGE) {
    throw new ValidationError(`limit must be from 1 to ${MAX_CONTENTS_PAGE}`, 'limit');
  }
  let folder: string;
  try {
    folder = normalizeArchivePath(query.path);
  } catch (error) {
    throw new ValidationError((error as Error).message, 'path');
  }
  const after = query.after ?? null;
  const prefix = folder === '' ? '' : `${folder}/`;
  const page = new SmallestEntries(query.limit + 1);
  let args: string[];
  try {
    args = listContentsArgs(repository.path, archive, folder, repository.lockWaitSeconds);
  } catch (error) {
    throw new ValidationError((error as Error).message, 'archive');
  }
  await borg.stream(repository, args, (line) => {
    const item = parseItem(line);
    if (!item?.path.startsWith(prefix) || item.path === folder) return;
    const slash = item.path.indexOf('/', prefix.length);
    const path = slash === -1 ? item.path : item.path.slice(0, slash);
    if (after !== null && path <= after) return;
    if (slash !== -1) {
      page.offer({ path, type: 'DIRECTORY', size: 0, mtime: null, mode: null, linkTarget: null });
      return;
    }
    page.offer({
      path,
      type: TYPES[item.type] ?? 'OTHER',
      size: item.size,
      mtime: borgTimeToIso(item.mtime),
      mode: typeof item.mode === 'string' ? item.mode : null,
      linkTarget: typeof item.linktarget === 'string' && item.linktarget !== '' ? item.linktarget : null,
    });
  });
  const hasMore = page.entries.length > query.limit;
  const entries = hasMore ? page.entries.slice(0, query.limit) : page.entries;
  return { entries, hasMore, endCursor: entries.at(-1)?.path ?? null };
}
