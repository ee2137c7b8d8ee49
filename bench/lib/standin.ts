/**
 * The bench side of bench/borg-standin.mjs, a borg stand-in for benchmarks
 * only: where it is, how to tell it what to do, and what it wrote.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The stand-in's executable (started by its shebang); pass it to a server as BORG_BIN. */
export const STANDIN_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'borg-standin.mjs');

/** How the stand-in's `create` behaves (see the header of borg-standin.mjs). */
export interface StandinSettings {
  /** pause before each archive_progress line, drawn uniformly from [min, max] ms */
  intervalMs: [number, number];
  /** how long it reports progress, from the go file on */
  durationMs: number;
  /** file_status lines before each archive_progress line, uniformly from [min, max] */
  fileStatusPerTick: [number, number];
  /** mean growth of original_size per line, in bytes */
  bytesPerTick: number;
  /** no progress until this file exists, so every subscriber is in place first */
  goFile: string | null;
  /** stop once this many file_status lines were written (bench/logs.ts: exactly a million) */
  maxFiles?: number;
  /** write a tick's file_status lines at once instead of line by line, so the stand-in is never the bottleneck */
  batchWrites?: boolean;
  /** signals the stand-in ignores, so a test can drive the whole cancel escalation */
  ignoreSignals?: NodeJS.Signals[];
}

/** One archive_progress line as the stand-in wrote it. */
export interface StandinLine {
  /** borg's `time`: wall-clock seconds, read right before the write */
  time: number;
  original_size: number;
  nfiles: number;
}

/**
 * Creates a source folder for the stand-in with its settings inside (the
 * stand-in reads them from its first source path) and returns the folder.
 */
export function standinSource(dir: string, settings: StandinSettings): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'borg-standin.json'), JSON.stringify(settings));
  return dir;
}

/** The record of one `create`: every archive_progress line it wrote, in order. */
export function readStandinRecord(repoPath: string, archiveName: string): StandinLine[] {
  return JSON.parse(readFileSync(path.join(repoPath, 'standin-records', `${archiveName}.json`), 'utf8')) as StandinLine[];
}

/**
 * The `sampledAt` borgql serves for a line's `time`: the same arithmetic as
 * ProgressTracker (src/jobs/progress.ts), so a record compares exactly.
 */
export function sampledAtOf(time: number): string {
  return new Date(time * 1000).toISOString();
}
