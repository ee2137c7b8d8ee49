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

/** Percent stays below this until borg has finished the archive (docs/api.md "Progress"). */
export const PERCENT_CAP_WHILE_RUNNING = 99.9;

/**
 * borg prints a progress line at most every 0.2 s (seen up to 0.39 s), but
 * only while data flows: a job this long without one is stalled on a slow
 * file or mount, and its speed is aged.
 */
export const QUIET_SECONDS = 1;

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

  /**
   * Bytes per second over the window ending at the last sample, or at `now`
   * (seconds) once borg has been quiet for QUIET_SECONDS: nothing read since
   * the last sample then counts as nothing read, so a stall decays the speed
   * to 0 within the window. 0 until two samples exist.
   */
  #speed(now?: number): number {
    const last = this.#samples.at(-1);
    if (!last) return 0;
    const end = now !== undefined && now - last.time >= QUIET_SECONDS ? now : last.time;
    const horizon = end - this.#windowSeconds;
    // the newest sample at or before the horizon starts the window (record() keeps one)
    let first = this.#samples[0] as { time: number; size: number };
    for (const sample of this.#samples) {
      if (sample.time > horizon) break;
      first = sample;
    }
    if (end <= first.time) return 0;
    return Math.max(0, (last.size - first.size) / (end - first.time));
  }

  /**
   * Seconds since borg's last progress sample, at `now` (seconds); null
   * before the first sample and once finished, when there is no speed to age.
   */
  quietFor(now: number): number | null {
    if (this.#finished || !this.#last) return null;
    return now - this.#last.time;
  }

  /**
   * The current progress fields. With `now` (seconds; borg's clock is the
   * machine's), speed and ETA are aged when borg has been quiet for
   * QUIET_SECONDS; without it, they are as of the last sample.
   */
  snapshot(now?: number): ProgressFields {
    const last = this.#last;
    const original = last?.originalSize ?? 0;
    const total = this.#total;
    const speed = this.#finished ? 0 : this.#speed(now);
    let percent = 0;
    if (this.#finished) percent = 100;
    else if (total !== null && total > 0) percent = Math.min(PERCENT_CAP_WHILE_RUNNING, (original / total) * 100);
    const speedMBps = Math.round((speed / 1e6) * 100) / 100;
    let etaSeconds: number | null = null;
    if (this.#finished) etaSeconds = 0;
    else if (total !== null && speed > 0 && total >= original) {
      // only from a speed the job shows: a few bytes a second, shown as 0 MB/s, would promise hours (docs/api.md "Progress")
      if (total === original) etaSeconds = 0;
      else if (speedMBps > 0) etaSeconds = Math.ceil((total - original) / speed);
    }
    return {
      percent: Math.round(percent * 100) / 100,
      originalSize: BigInt(original),
      compressedSize: BigInt(last?.compressedSize ?? 0),
      deduplicatedSize: BigInt(last?.deduplicatedSize ?? 0),
      filesProcessed: last?.nfiles ?? 0,
      currentFile: this.#finished ? null : (last?.path ?? null),
      speedMBps,
      etaSeconds,
      totalExpectedSize: total === null ? null : BigInt(total),
      progressSampledAt: last ? new Date(last.time * 1000) : null,
    };
  }
}

/**
 * Keeps a job's speed honest while borg prints nothing: every `everyMs`, once
 * borg has been quiet for QUIET_SECONDS, publishes the speed and ETA measured
 * up to now, so the speed falls to 0 within the tracker's window instead of
 * showing the last one forever (a job stuck on a file of a hung mount). Only
 * a changed speed is published: a long stall costs one update, not one per
 * tick. Returns the function that stops it.
 */
export function decaySpeedWhileQuiet(
  tracker: ProgressTracker,
  job: { row: { speedMBps: number }; update(fields: Pick<ProgressFields, 'speedMBps' | 'etaSeconds'>): unknown },
  everyMs = 1000,
): () => void {
  const timer = setInterval(() => {
    const now = Date.now() / 1000;
    const quiet = tracker.quietFor(now);
    if (quiet === null || quiet < QUIET_SECONDS) return;
    const { speedMBps, etaSeconds } = tracker.snapshot(now);
    if (speedMBps !== job.row.speedMBps) void job.update({ speedMBps, etaSeconds });
  }, everyMs);
  // the job's end stops it; it never keeps the process alive
  timer.unref();
  return () => clearInterval(timer);
}
