// ProgressTracker: percent, speed and ETA from borg's archive_progress samples
// (README "How jobs run", docs/api.md "Progress"). Pure logic, fed with the real
// sample sequence recorded from borg 1.2.4 and with hand-made sequences.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBorgLine, parseCreateSummary } from '../../src/borg/index.js';
import {
  decaySpeedWhileQuiet,
  PERCENT_CAP_WHILE_RUNNING,
  ProgressTracker,
  QUIET_SECONDS,
  type ProgressFields,
  type ProgressSample,
} from '../../src/jobs/progress.js';

const fixtureDir = fileURLToPath(new URL('../fixtures/borg/', import.meta.url));

/** The archive_progress samples of the recorded run, mapped the way runner.ts maps them. */
function recordedSamples(): ProgressSample[] {
  const samples: ProgressSample[] = [];
  for (const line of readFileSync(fixtureDir + 'create-progress.stderr.jsonl', 'utf8').split('\n')) {
    if (line === '') continue;
    const event = parseBorgLine(line);
    if (event.type !== 'archive_progress' || event.finished || event.originalSize === null) continue;
    const { compressedSize, deduplicatedSize, nfiles, path } = event;
    samples.push({
      originalSize: event.originalSize,
      compressedSize: compressedSize ?? 0,
      deduplicatedSize: deduplicatedSize ?? 0,
      nfiles: nfiles ?? 0,
      path,
      time: event.time as number,
    });
  }
  return samples;
}

const samples = recordedSamples();
const summary = parseCreateSummary(readFileSync(fixtureDir + 'create-stats.stdout.json', 'utf8'));
/** What a pre-scan of that run's sources would find, near enough: borg's own final original_size. */
const TOTAL = summary?.originalSize as number;

const sample = (time: number, originalSize: number, extra: Partial<ProgressSample> = {}): ProgressSample => ({
  originalSize,
  compressedSize: Math.floor(originalSize / 2),
  deduplicatedSize: Math.floor(originalSize / 4),
  nfiles: 1,
  path: `f${time}`,
  time,
  ...extra,
});

/** A tracker expecting `total` bytes that has recorded `recorded`, in order. */
function trackerAfter(total: number, ...recorded: ProgressSample[]): ProgressTracker {
  const tracker = new ProgressTracker();
  tracker.setTotalExpected(total);
  for (const s of recorded) tracker.record(s);
  return tracker;
}

/** Speed in MB/s rounded like snapshot() does. */
const mbps = (bytes: number, seconds: number) => Math.round((bytes / seconds / 1e6) * 100) / 100;

describe('the recorded sample sequence', () => {
  it('is what the tests below assume: 10 growing samples over about 2 s, ending below the final size', () => {
    expect(samples).toHaveLength(10);
    expect(samples[0]).toMatchObject({ originalSize: 0, nfiles: 0, path: 'data/small/d00' });
    for (let i = 1; i < samples.length; i++) {
      expect(samples[i]!.time).toBeGreaterThan(samples[i - 1]!.time);
      expect(samples[i]!.originalSize).toBeGreaterThanOrEqual(samples[i - 1]!.originalSize);
    }
    expect(samples.at(-1)!.originalSize).toBe(258_478_647);
    expect(TOTAL).toBe(315_394_586);
  });
});

describe('ProgressTracker', () => {
  it('starts empty: zero sizes as bigint, no file, no speed, ETA and total unknown', () => {
    expect(new ProgressTracker().snapshot()).toEqual({
      percent: 0,
      originalSize: 0n,
      compressedSize: 0n,
      deduplicatedSize: 0n,
      filesProcessed: 0,
      currentFile: null,
      speedMBps: 0,
      etaSeconds: null,
      totalExpectedSize: null,
      progressSampledAt: null,
    });
  });

  it('without a pre-scan total: percent stays 0, ETA null, totalExpectedSize null, sizes and speed still follow borg', () => {
    const tracker = new ProgressTracker();
    for (const s of samples) {
      tracker.record(s);
      const snap = tracker.snapshot();
      expect(snap.percent).toBe(0);
      expect(snap.etaSeconds).toBeNull();
      expect(snap.totalExpectedSize).toBeNull();
      expect(snap.originalSize).toBe(BigInt(s.originalSize));
      expect(snap.compressedSize).toBe(BigInt(s.compressedSize));
      expect(snap.deduplicatedSize).toBe(BigInt(s.deduplicatedSize));
      expect(snap.filesProcessed).toBe(s.nfiles);
      expect(snap.currentFile).toBe(s.path);
    }
    // the whole run (2.08 s) fits in the default 5 s window: speed is the average since the first sample
    const first = samples[0]!;
    const last = samples.at(-1)!;
    expect(tracker.snapshot().speedMBps).toBe(mbps(last.originalSize - first.originalSize, last.time - first.time));
    expect(tracker.snapshot().speedMBps).toBeCloseTo(124.1, 1);
  });

  it('speed is 0 until a second sample exists', () => {
    const tracker = trackerAfter(TOTAL, samples[1]!);
    expect(tracker.snapshot()).toMatchObject({ speedMBps: 0, etaSeconds: null });
    tracker.record(samples[2]!);
    expect(tracker.snapshot().speedMBps).toBeGreaterThan(0);
    expect(tracker.snapshot().etaSeconds).not.toBeNull();
  });

  it('percent = originalSize ÷ pre-scanned total, ETA = remaining ÷ speed, over the recorded run', () => {
    const tracker = trackerAfter(TOTAL);
    const first = samples[0]!;
    let previousPercent = -1;
    for (const [i, s] of samples.entries()) {
      tracker.record(s);
      const snap = tracker.snapshot();
      const expectedPercent = Math.round((s.originalSize / TOTAL) * 100 * 100) / 100;
      expect(snap.percent).toBe(expectedPercent);
      expect(snap.percent).toBeGreaterThanOrEqual(previousPercent);
      previousPercent = snap.percent;
      expect(snap.totalExpectedSize).toBe(315_394_586n);
      if (i === 0) {
        expect(snap.etaSeconds).toBeNull();
        continue;
      }
      const speed = (s.originalSize - first.originalSize) / (s.time - first.time);
      expect(snap.etaSeconds).toBe(Math.ceil((TOTAL - s.originalSize) / speed));
      expect(Number.isInteger(snap.etaSeconds)).toBe(true);
    }
    // last sample: 258,478,647 of 315,394,586 bytes at ~124 MB/s → 81.95 %, under a second to go
    expect(tracker.snapshot()).toMatchObject({ percent: 81.95, etaSeconds: 1 });
  });

  it('a total that arrives mid-run applies from then on (the pre-scan runs beside borg)', () => {
    const tracker = new ProgressTracker();
    for (const s of samples.slice(0, 4)) tracker.record(s);
    expect(tracker.snapshot()).toMatchObject({ percent: 0, etaSeconds: null, totalExpectedSize: null });
    tracker.setTotalExpected(TOTAL);
    const snap = tracker.snapshot();
    expect(snap.totalExpectedSize).toBe(BigInt(TOTAL));
    expect(snap.percent).toBe(Math.round((samples[3]!.originalSize / TOTAL) * 100 * 100) / 100);
    expect(snap.etaSeconds).toBeGreaterThan(0);
  });

  it('speed covers only the sliding window: one sample at or before the horizon, then everything after it', () => {
    const tracker = new ProgressTracker(1);
    for (const s of samples) tracker.record(s);
    // last sample at …159.280, horizon …158.280: the newest sample at or before it is …158.126
    const last = samples.at(-1)!;
    const anchor = samples.filter((s) => s.time <= last.time - 1).at(-1)!;
    expect(anchor.originalSize).toBe(74_719_598);
    expect(tracker.snapshot().speedMBps).toBe(mbps(last.originalSize - anchor.originalSize, last.time - anchor.time));
    expect(tracker.snapshot().speedMBps).toBeCloseTo(159.21, 2);
    // the lifetime average is lower: the window really forgot the slow start
    expect(tracker.snapshot().speedMBps).toBeGreaterThan(mbps(last.originalSize, last.time - samples[0]!.time));
  });

  it('a stall makes speed fall to 0 within the window and ETA becomes unknown, then recovers', () => {
    const tracker = new ProgressTracker(5);
    tracker.setTotalExpected(TOTAL);
    for (const s of samples) tracker.record(s);
    const last = samples.at(-1)!;
    const speeds = [tracker.snapshot().speedMBps];
    // borg keeps reporting while it waits (same size, time moving on)
    for (let t = 1; t <= 6; t++) {
      tracker.record({ ...last, time: last.time + t });
      speeds.push(tracker.snapshot().speedMBps);
    }
    // falls at every sample, and is 0 once the window (5 s) holds only the stall
    for (let i = 1; i < 5; i++) expect(speeds[i]).toBeLessThan(speeds[i - 1]!);
    expect(speeds.slice(5)).toEqual([0, 0]);
    expect(tracker.snapshot().etaSeconds).toBeNull();
    expect(tracker.snapshot().percent).toBe(81.95);
    // data flows again: 10 MB in 1 s after the stall
    tracker.record({ ...last, originalSize: last.originalSize + 10_000_000, time: last.time + 7 });
    expect(tracker.snapshot().speedMBps).toBe(mbps(10_000_000, 5));
    expect(tracker.snapshot().etaSeconds).toBeGreaterThan(0);
  });

  it('ETA stays null while the speed shown is 0 MB/s: a few bytes a second must not promise hours', () => {
    const tracker = new ProgressTracker();
    tracker.setTotalExpected(100_000_000);
    tracker.record(sample(0, 0));
    tracker.record(sample(5, 4_000)); // 800 bytes a second: 0.0008 MB/s, shown as 0
    expect(tracker.snapshot()).toMatchObject({ speedMBps: 0, etaSeconds: null });
    tracker.record(sample(6, 2_004_000)); // 2 MB in the last second: 0.4 MB/s over the window
    expect(tracker.snapshot().speedMBps).toBeGreaterThan(0);
    expect(tracker.snapshot().etaSeconds).toBeGreaterThan(0);
  });

  it('percent is capped at 99.9 while running, even at or past the total; ETA is then unknown, never negative', () => {
    const tracker = trackerAfter(1000, sample(0, 0), sample(1, 999));
    expect(tracker.snapshot().percent).toBe(PERCENT_CAP_WHILE_RUNNING);
    const tracker2 = trackerAfter(1000, sample(0, 0), sample(1, 1000));
    expect(tracker2.snapshot()).toMatchObject({ percent: 99.9, etaSeconds: 0 });
    // the pre-scan underestimated (files grew, borg counts metadata): still capped, ETA unknown
    tracker2.record(sample(2, 1500));
    expect(tracker2.snapshot()).toMatchObject({ percent: 99.9, etaSeconds: null });
  });

  it('percent has two decimals and tiny progress is not rounded up to the cap', () => {
    const tracker = trackerAfter(3_000_000, sample(0, 1_000_000));
    expect(tracker.snapshot().percent).toBe(33.33);
    tracker.record(sample(1, 2_999_000));
    expect(tracker.snapshot().percent).toBe(99.9); // 99.966… capped
  });

  it('finish(summary): percent 100, ETA 0, speed 0, no current file, sizes from borg --json', () => {
    const tracker = trackerAfter(TOTAL, ...samples);
    expect(summary).not.toBeNull();
    tracker.finish({
      originalSize: summary!.originalSize!,
      compressedSize: summary!.compressedSize!,
      deduplicatedSize: summary!.deduplicatedSize!,
      nfiles: summary!.nfiles!,
    });
    expect(tracker.snapshot()).toEqual({
      percent: 100,
      originalSize: 315_394_586n,
      compressedSize: 294_120_771n,
      deduplicatedSize: 210_200_580n,
      filesProcessed: 209,
      currentFile: null,
      speedMBps: 0,
      etaSeconds: 0,
      totalExpectedSize: 315_394_586n,
      // borg's summary has no clock of its own: the time of its last progress report stays
      progressSampledAt: new Date((samples.at(-1) as { time: number }).time * 1000),
    });
  });

  it('finish(null) still reports 100 % and keeps the last sizes', () => {
    const tracker = trackerAfter(TOTAL * 10, ...samples);
    tracker.finish(null);
    const snap = tracker.snapshot();
    expect(snap).toMatchObject({ percent: 100, etaSeconds: 0, speedMBps: 0, currentFile: null });
    expect(snap.originalSize).toBe(258_478_647n);
  });

  it('100 only after finish: no running sample can reach it', () => {
    const tracker = trackerAfter(1, sample(0, 10 ** 12));
    expect(tracker.snapshot().percent).toBe(99.9);
    tracker.finish(null);
    expect(tracker.snapshot().percent).toBe(100);
  });

  it('sizes beyond 32 bits (and beyond 2^32 MB) stay exact as bigint', () => {
    const tracker = new ProgressTracker();
    const fiveTB = 5_000_000_000_000;
    tracker.setTotalExpected(2 * fiveTB);
    tracker.record(sample(0, 0));
    tracker.record({ originalSize: fiveTB, compressedSize: fiveTB - 1, deduplicatedSize: 4_294_967_297, nfiles: 3_000_000, path: 'x', time: 100 });
    const snap = tracker.snapshot();
    expect(snap.originalSize).toBe(5_000_000_000_000n);
    expect(snap.compressedSize).toBe(4_999_999_999_999n);
    expect(snap.deduplicatedSize).toBe(4_294_967_297n);
    expect(snap.totalExpectedSize).toBe(10_000_000_000_000n);
    expect(snap.percent).toBe(50);
    expect(snap.speedMBps).toBe(50_000);
    expect(snap.etaSeconds).toBe(100);
  });

  it('a clock that jumps backwards or repeats a timestamp gives speed 0, never negative or infinite', () => {
    const tracker = trackerAfter(1000, sample(100, 100), sample(100, 200));
    expect(tracker.snapshot().speedMBps).toBe(0);
    expect(tracker.snapshot().etaSeconds).toBeNull();
    tracker.record(sample(90, 300));
    expect(Number.isFinite(tracker.snapshot().speedMBps)).toBe(true);
    expect(tracker.snapshot().speedMBps).toBeGreaterThanOrEqual(0);
  });

  it('a total of 0 bytes (empty sources) gives percent 0 until finish, not NaN', () => {
    const tracker = trackerAfter(0, sample(0, 0), sample(1, 0));
    expect(tracker.snapshot()).toMatchObject({ percent: 0, totalExpectedSize: 0n });
    tracker.finish(null);
    expect(tracker.snapshot().percent).toBe(100);
  });
});

// Was a bug: borg prints progress only while data flows, so a job stuck on a slow file
// (a hung network mount) kept showing the speed of its last sample for as long as it hung.
describe('a stall during which borg prints nothing', () => {
  /** 10 MB/s, one sample a second, the last one at `last`. */
  const steady = (last: number) => {
    const tracker = new ProgressTracker(5);
    tracker.setTotalExpected(1e9);
    for (let t = last - 10; t <= last; t++) tracker.record(sample(t, (t - last + 10) * 10_000_000));
    return tracker;
  };

  it('snapshot(now) ages the speed as if nothing was read since the last sample, to 0 once the window has passed', () => {
    const tracker = steady(100);
    expect(tracker.snapshot().speedMBps).toBe(10);
    expect(tracker.snapshot(100).speedMBps).toBe(10);
    // under a second between two lines is borg's normal pace, not a stall
    expect(tracker.snapshot(100 + QUIET_SECONDS / 2).speedMBps).toBe(10);
    // what borg reporting the same size at `now` would give (the stall test above)
    const speeds = [101, 102, 103, 104].map((now) => tracker.snapshot(now).speedMBps);
    expect(speeds).toEqual([mbps(40_000_000, 5), mbps(30_000_000, 5), mbps(20_000_000, 5), mbps(10_000_000, 5)]);
    expect(tracker.snapshot(105)).toMatchObject({ speedMBps: 0, etaSeconds: null, percent: 10 });
    expect(tracker.snapshot(1000).speedMBps).toBe(0);
    // the last sample's own figures are untouched
    expect(tracker.snapshot().speedMBps).toBe(10);
    expect(tracker.snapshot(104).etaSeconds).toBe(Math.ceil(900_000_000 / 2_000_000));
  });

  it('quietFor: seconds since the last sample; null before the first one and once finished', () => {
    const tracker = new ProgressTracker();
    expect(tracker.quietFor(50)).toBeNull();
    tracker.record(sample(10, 0));
    expect(tracker.quietFor(12.5)).toBe(2.5);
    tracker.finish(null);
    expect(tracker.quietFor(100)).toBeNull();
  });

  /** A job as decaySpeedWhileQuiet sees it, recording what it publishes. */
  const fakeJob = (speedMBps: number) => {
    const updates: Pick<ProgressFields, 'speedMBps' | 'etaSeconds'>[] = [];
    const job = {
      row: { speedMBps },
      update(fields: Pick<ProgressFields, 'speedMBps' | 'etaSeconds'>) {
        updates.push(fields);
        job.row = { ...job.row, ...fields };
      },
    };
    return { job, updates };
  };
  const nowSeconds = () => Date.now() / 1000;

  it('decaySpeedWhileQuiet publishes the aged speed once borg is quiet, lower than the last one', async () => {
    const tracker = steady(nowSeconds() - 2 * QUIET_SECONDS);
    const { job, updates } = fakeJob(tracker.snapshot().speedMBps);
    const stop = decaySpeedWhileQuiet(tracker, job, 20);
    try {
      await expect.poll(() => updates.length).toBeGreaterThan(0);
    } finally {
      stop();
    }
    expect(updates[0]!.speedMBps).toBeGreaterThan(0);
    expect(updates[0]!.speedMBps).toBeLessThan(10);
    expect(updates[0]!.etaSeconds).toBeGreaterThan(90);
  });

  it('after the window it publishes 0 once, not at every tick, and nothing after stop()', async () => {
    const tracker = steady(nowSeconds() - 30);
    const { job, updates } = fakeJob(10);
    const stop = decaySpeedWhileQuiet(tracker, job, 10);
    await expect.poll(() => updates.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    stop();
    expect(updates).toEqual([{ speedMBps: 0, etaSeconds: null }]);
    job.row.speedMBps = 5;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(updates).toHaveLength(1);
  });

  it('publishes nothing while samples arrive, before the first sample, or once finished', async () => {
    const flowing = steady(nowSeconds());
    const empty = new ProgressTracker();
    const finished = steady(nowSeconds() - 30);
    finished.finish(null);
    const jobs = [fakeJob(10), fakeJob(0), fakeJob(10)];
    const stops = [flowing, empty, finished].map((tracker, i) => decaySpeedWhileQuiet(tracker, jobs[i]!.job, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const stop of stops) stop();
    // the flowing one may have aged by under a second: anything published is still close to 10 MB/s
    for (const update of jobs[0]!.updates) expect(update.speedMBps).toBeGreaterThan(7);
    expect(jobs[1]!.updates).toEqual([]);
    expect(jobs[2]!.updates).toEqual([]);
  });
});
