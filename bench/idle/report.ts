/** Renders the idle benchmark's figures (bench/idle.ts measures). */
import { SERVER_COMMAND } from '../lib/server.js';
import { summarize } from '../lib/stats.js';
import type { BenchReport, TargetResult } from '../lib/types.js';

/** One timed start. */
export interface StartRun {
  starter: string;
  /** spawn → first 200 from /healthz */
  ms: number;
}

/** The server's RSS in one phase of its idle life. */
export interface MemoryPhase {
  label: string;
  /** how the server was started (`npm start`, or node directly as a service manager does) */
  starter: string;
  /** largest sample of the phase's first third: garbage and a grown young generation not yet given back */
  justAfter: number;
  /** largest sample of its last third, once V8's memory reducer ran: the idle figure */
  settled: number;
  /** the same for the whole process group (npm and its shell too, under `npm start`) */
  groupSettled: number;
  /** the server's CPU (user + system) over the phase's last two thirds, as a share of one core; null without /proc */
  idleCpuShare: number | null;
}

/** Everything the idle run measured. */
export interface IdleRun {
  firstStartMs: number;
  starts: StartRun[];
  memory: MemoryPhase[];
  /** VmHWM of each measured server */
  peaks: { starter: string; peakRss: number }[];
  idleMs: number;
}

const RSS_TARGET_MB = 150;
const START_TARGET_MS = 2000;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB (${(bytes / 2 ** 20).toFixed(0)} MiB)`;
const ms = (x: number) => `${Math.round(x)} ms`;

/** What the first run (commit c2d4773) showed, what held the memory, and what was changed. */
const NOTES = [
  'Before (commit c2d4773, `npm start` = `tsx src/main.ts`): RSS **371 MB** in the first 10 s after start, 332 MB after the first requests, ' +
    "still ~295 MB 30 s later; `npm start` → /healthz 1,554 ms median on a quiet machine (the issue's first measurement, 2.8 s, was on a busy one).",
  'Why two columns (figures from commit 9bd86ea, 2026-11-26): right after start (or after requests) the heap still holds garbage and a young generation grown to its 32 MB maximum; ' +
    "V8's memory reducer gives that back after ~10 s without allocation. The same server measures ~25 MB more in the first seconds than settled, " +
    'so a single sample lands on either side of 150 MB by luck; the target is held against the settled figure.',
  'What held it (commit 7d03567, 2026-11-26; `process.memoryUsage()` while importing the modules one by one, heap snapshots): tsx compiling TypeScript on load ' +
    '(the same code compiled: 277 MB), Prisma 7\'s wasm query compiler in its "fast" build (~50 MB more resident than the "small" build, ' +
    "mostly compiled wasm code), and GraphiQL's inlined 9 MB bundle, ~40 MB of heap from the moment yoga's GraphiQL renderer was imported. " +
    'Node itself is ~41 MB; of the idle RSS ~48 MB are file-backed pages (the node binary), the JavaScript heap in use ~33 MB.',
  'Changed: `npm install` builds `dist/` (`tsc -p tsconfig.build.json`) and `npm start` runs `node --max-semi-space-size=8 --heap-growing-percent=50 dist/main.js` (`npm run dev` runs the sources; the V8 flags keep the heap small under load, see the logs benchmark); ' +
    'the Prisma client uses `compilerBuild = "small"` (query plans are cached per query shape, so only a shape\'s first query pays for the slower compiler); ' +
    "GraphiQL's page is rendered on its first view by a short-lived child process and kept as its bytes (src/server/graphiql-page.ts).",
  'Before (runs of 2026-12-03, same machine): with the renderer imported into the server on the first view, opening GraphiQL once added 38 MB that stayed (node, settled: 147 MB → 185 MB, 08:52 UTC; an ES module is never unloaded and each view built a new 9 MB string); rendered in a worker thread instead it added 35 MB (134 MB → 169 MB, half an hour later: the thread\'s heap was freed, the allocator kept the pages). A child process gives all of its memory back when it exits: what stays is the 9 MB page. The row "after opening GraphiQL once" is held to the target like the others (the scale-out issue: idle memory after GraphiQL and after a large job, not only fresh).',
  'The large job is the borg stand-in (bench/borg-standin.mjs) printing that many file lines as fast as it can: what borgql keeps after a big log (buffers, the log writer, the heap it grew to), not borg. ' +
    'Four more such jobs follow the first, one after the other, before the last phase: a server that kept something per job would show it there.',
  'What a large job leaves (probe of 2026-12-03, not rerun by this benchmark: node started as here, five 200,000-line jobs, a heap snapshot after each with `--heapsnapshot-signal`, which collects all garbage first): ' +
    'the live JavaScript heap was 40.1 MB after start, 42.1 MB after the first job and 43.5 MB after the fifth; the growth is compiled code (1.8 MB, then 1.4 MB over four jobs) and ' +
    "Prisma's list of the last 100 closed transactions (3 per job until it is full); no job, log line or subscription object stayed. Between two collections the heap in use rose by 5–15 MB per job and fell back, " +
    'and RSS moved between 139 and 158 MB with it: what the phase after a large job measures above the one before it is garbage the memory reducer has not collected yet and pages the allocator kept, not a leak.',
  "Changed (2026-12-03): on SQLite the cluster's job pick-up and lease sweep no longer run (src/cluster/cluster.ts: a SQLite server is always the only node), and the event-loop delay metric is sampled every 100 ms instead of every 10 (src/server/metrics.ts). " +
    "Before, the pick-up read the database three times every 2 s and the delay monitor woke the loop 100 times a second. An idle server's CPU (probes on this machine, `perf stat -e task-clock` over 20 s, the same fresh data folder, alternated): 1.92 and 2.00 s before, 1.21 and 1.11 s without the pick-up, 0.95 and 1.19 s with 100 ms sampling as well (context switches 2,000 → 380–430). " +
    'On this virtual machine every wake-up costs milliseconds of CPU time (a bare `setInterval` of 1 s: 181 ms over 10 s), so the column above counts wake-ups more than work.',
  "Where a start goes (a CPU profile of one start, `node --cpu-prof`, 2026-12-03, Intel Xeon): about 850 ms loading some 1,500 module files (resolving, reading and compiling ES modules; graphql-yoga with @graphql-tools alone about 220 ms, execa 84 ms, graphql-scalars 49 ms for the two scalars used), then about 900 ms building the schema, the Prisma client (its wasm query compiler) and Fastify's routes with their validators. " +
    "The same commands on the same machine measured `npm start` → /healthz 1,903 ms at 13:46 UTC and 2,159 ms at 14:36 (node alone 1,732 and 1,874 ms): the machine's speed moves by more than the target's margin. A bundled `dist/` would cut most of the loading; workers, migrations and the status page find their files relative to their module, so that is a change of its own.",
  '"As a service manager runs it": node started directly with `npm start`\'s flags, alone in its process group. "`npm start`": npm and a shell stay alive above node; the server column is node alone, the group column adds them.',
  'Each timed start opens a database that exists; the first start creates and migrates it.',
];

/** The section body: start-up times per starter, RSS per phase, targets. */
export function idleReport(run: IdleRun): BenchReport {
  const starters = [...new Set(run.starts.map((s) => s.starter))];
  const startStats = starters.map((starter) => ({ starter, stats: summarize(run.starts.filter((s) => s.starter === starter).map((s) => s.ms)) }));
  const figures = [
    `Start-up, spawn → first 200 from \`/healthz\` (polled every 5 ms), ${startStats[0]?.stats.n ?? 0} starts each, alternated:`,
    '',
    '| command | median | p95 | min | max |',
    '| --- | --- | --- | --- | --- |',
    ...startStats.map(({ starter, stats }) => `| ${starter} | ${ms(stats.median)} | ${ms(stats.p95)} | ${ms(stats.min)} | ${ms(stats.max)} |`),
    '',
    ...(startStats.length === 2
      ? [
          `\`npm start\` takes ${ms(startStats[0]!.stats.median - startStats[1]!.stats.median)} longer than its node command line alone (medians): npm itself starting.`,
          '',
        ]
      : []),
    `The very first start (creates and migrates the database): ${ms(run.firstStartMs)}.`,
    '',
    `Server RSS (\`${SERVER_COMMAND}\`, VmRSS sampled once a second for ${run.idleMs / 1000} s per phase; the largest sample of the phase's first and last third):`,
    '',
    '| started by | idle … | server just after (first third) | server settled (last third) | process group settled | server CPU while idle (last two thirds, of one core) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...run.memory.map(
      (phase) =>
        `| ${phase.starter} | ${phase.label} | ${mb(phase.justAfter)} | ${mb(phase.settled)} | ${mb(phase.groupSettled)} | ${phase.idleCpuShare === null ? 'n/a' : `${(phase.idleCpuShare * 100).toFixed(1)} %`} |`,
    ),
    '',
    `Peak (VmHWM) of each server over its phases: ${run.peaks.map((p) => `${p.starter} ${mb(p.peakRss)}`).join('; ')}.`,
  ].join('\n');
  const npmStart = startStats.find((s) => s.starter === '`npm start`');
  const targets: TargetResult[] = run.memory.map((phase) => ({
    target: `RSS idle (settled, ${phase.starter}) ${phase.label} ≤ ${RSS_TARGET_MB} MB`,
    measured: mb(phase.settled),
    met: phase.settled <= RSS_TARGET_MB * 1e6,
  }));
  if (npmStart) {
    targets.push({
      target: `\`npm start\` → /healthz (median) ≤ ${START_TARGET_MS / 1000} s`,
      measured: ms(npmStart.stats.median),
      met: npmStart.stats.median <= START_TARGET_MS,
    });
  }
  return {
    data: 'A data dir with an empty database (created and migrated by an untimed first start) and the bench admin token in `BORGQL_ADMIN_TOKEN`; no repository, no job.',
    figures,
    targets,
    notes: NOTES,
  };
}
