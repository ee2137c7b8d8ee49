import { prng } from './random.js';

/** Summary statistics of a sample (milliseconds, bytes… any unit). */
export interface Stats {
  n: number;
  median: number;
  mean: number;
  /** 95th percentile, linear interpolation between closest ranks (as numpy's default) */
  p95: number;
  /** 99th percentile, same interpolation (latency targets are p99) */
  p99: number;
  min: number;
  max: number;
  /** sample standard deviation (n − 1); 0 for a single value */
  stdev: number;
}

/** The q-quantile (0–1) of sorted values, interpolating linearly between ranks. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of an empty sample');
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/** Median, mean, p95, p99, min, max and standard deviation of `values`. */
export function summarize(values: readonly number[]): Stats {
  if (values.length === 0) throw new RangeError('summarize needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((s, v) => s + v, 0) / n;
  const variance = n > 1 ? sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  return {
    n,
    median: quantile(sorted, 0.5),
    mean,
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
    stdev: Math.sqrt(variance),
  };
}

/** `1234.5` ms → `1.235 s`; figures in tables use one unit so columns compare. */
export function seconds(ms: number, digits = 3): string {
  return `${(ms / 1000).toFixed(digits)} s`;
}

const LATENCY_COLUMNS = ['events', 'p50', 'p95', 'p99', 'max', 'mean'];

/** Header of a table of latency statistics (ms), with leading label columns; rows from {@link latencyRow}. */
export function latencyHeader(...labels: string[]): string {
  const columns = [...labels, ...LATENCY_COLUMNS];
  return `| ${columns.join(' | ')} |\n| ${columns.map(() => '---').join(' | ')} |`;
}

/** One row under {@link latencyHeader}: the label cells, then the statistics of latencies in ms. */
export function latencyRow(s: Stats, ...labels: string[]): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  return `| ${[...labels, s.n.toLocaleString('en'), ms(s.median), ms(s.p95), ms(s.p99), ms(s.max), ms(s.mean)].join(' | ')} |`;
}

/** Bytes in MB (10^6) and MiB, e.g. `734.0 MB (700.0 MiB)`. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB (${(bytes / 2 ** 20).toFixed(1)} MiB)`;
}

/**
 * 95 % bootstrap confidence interval of `statistic` over paired samples:
 * resamples whole pairs (keeping raw and API of one pair together) 2,000
 * times with a fixed-seed PRNG, so the same data gives the same interval.
 * Tells whether a target a few percent away is within the noise.
 */
export function bootstrapCI<T>(pairs: readonly T[], statistic: (sample: T[]) => number, rounds = 2000): [number, number] {
  const random = prng(0x9e3779b9);
  const values: number[] = [];
  for (let r = 0; r < rounds; r++) {
    values.push(statistic(Array.from(pairs, () => pairs[Math.floor(random() * pairs.length)] as T)));
  }
  values.sort((a, b) => a - b);
  return [quantile(values, 0.025), quantile(values, 0.975)];
}
