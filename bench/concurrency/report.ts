/** Renders the concurrency benchmark's figures (bench/concurrency.ts measures). */
import { OTHERS_LIMIT, type AbbaPair, type AbbaResult } from '../lib/abba.js';
import type { Dataset } from '../lib/dataset.js';
import { formatInterval, ratioInterval, ratioTarget } from '../lib/ratio.js';
import { latencyHeader, latencyRow, megabytes, seconds, summarize } from '../lib/stats.js';
import type { BenchReport } from '../lib/types.js';
import type { LiveEvent } from '../lib/watch.js';

export const RATIO_TARGET = 1.05;
export const LATENCY_TARGET_MS = 50;

/** What the report needs. */
export interface ConcurrencyRun {
  data: Dataset;
  width: number;
  result: AbbaResult;
  /** progress events the API's subscribers saw in the kept pairs */
  events: LiveEvent[];
  settleMs: number;
  serverNode: string;
  cores: number;
}

const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
/** median of per-job CPU seconds, or n/a where /proc could not be read */
function perJob(values: (number | null)[], width: number): string {
  const known = values.filter((v): v is number => v !== null);
  return known.length === values.length && known.length > 0 ? seconds(summarize(known).median / width, 2) : 'n/a';
}

function pairRow(label: string, p: AbbaPair): string {
  return `| ${label} | ${p.order} | ${seconds(p.raw.ms)} | ${seconds(p.api.ms)} | ${p.ratio.toFixed(3)} | ${pct(p.raw.busy)} / ${pct(p.api.busy)} |`;
}

/**
 * Why the wall-time ratio sits where it does: on a machine whose cores the
 * borgs already fill, every CPU second the server spends is taken from them,
 * so the API side's CPU in all against raw's bounds what the ratio can be;
 * the spread of the per-pair ratios is what widens the interval.
 */
function cpuInAll(pairs: AbbaPair[], cores: number): string {
  const known = pairs.filter((p) => p.raw.borgCpuMs !== null && p.api.borgCpuMs !== null && p.api.serverCpuMs !== null);
  if (known.length === 0) return '';
  const raw = summarize(known.map((p) => p.raw.borgCpuMs as number)).median;
  const api = summarize(known.map((p) => (p.api.borgCpuMs as number) + (p.api.serverCpuMs as number))).median;
  const ratios = pairs.map((p) => p.ratio);
  return (
    `CPU in all per run (medians): raw ${seconds(raw, 2)} (the borgs), API ${seconds(api, 2)} (the borgs and the server): the API side used ${(api / raw).toFixed(3)}× raw's CPU. ` +
    `With all ${cores} cores busy that CPU comes out of the borgs' time, so on a saturated machine the wall-time ratio tends towards that figure; ` +
    `the per-pair ratios spread from ${Math.min(...ratios).toFixed(3)} to ${Math.max(...ratios).toFixed(3)}, which is what widens the interval.`
  );
}

/** The section body. */
export function concurrencyReport(run: ConcurrencyRun): BenchReport {
  const { pairs, discarded } = run.result;
  const interval = ratioInterval(pairs.map((p) => p.ratio));
  const latency = run.events.length > 0 ? summarize(run.events.map((e) => e.latencyMs)) : null;
  const w = run.width;
  const figures = [
    `${pairs.length} measured pairs in ABBA order after one warm-up pair; each run: ${w} backups started together, timed until the last one finished.`,
    '',
    `**API ÷ raw: ${formatInterval(interval)}**.`,
    '',
    '| per job (median over pairs) | raw | API |',
    '| --- | --- | --- |',
    `| borg CPU (user + system) | ${perJob(
      pairs.map((p) => p.raw.borgCpuMs),
      w,
    )} | ${perJob(
      pairs.map((p) => p.api.borgCpuMs),
      w,
    )} |`,
    `| borgql server CPU (borg excluded) | — | ${perJob(
      pairs.map((p) => p.api.serverCpuMs),
      w,
    )} |`,
    '',
    cpuInAll(pairs, run.cores),
    '',
    latency ? latencyHeader('progress latency during the API runs') : 'No progress events were seen (the runs were too short for borg to report).',
    latency ? latencyRow(latency, `${w} jobs at once`) : '',
    '',
    '| pair | order | raw (all done) | API (all done) | API ÷ raw | machine busy raw / API |',
    '| --- | --- | --- | --- | --- | --- |',
    ...pairs.map((p, i) => pairRow(String(i + 1), p)),
    ...discarded.map((p, i) => pairRow(`discarded ${i + 1}`, p)),
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
  return {
    data: [
      `${w} fresh repositories per side and run, each backing up the same tree: ${run.data.files.toLocaleString('en')} files, ${megabytes(run.data.bytes)}`,
      `(seed \`${run.data.spec.seed}\`, cached in \`.bench/data/\`); repokey-blake2, lz4. Server on Node ${run.serverNode} with BORGQL_MAX_CONCURRENT_JOBS=${w}, on ${run.cores} cores.`,
    ].join('\n'),
    figures,
    targets: [
      ratioTarget('API ÷ raw', interval, RATIO_TARGET),
      {
        target: `progress latency p99 ≤ ${LATENCY_TARGET_MS} ms`,
        measured: latency ? `${latency.p99.toFixed(1)} ms (${latency.n} events)` : 'no events',
        met: latency !== null && latency.p99 <= LATENCY_TARGET_MS,
      },
    ],
    notes: [
      'Both sides prepare each repository as `addRepository(initialize: true)` does (`borg init`, then `borg info --json`) before the clock starts, and get the same environment and BORG_BASE_DIR (bench/overhead/sides.ts says why). The ratio is the geometric mean of per-pair ratios with a t-interval on their logarithms (bench/lib/ratio.ts), judged on its upper bound.',
      `Raw: ${w} \`borg create\` spawned together from Node, timed until the last exited and was read to the end. API: ${w} \`startBackup\` sent together, each job watched over one graphql-ws connection, timed until the last subscriber received its terminal status.`,
      "Latency: arrival at the subscriber − the `time` borg stamped on the archive_progress line (served as `progress.sampledAt`); borg writes such a line at most every 0.2 s per job. CPU: borg's from reaped children (/proc cutime + cstime of this process for raw, of the server for the API), the server's own utime + stime.",
      `Before every timed run: \`sync\`, the wait for a quiet machine, a fixed ${run.settleMs} ms pause. ${w} borgs fill all ${run.cores} cores, so a run counts as disturbed when processes other than the benchmark's own (this process, the server, the borgs) used more than ${pct(OTHERS_LIMIT)} of all cores' time (${discarded.length} measured again).`,
    ],
  };
}
