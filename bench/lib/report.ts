import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { BenchReport, Benchmark } from './types.js';

/** Written when BENCHMARKS.md does not exist yet; an existing intro is kept as it is. */
export const DEFAULT_INTRO = `# Benchmarks

Speed is measured here, never by timing assertions in tests. Every figure
below was produced by \`npm run bench\` (all benchmarks) or \`npm run bench --
NAME [NAME…]\` (some of them; \`npm run bench -- --list\` names them) on the
machine stated in its section; each run replaces its benchmark's section and
keeps the others. Where borgql wraps borg, the same run also measures raw
\`borg\` and reports the ratio, so figures from different machines still say
something. Benchmarks build \`dist/\` first and start the compiled server
(\`npm start\`'s command line on the compiled \`dist/\`) as a child process with temp data
dirs; generated data sets are cached in \`.bench/\` (git-ignored, safe to
delete). \`--quick\` is a smoke run with tiny data that writes nothing here.
Each benchmark first waits (up to 5 min, skip with \`--no-wait\`) until the
machine is under 15 % busy: other work on the machine (a test run) distorts
the figures, so run benchmarks on a quiet machine.
To profile the server during a benchmark, set
\`BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"\`. A new
benchmark is a module \`bench/<name>.ts\` exporting a \`Benchmark\`
(bench/lib/types.ts), listed in bench/benchmarks.ts.
Ratios of borgql to raw borg come from paired runs in ABBA order (raw
first, then API first, alternating) with the same settling (\`sync\`, the
quiet wait, a fixed pause) before every timed run, both sides with the same
flags, environment and borg base folder; a ratio is the geometric mean of
the per-pair ratios with its 95 % interval (a t-interval on their
logarithms, bench/lib/ratio.ts), and a ratio target is met only when the
interval's upper bound meets it. Rows named \`NAME-node22\` run the same
benchmark with the servers on Node 22 (the \`node@22\` package through npx,
or \`BENCH_NODE22=/path/to/node\`; \`BENCH_SERVER_NODE\` picks the servers'
node for any benchmark); the server's native better-sqlite3 must be built
for that Node first.
Where a benchmark needs borg to report at a chosen rate, or needs a record
of every line borg wrote, it uses \`bench/borg-standin.mjs\`: a borg stand-in
for benchmarks only (it backs nothing up); where latency is the point, real
borg is measured in the same run too.
`;

/** What the runner knows about a run, beyond the benchmark's own report. */
export interface RunInfo {
  date: Date;
  command: string;
  machine: string;
  /** machine-wide CPU use (0–1) over a few seconds just before the benchmark started */
  busyBefore: number | null;
}

/** Renders one benchmark's section, starting with its `## name` heading. */
export function renderSection(bench: Benchmark, report: BenchReport, run: RunInfo): string {
  const met = report.targets.filter((t) => t.met).length;
  const total = report.targets.length;
  const verdict = total === 0 ? 'no target' : met === total ? '**met**' : met === 0 ? '**not met**' : `**partly met** (${met} of ${total})`;
  const lines = [
    `## ${bench.name}`,
    '',
    bench.description,
    '',
    `- Date: ${run.date.toISOString()}`,
    `- Command: \`${run.command}\``,
    `- Machine: ${run.machine}`,
    ...(run.busyBefore === null ? [] : [`- Machine CPU busy just before the run: ${(run.busyBefore * 100).toFixed(0)} % of all cores`]),
    `- Target: ${bench.target} — ${verdict}`,
    '',
    '### Data',
    '',
    report.data.trim(),
    '',
    '### Results',
    '',
    report.figures.trim(),
    '',
  ];
  if (report.targets.length > 0) {
    lines.push('### Targets', '', '| target | measured | met |', '| --- | --- | --- |');
    for (const t of report.targets) lines.push(`| ${t.target} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`);
    lines.push('');
  }
  if (report.notes?.length) {
    lines.push('### Notes', '');
    for (const note of report.notes) lines.push(`- ${note}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Splits a document into the intro and `## ` sections, ignoring headings inside code fences. */
export function splitSections(text: string): { intro: string; sections: { name: string; body: string }[] } {
  const sections: { name: string; body: string }[] = [];
  const intro: string[] = [];
  let current: { name: string; lines: string[] } | null = null;
  let fenced = false;
  const close = () => current && sections.push({ name: current.name, body: current.lines.join('\n').trimEnd() + '\n' });
  for (const line of text.split('\n')) {
    if (/^(```|~~~)/.test(line)) fenced = !fenced;
    const heading = !fenced && /^## (.+?)\s*$/.exec(line);
    if (heading) {
      close();
      current = { name: heading[1] as string, lines: [line] };
    } else (current ? current.lines : intro).push(line);
  }
  close();
  return { intro: intro.join('\n').trimEnd() + '\n', sections };
}

/** Replaces (or appends) the section named like its heading; other sections stay as they were. */
export function upsertSection(text: string, name: string, section: string): string {
  const { intro, sections } = splitSections(text);
  const body = section.trimEnd() + '\n';
  const index = sections.findIndex((s) => s.name === name);
  if (index === -1) sections.push({ name, body });
  else sections[index] = { name, body };
  return [intro, ...sections.map((s) => s.body)].join('\n');
}

/** Writes a benchmark's section into the file, creating it with the default intro. */
export function writeSection(file: string, name: string, section: string): void {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : DEFAULT_INTRO;
  writeFileSync(file, upsertSection(current, name, section));
}
