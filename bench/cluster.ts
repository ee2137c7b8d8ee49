/**
 * Scale-out (README "Running several nodes"): two compiled nodes on one
 * PostgreSQL database and one Redis. (a) progress latency from borg on node
 * B to a graphql-ws subscriber on node A, beside one on B itself; (b) 1,000
 * subscribers split over both nodes on one job of B; (c) `jobs(limit: 50)`
 * through a node with a million jobs in PostgreSQL.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { addRepository } from './lib/borgql.js';
import { connectWs, httpClient, type GraphQLClient } from './lib/graphql.js';
import { cpuMeter } from './lib/machine.js';
import { readStandinRecord, STANDIN_BIN, standinSource, type StandinSettings } from './lib/standin.js';
import { summarize } from './lib/stats.js';
import type { BenchContext, BenchReport, Benchmark } from './lib/types.js';
import { compareWithRecord, liveEvents, watchBackup, type LiveEvent } from './lib/watch.js';
import { fillJobs, timeJobsPage } from './cluster/history.js';
import { startCluster, type BenchCluster } from './cluster/nodes.js';
import { clusterReport, TARGETS, type Delivered, type Measured } from './cluster/report.js';

/** As bench/latency.ts: up to 4× borg's rate, with jitter. */
const LATENCY: Omit<StandinSettings, 'goFile'> = { intervalMs: [50, 200], durationMs: 30_000, fileStatusPerTick: [0, 20], bytesPerTick: 25e6 };
/** As bench/fanout.ts "borg rate": borg's own pace. */
const FANOUT: Omit<StandinSettings, 'goFile'> = { intervalMs: [200, 250], durationMs: 25_000, fileStatusPerTick: [0, 20], bytesPerTick: 50e6 };
const SUBSCRIBERS = 1000;
const JOBS = 1_000_000;
const JOB_SAMPLES = 300;
/** Sockets opened at once while connecting (a burst of handshakes is not what is measured). */
const CONNECT_BATCH = 50;

/** Connects `count` graphql-ws clients to `wsUrl`, a batch at a time. */
async function connectMany(wsUrl: string, token: string, count: number): Promise<Client[]> {
  const clients: Client[] = [];
  while (clients.length < count) {
    const batch = Math.min(CONNECT_BATCH, count - clients.length);
    clients.push(...(await Promise.all(Array.from({ length: batch }, () => connectWs(wsUrl, token)))));
  }
  return clients;
}

/**
 * One stand-in backup on node B watched by `groups` of clients (by node
 * name); every subscriber is in place before the first progress line.
 */
async function watchedOnB(
  ctx: BenchContext,
  http: { a: GraphQLClient; b: GraphQLClient },
  groups: Record<string, Client[]>,
  settings: Omit<StandinSettings, 'goFile'>,
  name: string,
): Promise<{ delivered: Delivered[]; busy: number }> {
  const goFile = path.join(ctx.tmpDir, `go-${name}`);
  const source = standinSource(path.join(ctx.tmpDir, `source-${name}`), { ...settings, goFile });
  // added through B: the repository is B's, so its borg runs there
  const repo = await addRepository(http.b, { name, path: path.join(ctx.tmpDir, `repo-${name}`), sourcePaths: [source], initialize: true, encryption: 'none' });
  const order = Object.entries(groups).flatMap(([node, clients]) => clients.map((client) => ({ node, client })));
  let meter = cpuMeter();
  // started through A: any node takes the request
  const watched = await watchBackup(
    http.a,
    order.map((o) => o.client),
    repo.path,
    () => {
      meter = cpuMeter();
      writeFileSync(goFile, '');
    },
  );
  const busy = meter.busy();
  const record = readStandinRecord(repo.path, watched.archiveName);
  const delivered = order.map(({ node }, i): Delivered => {
    const events: LiveEvent[] = liveEvents(watched.payloads[i] ?? []);
    return { node, events, delivery: compareWithRecord(events, record) };
  });
  return { delivered, busy };
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  const cluster: BenchCluster = await startCluster(ctx, ['A', 'B'], { BORG_BIN: STANDIN_BIN });
  const [nodeA, nodeB] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
  const http = { a: httpClient(nodeA.graphqlUrl, cluster.token), b: httpClient(nodeB.graphqlUrl, cluster.token) };
  const clients: Client[] = [];
  try {
    ctx.log('part a: latency, B → a subscriber on A (and one on B)…');
    await ctx.quiet();
    const pair = { A: await connectMany(nodeA.wsUrl, cluster.token, 1), B: await connectMany(nodeB.wsUrl, cluster.token, 1) };
    clients.push(...pair.A, ...pair.B);
    const latency = await watchedOnB(ctx, http, pair, { ...LATENCY, durationMs: ctx.quick ? 3000 : LATENCY.durationMs }, 'latency');

    const count = ctx.quick ? 50 : SUBSCRIBERS;
    ctx.log(`part b: ${count} subscribers, half on each node…`);
    const many = { A: await connectMany(nodeA.wsUrl, cluster.token, count / 2), B: await connectMany(nodeB.wsUrl, cluster.token, count / 2) };
    clients.push(...many.A, ...many.B);
    await ctx.quiet();
    const fanout = await watchedOnB(ctx, http, many, { ...FANOUT, durationMs: ctx.quick ? 3000 : FANOUT.durationMs }, 'fanout');
    await Promise.all(clients.splice(0).map((client) => Promise.resolve(client.dispose())));

    const jobs = ctx.quick ? 20_000 : JOBS;
    ctx.log(`part c: ${jobs.toLocaleString('en')} jobs in PostgreSQL…`);
    const [repository] = await cluster.sql<{ id: number; path: string }>('SELECT id, path FROM "Repository" ORDER BY id LIMIT 1');
    if (!repository) throw new Error('no repository to hang the jobs on');
    const insertMs = await fillJobs(cluster, repository.id, repository.path, jobs, ['A', 'B']);
    ctx.log(`inserted in ${(insertMs / 1000).toFixed(1)} s`);
    await ctx.quiet();
    const pageMs = await timeJobsPage(http.a, ctx.quick ? 20 : JOB_SAMPLES);
    const measured: Measured = { latency, fanout, subscribers: count, history: { jobs, insertMs, pageMs: summarize(pageMs), samples: pageMs } };
    return clusterReport(measured, {
      latency: ctx.quick ? { ...LATENCY, durationMs: 3000 } : LATENCY,
      fanout: ctx.quick ? { ...FANOUT, durationMs: 3000 } : FANOUT,
    });
  } finally {
    await Promise.all(clients.map((client) => Promise.resolve(client.dispose())));
    await cluster.close();
  }
}

/** Events and reads across the nodes of a cluster. */
export const cluster: Benchmark = {
  name: 'cluster',
  description:
    'Two nodes on one PostgreSQL database and Redis: progress latency from borg on node B to a graphql-ws subscriber on node A; 1,000 subscribers split over both nodes on one job; `jobs(limit: 50)` with 1,000,000 jobs in PostgreSQL.',
  target: `a: p99 ≤ ${TARGETS.latencyP99Ms} ms; b: 0 lost, p99 ≤ ${TARGETS.fanoutP99Ms} ms; c: p50 ≤ ${TARGETS.jobsP50Ms} ms`,
  run,
};
