import { lstat, opendir } from 'node:fs/promises';
import path from 'node:path';
import type { PathMatcher } from '../borg/patterns.js';

/** What a pre-scan found: the bytes borg will read, approximately. */
export interface PrescanResult {
  bytes: number;
  files: number;
}

/**
 * Sums the sizes of the regular files under `sources`, skipping excluded
 * paths, symlinks (borg stores the link, not its target) and unreadable
 * folders (borg warns about those itself). It is the denominator of a job's
 * percent and runs beside borg, never before it. Stops early on `signal`.
 */
export async function prescanSources(
  sources: readonly string[],
  isExcluded: PathMatcher,
  signal?: AbortSignal,
): Promise<PrescanResult> {
  const result: PrescanResult = { bytes: 0, files: 0 };
  const pending: string[] = [];
  for (const source of sources) {
    if (isExcluded(source)) continue;
    try {
      const stat = await lstat(source);
      if (stat.isFile()) {
        result.bytes += stat.size;
        result.files += 1;
      } else if (stat.isDirectory()) pending.push(source);
    } catch {
      // a missing source: borg reports it as a warning
    }
  }
  while (pending.length > 0) {
    if (signal?.aborted) break;
    const dir = pending.pop() as string;
    let handle;
    try {
      handle = await opendir(dir, { bufferSize: 256 });
    } catch {
      continue;
    }
    const files: string[] = [];
    for await (const entry of handle) {
      const full = path.join(dir, entry.name);
      if (isExcluded(full)) continue;
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isFile()) files.push(full);
    }
    const stats = await Promise.all(files.map((file) => lstat(file).catch(() => null)));
    for (const stat of stats) {
      if (!stat) continue;
      result.bytes += stat.size;
      result.files += 1;
    }
  }
  return result;
}
