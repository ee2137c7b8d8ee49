/**
 * The 95 % interval of an API ÷ raw ratio from paired runs, and the verdict
 * on a target judged on its upper bound.
 *
 * Method (decided here, quoted in BENCHMARKS.md): each pair gives one ratio
 * api/raw; the estimate is the geometric mean of those ratios and the
 * interval a Student t-interval on their logarithms, exp(mean ± t·s/√n).
 * Logs, because a ratio is bounded below by 0 and its noise is
 * multiplicative (a disturbed run is slower by a factor, not by an offset);
 * a t-interval rather than a bootstrap, because with 6–12 pairs a bootstrap
 * of the median under-covers (it can only return values in the sample).
 * With ABBA ordering (bench/lib/abba.ts) half the pairs run raw first and
 * half API first, so a first-run/second-run effect (page cache, writeback)
 * cancels in the mean instead of biasing it.
 */

/** Two-sided 95 % quantiles of Student's t for 1–30 degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069,
  2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t(0.975, df): the table up to 30, then 1.96 + 2.5/df (within 0.002 of the exact value from 30 to ∞). */
export function t975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`);
  return df <= T975.length ? (T975[df - 1] as number) : 1.96 + 2.5 / df;
}

/** A ratio with its 95 % interval. */
export interface RatioInterval {
  /** pairs the estimate rests on */
  n: number;
  /** geometric mean of the per-pair ratios */
  estimate: number;
  /** 95 % bounds; −∞/+∞ with fewer than two pairs (no interval: nothing can be claimed) */
  low: number;
  high: number;
}

/** Geometric mean of `ratios` with the 95 % t-interval on their logarithms. */
export function ratioInterval(ratios: readonly number[]): RatioInterval {
  if (ratios.length === 0) throw new RangeError('ratioInterval needs at least one ratio');
  if (ratios.some((r) => !(r > 0) || !Number.isFinite(r))) throw new RangeError(`ratios must be positive and finite: ${ratios.join(', ')}`);
  const logs = ratios.map(Math.log);
  const n = logs.length;
  const mean = logs.reduce((s, x) => s + x, 0) / n;
  if (n < 2) return { n, estimate: Math.exp(mean), low: -Infinity, high: Infinity };
  const sd = Math.sqrt(logs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const half = (t975(n - 1) * sd) / Math.sqrt(n);
  return { n, estimate: Math.exp(mean), low: Math.exp(mean - half), high: Math.exp(mean + half) };
}

/** `1.012 (95 % CI 0.998–1.027)`; `n/a` bounds with a single pair. */
export function formatInterval(r: RatioInterval, digits = 3): string {
  const bound = (x: number) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
  return `${r.estimate.toFixed(digits)} (95 % CI ${bound(r.low)}–${bound(r.high)}, ${r.n} pair${r.n === 1 ? '' : 's'})`;
}

/**
 * The target row for "ratio ≤ limit", judged on the interval's upper bound:
 * met only when the data rule out a ratio above the limit, not merely when
 * the point estimate is below it.
 */
export function ratioTarget(label: string, r: RatioInterval, limit: number): { target: string; measured: string; met: boolean } {
  return { target: `${label}: upper 95 % bound ≤ ${limit.toFixed(2)}`, measured: formatInterval(r), met: r.high <= limit };
}
