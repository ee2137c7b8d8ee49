/** Renders bench/cluster.ts's figures and verdicts. */
import os from 'node:os';
import { SERVER_COMMAND } from '../lib/server.js';
import type { StandinSettings } from '../lib/standin.js';
import { bootstrapCI, latencyHeader, latencyRow, quantile, summarize, type Stats } from '../lib/stats.js';
import type { BenchReport, TargetResult } from '../lib/types.js';
import type { Delivery, LiveEvent } from '../lib/watch.js';

/** The scale-out targets (DESIGN "Scale-out"; the lead's brief). */
export const TARGETS = { latencyP99Ms: 20, fanoutP99Ms: 150, jobsP50Ms: 15 };

/** What one subscriber, on one node, received of the stand-in's lines. */
export interface Delivered {
  node: string;
  events: LiveEvent[];
  delivery: Delivery;
}

/** Everything bench/cluster.ts measured. */
export interface Measured {
  latency: { delivered: Delivered[]; busy: number };
  fanout: { delivered: Delivered[]; busy: number };
  subscribers: number;
  history: { jobs: number; insertMs: number; pageMs: Stats; samples: number[] };
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

/** The latencies of every event of the subscribers on `node`. */
function latenciesOn(delivered: Delivered[], node: string): number[] {
  return delivered.filter((d) => d.node === node).flatMap((d) => d.events.map((e) => e.latencyMs));
}

/** `p (95 % CI lo–hi)` of a latency sample: the bootstrap interval says how far the figure can be trusted. */
function withInterval(values: number[], q: number): string {
  const sorted = [...values].sort((x, y) => x - y);
  const [lo, hi] = bootstrapCI(values, (sample) =>
    quantile(
      [...sample].sort((x, y) => x - y),
      q,
    ),
  );
  return `${ms(quantile(sorted, q))} (95 % CI ${lo.toFixed(1)}–${hi.toFixed(1)})`;
}

function lostOf(delivered: Delivered[]): { expected: number; lost: number; wrong: number } {
  return delivered.reduce(
    (sum, d) => ({ expected: sum.expected + d.delivery.written, lost: sum.lost + d.delivery.lost, wrong: sum.wrong + d.delivery.wrong }),
    { expected: 0, lost: 0, wrong: 0 },
  );
}

/** The section body: three parts, their targets, the method. */
export function clusterReport(m: Measured, settings: { latency: Omit<StandinSettings, 'goFile'>; fanout: Omit<StandinSettings, 'goFile'> }): BenchReport {
  const onA = latenciesOn(m.latency.delivered, 'A');
  const onB = latenciesOn(m.latency.delivered, 'B');
  const fanAll = m.fanout.delivered.flatMap((d) => d.events.map((e) => e.latencyMs));
  const fanStats = summarize(fanAll);
  const fanLost = lostOf(m.fanout.delivered);
  const latLost = lostOf(m.latency.delivered);
  const aStats = summarize(onA);
  const s = (x: Omit<StandinSettings, 'goFile'>) =>
    `an archive_progress line every ${x.intervalMs[0]}–${x.intervalMs[1]} ms for ${(x.durationMs / 1000).toFixed(0)} s`;
  const targets: TargetResult[] = [
    { target: `a: B → subscriber on A, p99 ≤ ${TARGETS.latencyP99Ms} ms`, measured: ms(aStats.p99), met: aStats.p99 <= TARGETS.latencyP99Ms },
    { target: 'a: 0 events lost', measured: String(latLost.lost + latLost.wrong), met: latLost.lost + latLost.wrong === 0 },
    {
      target: `b: ${m.subscribers.toLocaleString('en')} subscribers over two nodes, 0 lost`,
      measured: String(fanLost.lost + fanLost.wrong),
      met: fanLost.lost + fanLost.wrong === 0,
    },
    { target: `b: p99 ≤ ${TARGETS.fanoutP99Ms} ms`, measured: ms(fanStats.p99), met: fanStats.p99 <= TARGETS.fanoutP99Ms },
    {
      target: `c: \`jobs(limit: 50)\`, ${m.history.jobs.toLocaleString('en')} jobs, p50 ≤ ${TARGETS.jobsP50Ms} ms`,
      measured: ms(m.history.pageMs.median),
      met: m.history.pageMs.median <= TARGETS.jobsP50Ms,
    },
  ];
  return {
    data: [
      `Two nodes A and B (\`${SERVER_COMMAND}\`, each its own process) on one new PostgreSQL database and one Redis (local services), the borg stand-in (bench/borg-standin.mjs, benchmarks only) as BORG_BIN.`,
      `a: one backup of a repository of B, ${s(settings.latency)}; one subscriber on A, one on B.`,
      `b: one backup of a repository of B, ${s(settings.fanout)}; ${m.subscribers.toLocaleString('en')} subscribers, half on each node.`,
      `c: ${m.history.jobs.toLocaleString('en')} finished jobs made by one \`INSERT … SELECT generate_series\` (${(m.history.insertMs / 1000).toFixed(1)} s with ANALYZE), then ${m.history.samples.length} sequential \`jobs(limit: 50)\` requests through A after 30 untimed ones.`,
    ].join('\n'),
    figures: [
      "Latency = arrival at the graphql-ws `jobProgress` subscriber − the line's `time` (served as `progress.sampledAt`).",
      '',
      latencyHeader('part', 'subscribers on'),
      ...(onA.length > 0 ? [latencyRow(aStats, 'a', 'A (through Redis)')] : []),
      ...(onB.length > 0 ? [latencyRow(summarize(onB), 'a', 'B (its own node)')] : []),
      ...['A', 'B'].flatMap((node) => {
        const values = latenciesOn(m.fanout.delivered, node);
        return values.length > 0 ? [latencyRow(summarize(values), 'b', node)] : [];
      }),
      ...(fanAll.length > 0 ? [latencyRow(fanStats, 'b', 'both')] : []),
      '',
      onA.length > 0 ? `a on A: p50 ${withInterval(onA, 0.5)}, p99 ${withInterval(onA, 0.99)}.` : 'a on A: no events.',
      `a: ${latLost.expected} lines expected over both subscribers, ${latLost.lost} lost, ${latLost.wrong} unmatched. b: ${fanLost.expected.toLocaleString('en')} expected, ${fanLost.lost} lost, ${fanLost.wrong} unmatched.`,
      `Machine busy (all ${os.cpus().length} cores) during the backups: a ${(m.latency.busy * 100).toFixed(0)} %, b ${(m.fanout.busy * 100).toFixed(0)} %.`,
      '',
      latencyHeader('part', 'request'),
      latencyRow(m.history.pageMs, 'c', '`jobs(limit: 50)` through A'),
      '',
      `c: p50 ${withInterval(m.history.samples, 0.5)}.`,
    ].join('\n'),
    targets,
    notes: [
      "Both clocks are this machine's wall clock: the stand-in's `time` (read right before it writes the line) and the client's Date.now() when graphql-ws hands over the payload; `sampledAt` has millisecond resolution.",
      "The subscribers on B see the line from B's own pubsub; those on A see it after B published it to Redis and A received it: the difference between the rows of part a is that hop.",
      'Intervals: 95 % bootstrap confidence intervals of the percentile (2,000 resamples, fixed seed), as bench/lib/stats.ts computes them.',
    ],
  };
}
