/**
 * `npm run bench [-- [--quick] [--list] NAME…]`: runs the named benchmarks
 * (all of them without names), one after the other so they never compete
 * for the CPU, and writes each one's section of BENCHMARKS.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCHMARKS } from './benchmarks.js';
import { describeMachine, formatMachine, waitForQuiet } from './lib/machine.js';
import { renderSection, writeSection } from './lib/report.js';
import { killRawBorgs } from './lib/borg.js';
import { buildServer, killAllServers } from './lib/server.js';

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const noWait = args.includes('--no-wait');
const names = args.filter((a) => !a.startsWith('--'));
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** The command as the person typed it, for BENCHMARKS.md (npm sets npm_lifecycle_event). */
function commandLine(): string {
  const viaNpm = process.env.npm_lifecycle_event === 'bench';
  if (viaNpm) return `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
  return `npx tsx bench/run.ts${args.length ? ` ${args.join(' ')}` : ''}`;
}

async function main(): Promise<number> {
  if (args.includes('--list') || args.includes('--help')) {
    console.log('usage: npm run bench [-- [--quick] [--no-wait] NAME…]\n');
    for (const b of BENCHMARKS) console.log(`${b.name.padEnd(16)} ${b.description}\n${''.padEnd(16)} target: ${b.target}`);
    return 0;
  }
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    return 2;
  }
  const selected = names.length > 0 ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS;
  const machine = formatMachine(describeMachine());
  const command = commandLine();
  const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'borgql-bench-'));
  const cleanup = () => {
    killAllServers();
    killRawBorgs();
    rmSync(tmpRoot, { recursive: true, force: true });
  };
  // Ctrl-C mid-run: stop our servers and remove the temp data (repositories can be GBs).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up ${tmpRoot}`);
      cleanup();
      process.exit(130);
    });
  }
  log(`machine: ${machine}`);
  log('building dist/ (npm run build): benchmarks run the compiled server, as npm start does…');
  buildServer(rootDir);
  let failed = 0;
  try {
    for (const bench of selected) {
      const tmpDir = mkdtempSync(path.join(tmpRoot, `${bench.name}-`));
      const busyBefore = quick || noWait ? null : await waitForQuiet({ log });
      log(`running ${bench.name}${quick ? ' (quick, not recorded)' : ''}…`);
      const date = new Date();
      try {
        const quiet = async () => (quick || noWait ? null : waitForQuiet({ windowMs: 2000, maxWaitMs: 300_000, log }));
        const report = await bench.run({ tmpDir, cacheDir: path.join(rootDir, '.bench'), rootDir, quick, log, quiet });
        const section = renderSection(bench, report, { date, command, machine, busyBefore });
        console.log(`\n${section}`);
        if (!quick) writeSection(path.join(rootDir, 'BENCHMARKS.md'), bench.name, section);
      } catch (error) {
        failed++;
        log(`${bench.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      } finally {
        rmSync(tmpDir, { recursive: true, force: true });
      }
    }
  } finally {
    cleanup();
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
