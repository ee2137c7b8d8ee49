/** Renders the restore benchmark's figures (bench/restore.ts measures). */
import type { DatasetSpec } from '../lib/dataset.js';
import { formatInterval, ratioInterval, ratioTarget } from '../lib/ratio.js';
import { bootstrapCI, megabytes, seconds, summarize } from '../lib/stats.js';
import type { BenchReport } from '../lib/types.js';
import { SERVER_COMMAND } from '../lib/server.js';

/** One raw/API pair as measured. */
export interface RestorePair {
  order: 'raw-first' | 'api-first';
  rawMs: number;
  apiMs: number;
  /** `jobUpdates` payloads the subscriber received */
  payloads: number;
  /** machine-wide CPU use (0–1) during each run */
  rawBusy: number;
  apiBusy: number;
}

const ratio3 = (x: number) => x.toFixed(3);
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

/** The section body: data, throughput of each side, the ratio, per-pair table, target, notes. */
export function restoreReport(run: {
  data: { files: number; bytes: number; spec: DatasetSpec };
  encryption: string;
  pairs: RestorePair[];
  discarded: number;
}): BenchReport {
  const { data, pairs } = run;
  const interval = ratioInterval(pairs.map((p) => p.apiMs / p.rawMs));
  const r = summarize(pairs.map((p) => p.rawMs));
  const a = summarize(pairs.map((p) => p.apiMs));
  const ratio = a.median / r.median;
  const [low, high] = bootstrapCI(pairs, (sample) => summarize(sample.map((p) => p.apiMs)).median / summarize(sample.map((p) => p.rawMs)).median);
  const mbps = (ms: number) => (data.bytes / 1e6 / (ms / 1000)).toFixed(1);
  return {
    data: `The overhead benchmark's data set (\`${data.spec.name}\`): ${data.files.toLocaleString('en')} files, ${megabytes(data.bytes)}, one archive, encryption ${run.encryption}, compression lz4.`,
    figures: [
      `${pairs.length} measured pair${pairs.length === 1 ? '' : 's'} in ABBA order after one warm-up pair; every run into a fresh folder.`,
      '',
      '| side | median | throughput (median) | min | max |',
      '| --- | --- | --- | --- | --- |',
      `| raw \`borg extract\` | ${seconds(r.median)} | ${mbps(r.median)} MB/s | ${seconds(r.min)} | ${seconds(r.max)} |`,
      `| borgql API | ${seconds(a.median)} | ${mbps(a.median)} MB/s | ${seconds(a.min)} | ${seconds(a.max)} |`,
      '',
      `**API ÷ raw (geometric mean of per-pair ratios): ${formatInterval(interval)}**; ratio of medians ${ratio3(ratio)} (bootstrap 95 % interval ${ratio3(low)}–${ratio3(high)}).`,
      '',
      '| pair | order | raw | API | API ÷ raw | machine busy, raw / API run |',
      '| --- | --- | --- | --- | --- | --- |',
      ...pairs.map(
        (p, i) =>
          `| ${i + 1} | ${p.order} | ${seconds(p.rawMs)} | ${seconds(p.apiMs)} | ${ratio3(p.apiMs / p.rawMs)} | ${pct(p.rawBusy)} / ${pct(p.apiBusy)} |`,
      ),
    ].join('\n'),
    targets: [ratioTarget('API ÷ raw', interval, 1.05)],
    notes: [
      'Raw: `borg extract` with the argv borgql builds (`extractArgs` in src/borg/command.ts: `--log-json --progress --list --lock-wait 5`), run in an empty folder, spawned as borgql spawns it with exactly the environment and BORG_BASE_DIR the server gives its borgs; the clock runs from spawn until borg exited and its output was read to the end.',
      'ABBA order (pair 1 raw first, pair 2 API first, …); the ratio is the geometric mean of per-pair ratios with a t-interval on their logarithms (bench/lib/ratio.ts), the target judged on its upper bound.',
      `API: a borgql server started once as a child process (\`${SERVER_COMMAND}\`); the clock runs from sending \`startRestore\` until the graphql-ws \`jobUpdates\` subscriber receives \`COMPLETED\` (it checks that every byte was restored). The subscriber received a median of ${summarize(pairs.map((p) => p.payloads)).median} payloads per run.`,
      `Before every timed run: \`sync\`, the wait for a quiet machine, a fixed pause; restored folders are removed untimed. ${run.discarded} pair${run.discarded === 1 ? '' : 's'} measured again because other work shared the machine.`,
    ],
  };
}
