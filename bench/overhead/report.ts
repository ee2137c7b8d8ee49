/** Renders the overhead benchmark's figures (bench/overhead.ts measures). */
import os from 'node:os';
import type { DatasetSpec } from '../lib/dataset.js';
import { bootstrapCI, megabytes, seconds, summarize, type Stats } from '../lib/stats.js';
import type { BenchReport } from '../lib/types.js';
import { SERVER_COMMAND } from '../lib/server.js';

/** One raw/API pair as measured. */
export interface Pair {
  rawMs: number;
  apiMs: number;
  /** `jobProgress` payloads the subscriber received */
  payloads: number;
  /** server process CPU time during the API run (null without /proc) */
  serverCpuMs: number | null;
  /** machine-wide CPU use (0–1) during each run */
  rawBusy: number;
  apiBusy: number;
  /** borg's `--json` archive stats of the raw run */
  archiveStats: Record<string, number>;
}

/** What the report needs besides the pairs. */
export interface OverheadRun {
  data: { files: number; bytes: number; spec: DatasetSpec };
  encryption: string;
  /** borg's `--json` archive stats of one raw run */
  archiveStats: Record<string, number>;
  pairs: Pair[];
  /** pairs measured again because another process loaded the machine meanwhile */
  discarded: Pair[];
  /** a run above this machine-wide CPU use counts as disturbed (0–1) */
  busyLimit: number;
  /** whether pairs waited for a quiet machine and disturbed ones were measured again (not with --no-wait) */
  waited: boolean;
}

const RATIO_TARGETS = [1.05, 1.03];
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
const ratio3 = (x: number) => x.toFixed(3);

function statsRow(side: string, s: Stats): string {
  return `| ${side} | ${seconds(s.median)} | ${seconds(s.mean)} | ${seconds(s.p95)} | ${seconds(s.min)} | ${seconds(s.max)} | ${seconds(s.stdev)} |`;
}

function pairRow(label: string, p: Pair): string {
  return `| ${label} | ${seconds(p.rawMs)} | ${seconds(p.apiMs)} | ${ratio3(p.apiMs / p.rawMs)} | ${pct(p.rawBusy)} / ${pct(p.apiBusy)} |`;
}

/** The section body: data, side statistics, ratios, per-pair table, targets, notes. */
export function overheadReport(run: OverheadRun): BenchReport {
  const { data, pairs, discarded, archiveStats: st } = run;
  const r = summarize(pairs.map((p) => p.rawMs));
  const a = summarize(pairs.map((p) => p.apiMs));
  const ratio = a.median / r.median;
  const pr = summarize(pairs.map((p) => p.apiMs / p.rawMs));
  const medianRatio = (sample: Pair[]) => summarize(sample.map((p) => p.apiMs)).median / summarize(sample.map((p) => p.rawMs)).median;
  const [low, high] = bootstrapCI(pairs, medianRatio);
  const cpu = pairs.flatMap((p) => (p.serverCpuMs === null ? [] : [p.serverCpuMs]));
  const cpuStats = cpu.length > 0 ? summarize(cpu) : null;
  const { spec } = data;
  const dataText = [
    `${data.files.toLocaleString('en')} files, ${megabytes(data.bytes)}, generated deterministically (seed \`${spec.seed}\`, cached in \`.bench/data/\`):`,
    `${spec.smallFiles.toLocaleString('en')} small files of ${spec.smallMinBytes / 1024}–${spec.smallMaxBytes / 1024} KiB (log-uniform sizes; half random bytes, half compressible text)`,
    `and ${spec.largeFiles} random file${spec.largeFiles === 1 ? '' : 's'} of ${spec.largeBytes / 2 ** 20} MiB.`,
    `borg's own summary of one archive: original ${megabytes(st.original_size ?? 0)}, compressed ${megabytes(st.compressed_size ?? 0)},`,
    `deduplicated ${megabytes(st.deduplicated_size ?? 0)}. Encryption ${run.encryption} (BORG_PASSPHRASE), compression lz4.`,
  ].join('\n');
  const figures = [
    `${pairs.length} measured pair${pairs.length === 1 ? '' : 's'} (raw, API alternated) after one warm-up pair; every run into a fresh repository.`,
    '',
    '| side | median | mean | p95 | min | max | stdev |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    statsRow('raw `borg create`', r),
    statsRow('borgql API', a),
    '',
    `**API ÷ raw (ratio of medians): ${ratio3(ratio)}** (95 % bootstrap interval ${ratio3(low)}–${ratio3(high)}); per-pair ratios: median ${ratio3(pr.median)}, min ${ratio3(pr.min)}, max ${ratio3(pr.max)}.`,
    `Median difference API − raw: ${(a.median - r.median).toFixed(0)} ms. Throughput (raw median): ${(data.bytes / 1e6 / (r.median / 1000)).toFixed(1)} MB/s.`,
    cpuStats
      ? `borgql server process CPU time (user + system, borg excluded) per API run: median ${cpuStats.median.toFixed(0)} ms, max ${cpuStats.max.toFixed(0)} ms.`
      : '',
    '',
    '| pair | raw | API | API ÷ raw | machine busy, raw / API run |',
    '| --- | --- | --- | --- | --- |',
    ...pairs.map((p, i) => pairRow(String(i + 1), p)),
    ...discarded.map((p, i) => pairRow(`discarded ${i + 1}`, p)),
  ].join('\n');
  return {
    data: dataText,
    figures,
    targets: RATIO_TARGETS.map((limit) => ({ target: `API ÷ raw (ratio of medians) ≤ ${limit.toFixed(2)}`, measured: ratio3(ratio), met: ratio <= limit })),
    notes: [
      'Raw: `borg create` with the argv borgql builds (`createArgs` in src/borg/command.ts: `--log-json --progress --json --list --lock-wait 5 --compression=lz4`) and the same environment builder; the clock runs from spawn until borg exited and its stdout and stderr were read to the end.',
      `API: a borgql server started once as a child process (\`${SERVER_COMMAND}\`); the clock runs from sending \`startBackup\` until the graphql-ws \`jobProgress\` subscriber (opened right after the mutation returned the job id) receives \`COMPLETED\`. The WebSocket is connected before timing.`,
      `\`borg init\` / \`addRepository(initialize: true)\` run before each timed run and are not timed; \`sync\` runs between runs so writeback does not spill into the next one. The subscriber received a median of ${summarize(pairs.map((p) => p.payloads)).median} \`jobProgress\` payloads per run.`,
      `"Machine busy" is the CPU use of all ${os.cpus().length} cores during a run; borg keeps about one core busy, so a run above ${pct(run.busyLimit)} shared the machine with other work. ` +
        (run.waited
          ? `Each pair started once the machine was quiet; a disturbed pair is listed as discarded and measured again (${discarded.length} discarded this time).`
          : 'This run did not wait for a quiet machine (`--no-wait`): disturbed pairs were kept.'),
      `p95 interpolates linearly between ranks; with ${pairs.length} samples it lies between the two largest values.`,
    ],
  };
}
