import { lstatSync, opendirSync, type BigIntStats, type Dir } from 'node:fs';
import path from 'node:path';
import type { PathMatcher } from '../borg/patterns.js';

/** What a pre-scan found: the bytes borg will read, approximately. */
export interface PrescanResult {
  bytes: number;
  files: number;
}

/**
 * Entries read from a folder at once (opendir's buffer): bounds memory on a
 * folder of a million files, and is how often a long listing checks the
 * abort signal.
 */
const BATCH = 256;

/** lstat that gives null for a path that is gone or unreadable (borg reports those itself). */
function lstatOrNull(file: string): BigIntStats | null {
  try {
    return lstatSync(file, { bigint: true, throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

/**
 * Sums the sizes of the regular files under `sources`, skipping excluded
 * paths, symlinks (borg stores the link, not its target) and unreadable
 * folders (borg warns about those itself). A file with several hard links is
 * counted once, as borg reads it once. It is the denominator of a job's
 * percent and runs beside borg, never before it.
 *
 * Synchronous on purpose: it runs in the pre-scan thread (prescan-threads.ts),
 * never on the server's event loop, and there one `lstat` call per file
 * costs a few microseconds where a promise per file cost ten times more CPU,
 * taken from the borg running beside it. `signal` is checked between folders
 * and every {@link BATCH} files (single-file sources are still counted: one
 * lstat each, and an aborted result is discarded by the caller anyway); the
 * thread itself is stopped by terminating it.
 */
export function prescanSources(sources: readonly string[], isExcluded: PathMatcher, signal?: AbortSignal): PrescanResult {
  const result: PrescanResult = { bytes: 0, files: 0 };
  // dev:ino of files with more than one link; bigint because inode numbers
  // above 2^53 (XFS, btrfs, network filesystems) would collide as numbers
  const linked = new Set<string>();
  const count = (stat: BigIntStats | null) => {
    if (!stat?.isFile()) return;
    if (stat.nlink > 1n) {
      const key = `${stat.dev}:${stat.ino}`;
      if (linked.has(key)) return;
      linked.add(key);
    }
    result.bytes += Number(stat.size);
    result.files += 1;
  };

  const pending: string[] = [];
  for (const source of sources) {
    if (isExcluded(source)) continue;
    // a missing source: borg reports it as a warning
    const stat = lstatOrNull(source);
    if (stat?.isDirectory()) pending.push(source);
    else count(stat);
  }
  while (pending.length > 0 && !signal?.aborted) {
    const dir = pending.pop() as string;
    let handle: Dir;
    try {
      handle = opendirSync(dir, { bufferSize: BATCH });
    } catch {
      continue;
    }
    try {
      let listed = 0;
      for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
        const full = path.join(dir, entry.name);
        if (isExcluded(full)) continue;
        if (entry.isDirectory()) pending.push(full);
        else if (entry.isFile()) count(lstatOrNull(full));
        if (++listed % BATCH === 0 && signal?.aborted) break;
      }
    } catch {
      // a folder that fails while being read (I/O error, removed): keep what was listed
    } finally {
      handle.closeSync();
    }
  }
  return result;
}
