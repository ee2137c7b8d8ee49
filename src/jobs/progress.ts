/** The progress fields of a job, as stored in BackupJob and served as BackupProgress. */
export interface ProgressFields {
  percent: number;
  originalSize: bigint;
  compressedSize: bigint;
  deduplicatedSize: bigint;
  filesProcessed: number;
  currentFile: string | null;
  speedMBps: number;
  etaSeconds: number | null;
  totalExpectedSize: bigint | null;
  /** when borg reported these numbers (its own clock) */
  progressSampledAt: Date | null;
}

/** Sizes borg reports in an `archive_progress` line. */
export interface ProgressSample {
  originalSize: number;
  compressedSize: number;
  deduplicatedSize: number;
  nfiles: number;
  path: string | null;
  /** seconds (borg's clock, or ours when borg gave none) */
  time: number;
}

/** Percent stays below this until borg has finished the archive (DESIGN.md). */
export const PERCENT_CAP_WHILE_RUNNING = 99.9;

/**
 * Turns borg's `archive_progress` samples into percent, speed and ETA.
 * Percent is originalSize over the pre-scanned total (borg counts unchanged
 * files in originalSize too, so this holds for incremental runs); speed is
 * the growth of originalSize over a sliding window, so a stall shows as a
 * falling speed rather than a lifetime average.
 */
export class ProgressTracker {
  readonly #windowSeconds: number;
  #samples: { time: number; size: number }[] = [];
  #total: number | null = null;
  #last: ProgressSample | null = null;
  #finished = false;

  constructor(windowSeconds = 5) {
    this.#windowSeconds = windowSeconds;
  }

  /** Records the pre-scan's result, whenever it arrives. */
  setTotalExpected(bytes: number): void {
    this.#total = bytes;
  }

  /** Records one sample; samples older than the window are dropped. */
  record(sample: ProgressSample): void {
    this.#last = sample;
    const samples = this.#samples;
    samples.push({ time: sample.time, size: sample.originalSize });
    const horizon = sample.time - this.#windowSeconds;
    let drop = 0;
    // keep one sample at or before the horizon so the window spans it fully
    while (drop + 1 < samples.length && (samples[drop + 1] as { time: number }).time <= horizon) drop++;
    if (drop > 0) this.#samples = samples.slice(drop);
  }

  /** Final numbers from borg's `--json` summary: percent becomes 100. */
  finish(summary: Omit<ProgressSample, 'path' | 'time'> | null): void {
    this.#finished = true;
    if (summary) this.#last = { ...summary, path: null, time: this.#last?.time ?? Date.now() / 1000 };
  }

  /** Bytes per second over the window; 0 until two samples exist. */
  #speed(): number {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (!first || !last || last.time <= first.time) return 0;
    return Math.max(0, (last.size - first.size) / (last.time - first.time));
  }

  /** The current progress fields. */
  snapshot(): ProgressFields {
    const last = this.#last;
    const original = last?.originalSize ?? 0;
    const total = this.#total;
    const speed = this.#finished ? 0 : this.#speed();
    let percent = 0;
    if (this.#finished) percent = 100;
    else if (total !== null && total > 0) percent = Math.min(PERCENT_CAP_WHILE_RUNNING, (original / total) * 100);
    let etaSeconds: number | null = null;
    if (this.#finished) etaSeconds = 0;
    else if (total !== null && speed > 0 && total >= original) etaSeconds = Math.ceil((total - original) / speed);
    return {
      percent: Math.round(percent * 100) / 100,
      originalSize: BigInt(original),
      compressedSize: BigInt(last?.compressedSize ?? 0),
      deduplicatedSize: BigInt(last?.deduplicatedSize ?? 0),
      filesProcessed: last?.nfiles ?? 0,
      currentFile: this.#finished ? null : (last?.path ?? null),
      speedMBps: Math.round((speed / 1e6) * 100) / 100,
      etaSeconds,
      totalExpectedSize: total === null ? null : BigInt(total),
      progressSampledAt: last ? new Date(last.time * 1000) : null,
    };
  }
}
