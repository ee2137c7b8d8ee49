import type { BigIntStats, Dir } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PathMatcher } from '../borg/patterns.js';

/** What a pre-scan found: the bytes borg will read, approximately. */
export interface PrescanResult {
  bytes: number;
  files: number;
}

/**
 * Files stat-ed at once: bounds memory and open requests on a folder of a
 * million files, and is how often a long listing checks the abort signal.
 */
const BATCH = 256;

/**
 * Sums the sizes of the regular files under `sources`, skipping excluded
 * paths, symlinks (borg stores the link, not its target) and unreadable
 * folders (borg warns about those itself). A file with several hard links is
 * counted once, as borg reads it once. It is the denominator of a job's
 * percent and runs beside borg, never before it. Stops early on `signal`:
 * no folder is opened once it fired, and a long listing stops after the
 * current batch of files (single-file sources are still counted: one lstat
 * each, and an aborted result is discarded by the caller anyway).
 */
export async function prescanSources(sources: readonly string[], isExcluded: PathMatcher, signal?: AbortSignal): Promise<PrescanResult> {
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
  const countFiles = async (files: string[]) => {
    const stats = await Promise.all(files.map((file) => lstat(file, { bigint: true }).catch(() => null)));
    for (const stat of stats) count(stat);
  };

  const pending: string[] = [];
  for (const source of sources) {
    if (isExcluded(source)) continue;
    // a missing source: borg reports it as a warning
    const stat = await lstat(source, { bigint: true }).catch(() => null);
    if (stat?.isDirectory()) pending.push(source);
    else count(stat);
  }
  while (pending.length > 0 && !signal?.aborted) {
    const dir = pending.pop() as string;
    let handle: Dir;
    try {
      handle = await opendir(dir, { bufferSize: BATCH });
    } catch {
      continue;
    }
    let batch: string[] = [];
    try {
      for await (const entry of handle) {
        const full = path.join(dir, entry.name);
        if (isExcluded(full)) continue;
        if (entry.isDirectory()) pending.push(full);
        else if (entry.isFile()) batch.push(full);
        if (batch.length >= BATCH) {
          await countFiles(batch);
          batch = [];
          if (signal?.aborted) break;
        }
      }
    } catch {
      // a folder that fails while being read (I/O error, removed): keep what was listed
    }
    await countFiles(batch);
  }
  return result;
}

/** What the pre-scan worker is given. */
export interface PrescanRequest {
  sources: readonly string[];
  excludePatterns: readonly string[];
}

/**
 * A worker thread running prescan-worker. Compiled (dist/), it is a plain
 * .js file; from the TypeScript sources (vitest, tsx), the thread first
 * registers tsx's loader, which a worker does not get from vitest.
 */
function startWorker(request: PrescanRequest): Worker {
  const options = { workerData: request };
  if (import.meta.url.endsWith('.js')) return new Worker(new URL('./prescan-worker.js', import.meta.url), options);
  // tsx's ESM build of its API (the CommonJS one cannot register from an eval'd script)
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const entry = new URL('./prescan-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/**
 * prescanSources with `excludePatterns` (borg's syntax), run in a worker
 * thread: matching a path against a `re:` pattern that backtracks
 * catastrophically, such as `(x+x+)+y` on a long name, takes seconds per
 * file, and on the main thread the server would answer nothing meanwhile.
 * `signal` terminates the thread at once, even in the middle of a match, and
 * the promise then resolves with null. Rejects when the thread fails.
 */
export function prescanInWorker(request: PrescanRequest, signal: AbortSignal): Promise<PrescanResult | null> {
  if (signal.aborted) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const worker = startWorker(request);
    // a scan never keeps the process alive: the job that wants it does
    worker.unref();
    const stop = () => {
      void worker.terminate();
      resolve(null);
    };
    signal.addEventListener('abort', stop, { once: true });
    const settle = () => signal.removeEventListener('abort', stop);
    worker.once('message', (result: PrescanResult) => {
      settle();
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', (error) => {
      settle();
      reject(error);
    });
    worker.once('exit', (code) => {
      settle();
      reject(new Error(`the pre-scan thread exited with code ${code}`));
    });
  });
}
