/** Renders the fan-out benchmark's figures (bench/fanout.ts measures). */
import type { VariantResult } from '../fanout.js';
import type { ProcessMemory } from '../lib/server.js';
import { latencyHeader, latencyRow } from '../lib/stats.js';
import type { BenchReport } from '../lib/types.js';
import { SERVER_COMMAND } from '../lib/server.js';

/** The issue's latency target for every event of every subscriber. */
export const TARGET_P99_MS = 100;

const mib = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? 'n/a' : `${(bytes / 2 ** 20).toFixed(0)} MiB`);
const rate = (r: VariantResult) => `${((r.written / r.wallMs) * 1000).toFixed(1)}/s`;

/** The section body: delivery and latency per variant, server resources, targets. */
export function fanoutReport(run: { results: VariantResult[]; rssIdle: ProcessMemory | null; rssConnected: ProcessMemory | null }): BenchReport {
  const { results } = run;
  const subscribers = results[0]?.subscribers ?? 0;
  const data = results
    .map((r) => {
      const s = r.variant.settings;
      return `- ${r.variant.name}: the stand-in (bench/borg-standin.mjs, benchmarks only) writes an archive_progress line every ${s.intervalMs[0]}–${s.intervalMs[1]} ms for ${(s.durationMs / 1000).toFixed(0)} s (${s.fileStatusPerTick[0]}–${s.fileStatusPerTick[1]} file_status lines before each).`;
    })
    .join('\n');
  const figures = [
    `${subscribers.toLocaleString('en')} subscribers, each a graphql-ws client on its own WebSocket, all in the benchmark process, subscribed to \`jobProgress\` of the same job (a progress display's selection: status, archiveName, errorMessage and every \`progress\` field).`,
    '',
    '| variant | lines written | rate | events expected (lines × subscribers) | received | lost | unmatched | subscribers missing events |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map((r) => `| ${r.variant.name} | ${r.written} | ${rate(r)} | ${(r.written * r.subscribers).toLocaleString('en')} | ${r.received.toLocaleString('en')} | ${r.lost} | ${r.wrong} | ${r.subscribersMissingEvents} |`),
    '',
    'Latency per event per subscriber (arrival − the line\'s `time`):',
    '',
    latencyHeader('variant'),
    ...results.map((r) => latencyRow(r.latency, r.variant.name)),
    '',
    'Each subscriber\'s own p99, over the subscribers:',
    '',
    latencyHeader('variant').replace('events', 'subscribers'),
    ...results.map((r) => latencyRow(r.subscriberP99, r.variant.name)),
    '',
    '| variant | server CPU (user + system) | of one core | server RSS at start / max during | client process CPU |',
    '| --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.variant.name} | ${r.serverCpuMs === null ? 'n/a' : `${(r.serverCpuMs / 1000).toFixed(2)} s over ${(r.wallMs / 1000).toFixed(1)} s`} | ${r.serverCpuMs === null ? 'n/a' : `${((r.serverCpuMs / r.wallMs) * 100).toFixed(0)} %`} | ${mib(r.rssAtGo?.rssBytes)} / ${mib(r.rssMaxBytes)} | ${(r.clientCpuMs / 1000).toFixed(2)} s |`,
    ),
    '',
    `Server RSS: ${mib(run.rssIdle?.rssBytes)} idle after start, ${mib(run.rssConnected?.rssBytes)} with ${subscribers.toLocaleString('en')} WebSockets connected (no subscription yet).`,
  ].join('\n');
  return {
    data,
    figures,
    targets: results.flatMap((r) => [
      { target: `${r.variant.name}: 0 events lost`, measured: String(r.lost + r.wrong), met: r.lost + r.wrong === 0 },
      { target: `${r.variant.name}: p99 ≤ ${TARGET_P99_MS} ms`, measured: `${r.latency.p99.toFixed(1)} ms`, met: r.latency.p99 <= TARGET_P99_MS },
    ]),
    notes: [
      'Every line the stand-in writes is in its own record (`time`, `original_size`); a subscriber\'s events (payloads whose `sampledAt` changed, after the replayed first one) are matched one to one, in order, against it. The stand-in reports nothing until every subscriber received its first payload (it waits for a go file), so every subscriber should see every line.',
      "Latency: the client's Date.now() when graphql-ws hands over the payload − the line's `time` (the stand-in reads the wall clock right before writing, like borg); ±1 ms (`sampledAt` has ms resolution). The clients share one process and one event loop, so a client's figure includes waiting for the clients whose messages arrived before its own.",
      `Server CPU and RSS are read from /proc/<server pid>/stat and status; the server is a child process (\`${SERVER_COMMAND}\`) with BORG_BIN = the stand-in. The ${results.length} variants run one after the other on the same ${subscribers.toLocaleString('en')} connections, each on a fresh job.`,
    ],
  };
}
