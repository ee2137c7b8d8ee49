/** Renders an overhead benchmark's figures (bench/overhead.ts measures). Every figure comes from the run it reports. */
import os from 'node:os';
import { OTHERS_LIMIT, type AbbaPair, type AbbaResult, type SideRun } from '../lib/abba.js';
import type { Dataset } from '../lib/dataset.js';
import { formatInterval, ratioInterval, ratioTarget } from '../lib/ratio.js';
import { SERVER_COMMAND } from '../lib/server.js';
import { bootstrapCI, megabytes, seconds, summarize, type Stats } from '../lib/stats.js';
import type { BenchReport } from '../lib/types.js';
import { wakeUpSentence, type WakeUp } from './wake-up.js';
import type { Workload } from './workloads.js';

/** What the report needs. */
export interface OverheadRun {
  workload: Workload;
  data: Dataset;
  encryption: string;
  /** borg's `--json` archive stats of the last raw run */
  archiveStats: Record<string, number>;
  /** what one change round rewrote (incremental workload), else null */
  changed: { files: number; bytes: number } | null;
  result: AbbaResult;
  settleMs: number;
  /** the server's Node.js version */
  serverNode: string;
  /** what waking the idle machine costs a request, measured after the pairs (null in quick runs) */
  wakeUp: WakeUp | null;
}

export const RATIO_TARGET = 1.03;
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
const ratio3 = (x: number) => x.toFixed(3);
const cpuSeconds = (values: (number | null)[]) => {
  const known = values.filter((v): v is number => v !== null);
  return known.length === values.length && known.length > 0 ? summarize(known) : null;
};

function statsRow(side: string, s: Stats): string {
  return `| ${side} | ${seconds(s.median)} | ${seconds(s.mean)} | ${seconds(s.p95)} | ${seconds(s.min)} | ${seconds(s.max)} | ${seconds(s.stdev)} |`;
}

function pairRow(label: string, p: AbbaPair): string {
  const cpu = (r: SideRun) => (r.borgCpuMs === null ? 'n/a' : seconds(r.borgCpuMs, 2));
  const server = p.api.serverCpuMs === null ? 'n/a' : seconds(p.api.serverCpuMs, 2);
  return `| ${label} | ${p.order} | ${seconds(p.raw.ms)} | ${seconds(p.api.ms)} | ${ratio3(p.ratio)} | ${cpu(p.raw)} / ${cpu(p.api)} | ${server} | ${pct(p.raw.busy)} / ${pct(p.api.busy)} |`;
}

/** Medians of where the API runs' time went, against the raw runs (bench/overhead/phases.ts). */
function phasesLine(pairs: AbbaPair[]): string {
  const known = pairs.flatMap((p) => (p.api.phases ? [{ phases: p.api.phases, raw: p.raw.ms }] : []));
  if (known.length === 0) return '';
  const median = (f: (k: (typeof known)[number]) => number) => summarize(known.map(f)).median;
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  return (
    `Where an API run's time went (medians, from the job log's notes around borg; ±1 ms): before borg ${ms(median((k) => k.phases.beforeBorg))}, ` +
    `borg under borgql ${ms(median((k) => k.phases.borg))} (raw borg ${ms(median((k) => k.raw))}, difference per pair ${ms(median((k) => k.phases.borg - k.raw))}), ` +
    `after borg until the subscriber saw the end ${ms(median((k) => k.phases.afterBorg))}. ` +
    fixedCostSentence(
      median((k) => k.phases.beforeBorg + k.phases.afterBorg),
      median((k) => k.raw),
    )
  );
}

/**
 * What the fixed cost per job (borgql's work before and after borg) means
 * for the ratio by itself: a share of raw borg's time, and the backup
 * length from which it stays under the 3 % the target allows.
 */
function fixedCostSentence(fixedMs: number, rawMs: number): string {
  const share = (100 * fixedMs) / rawMs;
  return (
    `The fixed cost per job (before + after borg, median per run) is ${fixedMs.toFixed(0)} ms: ${share.toFixed(1)} % of raw borg's median on its own; ` +
    `it stays under 3 % for backups longer than ${(fixedMs / 0.03 / 1000).toFixed(1)} s.`
  );
}

function dataText(run: OverheadRun): string {
  const { data, archiveStats: st, changed } = run;
  const { spec } = data;
  const large = spec.largeFiles > 0 ? ` and ${spec.largeFiles} random file${spec.largeFiles === 1 ? '' : 's'} of ${spec.largeBytes / 2 ** 20} MiB` : '';
  return [
    `${data.files.toLocaleString('en')} files, ${megabytes(data.bytes)}, generated deterministically (seed \`${spec.seed}\`, cached in \`.bench/data/\`):`,
    `${spec.smallFiles.toLocaleString('en')} small files of ${spec.smallMinBytes / 1024}–${spec.smallMaxBytes / 1024} KiB (log-uniform sizes; half random bytes, half compressible text)${large}.`,
    changed
      ? `Before each pair ${changed.files} small files (1 %) get new random bytes of the same size (${megabytes(changed.bytes)} in the first round), chosen and filled from the pair's number, in a hard-linked working copy.`
      : '',
    `borg's own summary of the last raw archive: original ${megabytes(st.original_size ?? 0)}, compressed ${megabytes(st.compressed_size ?? 0)},`,
    `deduplicated ${megabytes(st.deduplicated_size ?? 0)}. Encryption ${run.encryption} (BORG_PASSPHRASE), compression lz4.`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** The section body: data, side statistics, the ratio with its interval, per-pair table, targets, notes. */
export function overheadReport(run: OverheadRun): BenchReport {
  const { pairs, discarded } = run.result;
  const r = summarize(pairs.map((p) => p.raw.ms));
  const a = summarize(pairs.map((p) => p.api.ms));
  const interval = ratioInterval(pairs.map((p) => p.ratio));
  const medianRatio = (sample: AbbaPair[]) => summarize(sample.map((p) => p.api.ms)).median / summarize(sample.map((p) => p.raw.ms)).median;
  const [bootLow, bootHigh] = bootstrapCI(pairs, medianRatio);
  const serverCpu = cpuSeconds(pairs.map((p) => p.api.serverCpuMs));
  const rawBorg = cpuSeconds(pairs.map((p) => p.raw.borgCpuMs));
  const apiBorg = cpuSeconds(pairs.map((p) => p.api.borgCpuMs));
  const rawFirst = pairs.filter((p) => p.order === 'raw-first');
  const apiFirst = pairs.filter((p) => p.order === 'api-first');
  const orderLine = (label: string, sample: AbbaPair[]) => (sample.length > 1 ? `${label} ${formatInterval(ratioInterval(sample.map((p) => p.ratio)))}` : '');
  const figures = [
    `${pairs.length} measured pair${pairs.length === 1 ? '' : 's'} in ABBA order after one warm-up pair; ${run.workload.summary}.`,
    '',
    '| side | median | mean | p95 | min | max | stdev |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    statsRow('raw `borg create`', r),
    statsRow('borgql API', a),
    '',
    `**API ÷ raw (geometric mean of per-pair ratios): ${formatInterval(interval)}**.`,
    `Ratio of medians ${ratio3(a.median / r.median)} (bootstrap 95 % interval over pairs ${ratio3(bootLow)}–${ratio3(bootHigh)}); median difference API − raw ${(a.median - r.median).toFixed(0)} ms.`,
    [orderLine('By order: raw first', rawFirst), orderLine('API first', apiFirst)].filter(Boolean).join('; ') + (rawFirst.length > 1 ? '.' : ''),
    serverCpu
      ? `borgql server process CPU (user + system, borg excluded) per API run: median ${seconds(serverCpu.median, 2)}, max ${seconds(serverCpu.max, 2)}.`
      : '',
    rawBorg && apiBorg ? `borg's CPU per run: raw median ${seconds(rawBorg.median, 2)}, under borgql median ${seconds(apiBorg.median, 2)}.` : '',
    phasesLine(pairs),
    run.wakeUp ? wakeUpSentence(run.wakeUp) : '',
    `Throughput (raw median): ${(run.data.bytes / 1e6 / (r.median / 1000)).toFixed(1)} MB/s.`,
    '',
    '| pair | order | raw | API | API ÷ raw | borg CPU raw / API | server CPU | machine busy raw / API |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...pairs.map((p, i) => pairRow(String(i + 1), p)),
    ...discarded.map((p, i) => pairRow(`discarded ${i + 1}`, p)),
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
  return {
    data: dataText(run),
    figures,
    targets: [ratioTarget('API ÷ raw', interval, RATIO_TARGET)],
    notes: notes(run, pairs.length, summarize(pairs.map((p) => p.api.payloads ?? 0)).median),
  };
}

function notes(run: OverheadRun, n: number, payloads: number): string[] {
  return [
    'The ratio is the geometric mean of the per-pair ratios API ÷ raw with a Student t-interval on their logarithms (bench/lib/ratio.ts); the target is judged on the upper bound, so it is met only when the data rule out a larger ratio. ABBA: pair 1 runs raw first, pair 2 API first, and so on, so a first-run advantage cancels.',
    "Raw: `borg create` with the argv borgql builds (`createArgs` in src/borg/command.ts: `--log-json --progress --json --list --filter=AME --lock-wait 5 --compression=lz4`), spawned from Node the way borgql spawns it (detached, stdin closed, the server's working directory) with exactly the environment and BORG_BASE_DIR the server gives its borgs; the clock runs from spawn until borg exited and its stdout and stderr were read to the end.",
    `API: a borgql server (Node ${run.serverNode}) started once as a child process (\`${SERVER_COMMAND}\`); the clock runs from sending \`startBackup\` until the graphql-ws \`jobProgress\` subscriber (opened right after the mutation returned the job id) receives the terminal status; ${payloads} payloads per run (median). The WebSocket is connected before timing.`,
    run.workload.fresh
      ? "Each side prepares its repository the same way before its clock starts: `borg init` then `borg info --json` (what `addRepository(initialize: true)` runs; the `info` creates borg's cache for the repository, which the timed `create` would otherwise build on the raw side only)."
      : 'Each side keeps one repository: `borg init`, `borg info --json` and a first full archive before the warm-up pair (`addRepository(initialize: true)` and one backup on the API side).',
    `Before every timed run, on both sides: \`sync\`, the wait for a quiet machine, then a fixed ${run.settleMs} ms pause.`,
    `"Machine busy" is the CPU use of all ${os.cpus().length} cores during a run; borg keeps about one core busy, and a run where processes other than the benchmark's own (this process, the server, borg) used more than ${pct(OTHERS_LIMIT)} of all cores' time shared the machine with other work. ` +
      (run.result.waited
        ? `A disturbed pair is listed as discarded and measured again with the same order (${run.result.discarded.length} this time).`
        : 'This run did not wait for a quiet machine (`--no-wait` or `--quick`): disturbed pairs were kept.'),
    `borg CPU is user + system time of the borg process: raw from this process's reaped children, API from the server's (/proc cutime + cstime). p95 interpolates linearly between ranks (${n} samples).`,
  ];
}
