import type { Benchmark } from './lib/types.js';
import { fanout } from './fanout.js';
import { latency } from './latency.js';
import { overhead } from './overhead.js';

/**
 * Every benchmark, in the order `npm run bench` runs them. A new benchmark is
 * a module `bench/<name>.ts` exporting a {@link Benchmark}, added here.
 */
export const BENCHMARKS: readonly Benchmark[] = [overhead, latency, fanout];
