/**
 * A working copy of a cached data set that a benchmark may change (the
 * incremental workload changes 1 % of its files before each pair), without
 * touching the cache in `.bench/data/`.
 */
import { execFileSync } from 'node:child_process';
import { renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { keystream, smallFilePath, type Dataset } from './dataset.js';
import { prng } from './random.js';

/**
 * Copies the data set's tree to `dir` as hard links (`cp -al`: instant, no
 * extra space). Safe to change with {@link changeFiles}, which replaces
 * files by rename: the new file gets a new inode and the cached one keeps
 * its bytes.
 */
export function workingCopy(data: Dataset, dir: string): Dataset {
  execFileSync('cp', ['-al', data.root, dir]);
  return { ...data, root: dir };
}

/** Files changed by one {@link changeFiles} call: 1 % of all files, at least one. */
export function filesToChange(data: Dataset, fraction = 0.01): number {
  return Math.max(1, Math.round(data.files * fraction));
}

/**
 * Rewrites 1 % (`fraction`) of the data set's files with new bytes of the
 * same size, chosen and filled deterministically from `round`. Only small
 * files are chosen: a user's daily change is documents, not a whole disk
 * image, and changing one 160 MiB file would make "1 % of files" 15 % of
 * the bytes. Returns the bytes rewritten.
 */
export function changeFiles(data: Dataset, round: number, fraction = 0.01): { files: number; bytes: number } {
  const { spec } = data;
  if (spec.smallFiles === 0) throw new RangeError(`data set ${spec.name} has no small files to change`);
  const random = prng(`${spec.seed}/change/${round}`);
  const stream = keystream(spec.seed, `change-${round}`);
  const wanted = Math.min(spec.smallFiles, filesToChange(data, fraction));
  const chosen = new Set<number>();
  while (chosen.size < wanted) chosen.add(Math.floor(random() * spec.smallFiles));
  let bytes = 0;
  for (const i of chosen) {
    const file = smallFilePath(data.root, i);
    const size = statSync(file).size;
    const temp = path.join(path.dirname(file), `.change-${i}`);
    writeFileSync(temp, stream(size));
    renameSync(temp, file);
    bytes += size;
  }
  return { files: chosen.size, bytes };
}
