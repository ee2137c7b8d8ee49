/**
 * The backups the overhead benchmarks compare, each the way users run it:
 * a first (full) backup, the daily incremental one after 1 % of the files
 * changed, and a first backup of a tree of 100,000 small files, where the
 * per-file costs (a `--list` line per file, the pre-scan, log storage) show.
 */
import type { DatasetSpec } from '../lib/dataset.js';

/** One workload of the overhead benchmarks. */
export interface Workload {
  /** benchmark name: `overhead` (full), `overhead-incremental`, `overhead-small-files` */
  name: string;
  /** what a pair's two runs do, for the report */
  summary: string;
  full: DatasetSpec;
  quick: DatasetSpec;
  /** measured pairs after the warm-up pair (full-size runs; `--quick` runs 2) */
  pairs: number;
  /**
   * true: every run backs up into a fresh repository (a first backup);
   * false: each side keeps one repository that already holds an archive of
   * the tree, and 1 % of the files change before each pair
   */
  fresh: boolean;
}

/** ~2,000 small files plus 6 × 160 MiB random: ≈ 1.06 GB, ≳ 5 s for raw borg (~200 MB/s here). */
export const FULL: DatasetSpec = {
  name: 'overhead',
  seed: 'borgql-overhead-v1',
  smallFiles: 2000,
  smallMinBytes: 1024,
  smallMaxBytes: 128 * 1024,
  largeFiles: 6,
  largeBytes: 160 * 2 ** 20,
};
/** The same mix, small, for `--quick` smoke runs. */
export const QUICK: DatasetSpec = { ...FULL, name: 'overhead-quick', smallFiles: 200, largeFiles: 1, largeBytes: 16 * 2 ** 20 };

/** 100,000 files of 512 B–16 KiB (log-uniform, ≈ 450 MB) in 1,000 folders, no large files. */
export const SMALL_FILES: DatasetSpec = {
  name: 'small-files',
  seed: 'borgql-small-files-v1',
  smallFiles: 100_000,
  smallMinBytes: 512,
  smallMaxBytes: 16 * 1024,
  largeFiles: 0,
  largeBytes: 0,
};

/**
 * Pairs: run-to-run noise on a small VM is ±5–10 % (disk writeback,
 * neighbours), and a 3 % target judged on the upper bound of a t-interval
 * needs ~10 pairs at that noise (half-width ≈ 2.26 · s / √10).
 */
export const WORKLOADS: readonly Workload[] = [
  {
    name: 'overhead',
    summary: 'a first backup: every run into a fresh repository',
    full: FULL,
    quick: QUICK,
    pairs: 10,
    fresh: true,
  },
  {
    name: 'overhead-incremental',
    summary: 'the next backup after 1 % of the files changed: each side keeps its repository, 1 % of the small files get new bytes before each pair',
    full: FULL,
    quick: QUICK,
    // ~2 s per run: more pairs cost little and the fixed cost per job weighs more here
    pairs: 12,
    fresh: false,
  },
  {
    name: 'overhead-small-files',
    summary: 'a first backup of 100,000 small files: every run into a fresh repository, one `--list` line and one log line per file',
    full: SMALL_FILES,
    quick: { ...SMALL_FILES, name: 'small-files-quick', smallFiles: 2000 },
    // tens of seconds per run
    pairs: 6,
    fresh: true,
  },
];
