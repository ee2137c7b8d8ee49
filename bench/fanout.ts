/**
 * Fan-out: 1,000 graphql-ws subscribers, one WebSocket each, watching one
 * running job. Every subscriber's events are matched against what the borg
 * stand-in (bench/borg-standin.mjs) recorded writing; latency per event per
 * subscriber; the server's CPU time and RSS meanwhile.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Client } from 'graphql-ws';
import { addRepository } from './lib/borgql.js';
import { connectWs, httpClient, type GraphQLClient } from './lib/graphql.js';
import { cpuMeter } from './lib/machine.js';
import { startServerProcess, type ProcessMemory, type ServerProcess } from './lib/server.js';
import { readStandinRecord, STANDIN_BIN, standinSource, type StandinSettings } from './lib/standin.js';
import { summarize, type Stats } from './lib/stats.js';
import type { BenchContext, BenchReport, Benchmark } from './lib/types.js';
import { compareWithRecord, liveEvents, watchBackup } from './lib/watch.js';
import { connectMixed, mixedDocumentOf } from './fanout/mixed.js';
import { fanoutReport, TARGET_P99_MS } from './fanout/report.js';

const SUBSCRIBERS = 1000;
const QUICK_SUBSCRIBERS = 50;
/**
 * Server, clients and stand-in keep well under 1.5 cores busy (server ≲ 0.5,
 * clients ≲ 0.4 at the stress rate): above that someone else was running.
 */
const BUSY_LIMIT = Math.min(0.9, 1.5 / os.cpus().length);
/** Runs of one variant at most, when other work disturbed the earlier ones. */
const MAX_ATTEMPTS = 3;
/** Sockets opened at once while connecting (a burst of 1,000 handshakes is not what is measured). */
const CONNECT_BATCH = 50;

/** One load: how fast the stand-in reports, and for how long. */
export interface Variant {
  name: string;
  settings: Omit<StandinSettings, 'goFile'>;
  /** subscribers with three roles and three documents (bench/fanout/mixed.ts) instead of one admin dashboard document */
  mixed?: boolean;
  /** runs of this variant, each reported (#1, #2…): whether the p99 is stable is a finding of its own */
  runs?: number;
}

/** borg's own rate (at most every 0.2 s, seen 0.20–0.39 s), then 4× that. */
const VARIANTS: Variant[] = [
  // three runs: an outside harness saw p99 66, 160 and 168 ms in three quiet runs of this load
  { name: 'borg rate', settings: { intervalMs: [200, 250], durationMs: 25_000, fileStatusPerTick: [0, 20], bytesPerTick: 50e6 }, runs: 3 },
  { name: 'stress', settings: { intervalMs: [50, 50], durationMs: 10_000, fileStatusPerTick: [0, 20], bytesPerTick: 12e6 } },
  { name: 'mixed, borg rate', settings: { intervalMs: [200, 250], durationMs: 25_000, fileStatusPerTick: [0, 20], bytesPerTick: 50e6 }, mixed: true },
];

/** What one variant measured. */
export interface VariantResult {
  variant: Variant;
  subscribers: number;
  /** archive_progress lines the stand-in wrote */
  written: number;
  /** summed over subscribers */
  received: number;
  lost: number;
  wrong: number;
  subscribersMissingEvents: number;
  /** every event of every subscriber */
  latency: Stats;
  /** each subscriber's own p99 */
  subscriberP99: Stats;
  /** per line: latency of the first subscriber it reached (the pipeline before fan-out) */
  firstArrival: Stats;
  /** per line: latency of the last subscriber it reached (the whole fan-out) */
  lastArrival: Stats;
  /** machine-wide CPU use (0–1) over the variant: other work on the machine shows here */
  busy: number;
  /** from the go file to the last subscriber seeing the job end */
  wallMs: number;
  serverCpuMs: number | null;
  /** the benchmark process's CPU (the 1,000 clients) over the same span */
  clientCpuMs: number;
  /**
   * the benchmark process's event-loop delay over the variant (p99 and max, ms): the 1,000 clients
   * share it, so a client's latency includes waiting behind the others; this tells that share apart
   */
  clientLoopDelay: { p99: number; max: number };
  rssAtGo: ProcessMemory | null;
  /** highest VmRSS sampled every 200 ms during the variant */
  rssMaxBytes: number | null;
}

/** Samples the server's RSS until stopped; returns the highest value seen. */
function rssSampler(server: ServerProcess): () => number | null {
  let max: number | null = null;
  const sample = () => {
    const rss = server.memory()?.rssBytes;
    if (rss !== undefined) max = Math.max(max ?? 0, rss);
  };
  const timer = setInterval(sample, 200);
  return () => (clearInterval(timer), sample(), max);
}

async function runVariant(
  ctx: BenchContext,
  server: ServerProcess,
  http: GraphQLClient,
  clients: Client[],
  variant: Variant,
  i: string,
): Promise<VariantResult> {
  const goFile = path.join(ctx.tmpDir, `go-${i}`);
  const settings = { ...variant.settings, durationMs: ctx.quick ? 3000 : variant.settings.durationMs };
  const source = standinSource(path.join(ctx.tmpDir, `source-${i}`), { ...settings, goFile });
  const repo = await addRepository(http, {
    name: `fanout-${i}`,
    path: path.join(ctx.tmpDir, `repo-${i}`),
    sourcePaths: [source],
    initialize: true,
    encryption: 'none',
  });
  let rssAtGo: ProcessMemory | null = null;
  let cpuAtGo: number | null = null;
  let clientAtGo = process.cpuUsage();
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  let startedAt = 0;
  let stopSampler = (): number | null => null;
  let meter = cpuMeter();
  const watched = await watchBackup(
    http,
    clients,
    repo.path,
    () => {
      rssAtGo = server.memory();
      cpuAtGo = server.cpuMs();
      clientAtGo = process.cpuUsage();
      loopDelay.enable();
      stopSampler = rssSampler(server);
      meter = cpuMeter();
      startedAt = performance.now();
      writeFileSync(goFile, '');
    },
    variant.mixed ? mixedDocumentOf : undefined,
  );
  const wallMs = performance.now() - startedAt;
  const busy = meter.busy();
  const cpuEnd = server.cpuMs();
  const client = process.cpuUsage(clientAtGo);
  loopDelay.disable();
  const rssMaxBytes = stopSampler();
  const record = readStandinRecord(repo.path, watched.archiveName);
  const latencies: number[] = [];
  const subscriberP99: number[] = [];
  let received = 0;
  let lost = 0;
  let wrong = 0;
  let subscribersMissingEvents = 0;
  const arrivals = new Map<string, { first: number; last: number }>();
  for (const payloads of watched.payloads) {
    const events = liveEvents(payloads);
    const delivery = compareWithRecord(events, record);
    received += delivery.received;
    lost += delivery.lost;
    wrong += delivery.wrong;
    if (delivery.lost > 0) subscribersMissingEvents++;
    for (const e of events) {
      latencies.push(e.latencyMs);
      const seen = arrivals.get(e.sampledAt);
      if (!seen) arrivals.set(e.sampledAt, { first: e.latencyMs, last: e.latencyMs });
      else {
        seen.first = Math.min(seen.first, e.latencyMs);
        seen.last = Math.max(seen.last, e.latencyMs);
      }
    }
    if (events.length > 0) subscriberP99.push(summarize(events.map((e) => e.latencyMs)).p99);
  }
  return {
    variant: { ...variant, settings },
    subscribers: clients.length,
    written: record.length,
    received,
    lost,
    wrong,
    subscribersMissingEvents,
    latency: summarize(latencies),
    subscriberP99: summarize(subscriberP99),
    firstArrival: summarize([...arrivals.values()].map((a) => a.first)),
    lastArrival: summarize([...arrivals.values()].map((a) => a.last)),
    busy,
    wallMs,
    serverCpuMs: cpuAtGo === null || cpuEnd === null ? null : cpuEnd - cpuAtGo,
    clientCpuMs: (client.user + client.system) / 1000,
    // nanoseconds; the 5 ms sampling resolution is subtracted by the histogram itself
    clientLoopDelay: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
    rssAtGo,
    rssMaxBytes,
  };
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  const server = await startServerProcess({ rootDir: ctx.rootDir, dir: path.join(ctx.tmpDir, 'server'), env: { BORG_BIN: STANDIN_BIN } });
  let clients: Client[] = [];
  try {
    const http = httpClient(server.graphqlUrl, server.token);
    const rssIdle = server.memory();
    const count = ctx.quick ? QUICK_SUBSCRIBERS : SUBSCRIBERS;
    while (clients.length < count) {
      const batch = Math.min(CONNECT_BATCH, count - clients.length);
      clients.push(...(await Promise.all(Array.from({ length: batch }, () => connectWs(server.wsUrl, server.token)))));
    }
    const rssConnected = server.memory();
    ctx.log(`${clients.length} WebSockets connected`);
    const results: VariantResult[] = [];
    const discarded: VariantResult[] = [];
    const planned = VARIANTS.flatMap((v) => {
      const runs = ctx.quick ? 1 : (v.runs ?? 1);
      return Array.from({ length: runs }, (_, k) => (runs > 1 ? { ...v, name: `${v.name} #${k + 1}` } : v));
    });
    for (const [i, variant] of planned.entries()) {
      if (variant.mixed) {
        // the mixed variant runs last, on as many connections, a third of them with each role's token
        await Promise.all(clients.map((c) => Promise.resolve(c.dispose())));
        clients = await connectMixed(http, server.wsUrl, server.token, count, CONNECT_BATCH);
      }
      for (let attempt = 0; ; attempt++) {
        const waited = (await ctx.quiet()) !== null;
        const result = await runVariant(ctx, server, http, clients, variant, `${i}-${attempt}`);
        const busy = `machine ${(result.busy * 100).toFixed(0)} % busy`;
        ctx.log(
          `${variant.name}: ${result.written} lines × ${result.subscribers}, lost ${result.lost}, p99 ${result.latency.p99.toFixed(1)} ms, max ${result.latency.max.toFixed(1)} ms, ${busy}`,
        );
        // a latency tail is what other work on the machine distorts first: measure again (not with --no-wait)
        if (waited && result.busy > BUSY_LIMIT && attempt < MAX_ATTEMPTS - 1) {
          ctx.log('  discarded: other work shared the machine; measuring this variant again');
          discarded.push(result);
          continue;
        }
        results.push(result);
        break;
      }
    }
    return fanoutReport({ results, discarded, busyLimit: BUSY_LIMIT, rssIdle, rssConnected });
  } finally {
    await Promise.all(clients.map((c) => Promise.resolve(c.dispose())));
    await server.stop();
  }
}

/** Many graphql-ws subscribers on one running job. */
export const fanout: Benchmark = {
  name: 'fanout',
  description: `${SUBSCRIBERS.toLocaleString('en')} concurrent graphql-ws \`jobProgress\` subscribers (one WebSocket each) on one running job: events lost, latency per event per subscriber, server CPU time and RSS.`,
  target: `0 events lost, p99 ≤ ${TARGET_P99_MS} ms (issue 6)`,
  run,
};
