import { onNode22 } from './lib/node22.js';
import type { Benchmark } from './lib/types.js';
import { cluster } from './cluster.js';
import { concurrency } from './concurrency.js';
import { fanout } from './fanout.js';
import { history } from './history.js';
import { historyLogs } from './history-logs.js';
import { idle } from './idle.js';
import { latency } from './latency.js';
import { logs } from './logs.js';
import { OVERHEADS } from './overhead.js';
import { restore } from './restore.js';
import { stalled } from './stalled.js';

/**
 * Every benchmark, in the order `npm run bench` runs them. A new benchmark is
 * a module `bench/<name>.ts` exporting a {@link Benchmark}, added here.
 */
export const BENCHMARKS: readonly Benchmark[] = [
  ...OVERHEADS,
  concurrency,
  latency,
  fanout,
  history,
  historyLogs,
  logs,
  idle,
  stalled,
  restore,
  cluster,
  // the Node 22 rows: overhead, latency and history again with the servers on Node 22
  ...[OVERHEADS[0]!, latency, history].map(onNode22),
];
