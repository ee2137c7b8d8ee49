/**
 * Paired runs of two sides (raw borg, the API) in ABBA order with equal
 * settling before every timed run: pair 1 runs raw then API, pair 2 API
 * then raw, and so on, so whatever favours the first or the second run of
 * a pair (a warm page cache, the previous run's writeback) lands on each
 * side equally often and cancels in the mean of the per-pair log ratios
 * (bench/lib/ratio.ts).
 */
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunPhases } from '../overhead/phases.js';
import { cpuMeter } from './machine.js';

/** What one timed run of one side measured. */
export interface SideRun {
  /** wall time of the timed part */
  ms: number;
  /** machine-wide CPU use (0–1) during it */
  busy: number;
  /**
   * CPU use (0–1 of all cores) during it by processes other than the
   * benchmark's own (this process, the server, borg): other work on the
   * machine. null when borg's CPU time could not be read.
   */
  othersBusy: number | null;
  /** CPU time (user + system) of borg during it; null when it could not be read */
  borgCpuMs: number | null;
  /** CPU time of the borgql server process during it (API side only) */
  serverCpuMs: number | null;
  /** `jobProgress` payloads the subscriber received (API side only) */
  payloads?: number;
  /** where an API run's time went (bench/overhead/phases.ts); null when the log did not say */
  phases?: RunPhases | null;
}

/** One side of the comparison: untimed preparation, then the timed run. */
export interface Side {
  /** Untimed: what must exist before the clock starts (a fresh repository…). */
  prepare(pair: number): Promise<void>;
  /** The timed run; returns its wall time and CPU figures (busy is filled in by the runner). */
  measure(pair: number): Promise<Omit<SideRun, 'busy' | 'othersBusy'>>;
  /** Untimed: clean up after the run (remove a fresh repository…). */
  cleanup?(pair: number): Promise<void>;
}

/** One measured pair. */
export interface AbbaPair {
  /** the `pair` number its sides were called with (0 is the warm-up; a pair measured again gets a new one) */
  index: number;
  order: 'raw-first' | 'api-first';
  raw: SideRun;
  api: SideRun;
  /** api.ms / raw.ms */
  ratio: number;
}

/** Options of {@link runAbba}. */
export interface AbbaOptions {
  raw: Side;
  api: Side;
  /** pairs to keep (after the warm-up pair) */
  pairs: number;
  /** Untimed, before each pair's two runs: e.g. change 1 % of the files both sides will back up. */
  beforePair?(pair: number): Promise<void>;
  /** waits for a quiet machine (the runner's ctx.quiet); null when waiting is off */
  quiet(): Promise<number | null>;
  /** fixed pause after sync and the quiet wait, the same before every timed run */
  settleMs: number;
  /**
   * a run where other processes used more than this share of all cores
   * shared the machine; its pair is measured again (while waiting is on).
   * Default {@link OTHERS_LIMIT}.
   */
  othersLimit?: number;
  /** for sides that cannot tell borg's CPU time (othersBusy null): a run above this machine-wide CPU use is disturbed */
  busyLimit?: number;
  /** pairs measured again at most */
  maxDiscarded: number;
  log(message: string): void;
}

/** What {@link runAbba} returns. */
export interface AbbaResult {
  pairs: AbbaPair[];
  /** pairs measured again because other work disturbed them */
  discarded: AbbaPair[];
  /** whether runs waited for a quiet machine (not with --quick / --no-wait) */
  waited: boolean;
}

/**
 * The same settling before every timed run, whichever side: flush dirty
 * pages (so one run's writeback is not billed to the next), wait for a quiet
 * machine, then a fixed pause.
 */
async function settle(options: AbbaOptions): Promise<boolean> {
  execFileSync('sync');
  const waited = (await options.quiet()) !== null;
  await sleep(options.settleMs);
  return waited;
}

/**
 * The share of all cores other processes may use during a run before it
 * counts as disturbed. Judged on others' CPU, not the machine's: four borgs
 * at once fill a 2-core machine by themselves (bench/concurrency.ts).
 */
export const OTHERS_LIMIT = 0.15;

async function timed(side: Side, pair: number, options: AbbaOptions): Promise<{ run: SideRun; waited: boolean }> {
  await side.prepare(pair);
  const waited = await settle(options);
  const meter = cpuMeter();
  const ownBefore = process.cpuUsage();
  const measured = await side.measure(pair);
  const own = process.cpuUsage(ownBefore);
  const ownMs = (own.user + own.system) / 1000 + (measured.borgCpuMs ?? 0) + (measured.serverCpuMs ?? 0);
  const run: SideRun = { ...measured, busy: meter.busy(), othersBusy: measured.borgCpuMs === null ? null : meter.others(ownMs) };
  await side.cleanup?.(pair);
  return { run, waited };
}

/**
 * Runs one warm-up pair (not kept) and then pairs in ABBA order until
 * `pairs` were kept. The order follows the count of kept pairs, so a pair
 * measured again keeps its order and the kept ones stay balanced.
 */
export async function runAbba(options: AbbaOptions): Promise<AbbaResult> {
  const pairs: AbbaPair[] = [];
  const discarded: AbbaPair[] = [];
  let waited = false;
  for (let i = 0; pairs.length < options.pairs; i++) {
    const warmUp = i === 0;
    const order = pairs.length % 2 === 0 ? 'raw-first' : 'api-first';
    await options.beforePair?.(i);
    const first = await timed(order === 'raw-first' ? options.raw : options.api, i, options);
    const second = await timed(order === 'raw-first' ? options.api : options.raw, i, options);
    waited = first.waited || second.waited;
    const [raw, api] = order === 'raw-first' ? [first.run, second.run] : [second.run, first.run];
    const pair: AbbaPair = { index: i, order, raw, api, ratio: api.ms / raw.ms };
    const label = warmUp ? 'warm-up' : `pair ${pairs.length + 1}/${options.pairs} (${order})`;
    const others = (r: SideRun) => (r.othersBusy === null ? 'n/a' : `${(r.othersBusy * 100).toFixed(0)} %`);
    const busy = `busy ${(raw.busy * 100).toFixed(0)} % / ${(api.busy * 100).toFixed(0)} % (others ${others(raw)} / ${others(api)})`;
    options.log(`${label}: raw ${(raw.ms / 1000).toFixed(3)} s, api ${(api.ms / 1000).toFixed(3)} s, ratio ${pair.ratio.toFixed(3)}, ${busy}`);
    if (warmUp) continue;
    // without waiting (--no-wait, --quick) disturbed pairs are kept: the table shows how busy each run was
    const limit = options.othersLimit ?? OTHERS_LIMIT;
    const disturbed = [raw, api].some((r) => (r.othersBusy === null ? r.busy > (options.busyLimit ?? 1) : r.othersBusy > limit));
    if (waited && disturbed && discarded.length < options.maxDiscarded) {
      options.log('  discarded: other work shared the machine; measuring this pair again');
      discarded.push(pair);
      continue;
    }
    pairs.push(pair);
  }
  return { pairs, discarded, waited };
}
