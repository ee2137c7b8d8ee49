#!/usr/bin/env node
/**
 * A borg stand-in for benchmarks (bench/latency.ts, bench/fanout.ts, bench/logs.ts) and
 * the job manager's unit tests (test/jobs): never use it as a real BORG_BIN. It backs nothing up. It lets a benchmark
 * control when and how often borg reports progress, and records exactly what
 * it wrote, so event latency and lost events can be measured against the
 * writer's own clock and record.
 *
 * What it imitates of borg 1.2 (see docs/borg.md and test/fixtures/borg), enough
 * for borgql:
 * - `init [--make-parent-dirs] -- REPO`: creates REPO with a small marker.
 * - `info --json -- REPO`: prints the `--json` document borgql reads
 *   (repository id, encryption mode, cache stats).
 * - `create --log-json --progress --json --list … -- REPO::ARCHIVE SRC…`:
 *   stderr JSON lines as borg writes them (progress_message of the cache
 *   transaction, file_status per "file", archive_progress with growing sizes
 *   and `time` = the moment of the write, a final `{"finished": true}`), the
 *   `--json` summary on stdout, exit 0.
 * - `--version`.
 *
 * How `create` behaves comes from `SRC/borg-standin.json` (the first source
 * folder, written by the benchmark):
 *   { "intervalMs": [min, max],   // pause before each archive_progress line (uniform)
 *     "durationMs": n,             // stop after this long (after the go file appeared)
 *     "fileStatusPerTick": [min, max],
 *     "bytesPerTick": n,           // original_size grows by about this much per line
 *     "goFile": "/path" | null,    // wait (polling) until this file exists before reporting progress
 *     "maxFiles": n,               // optional: stop once this many file_status lines were written
 *     "batchWrites": true,         // optional: a tick's file_status lines in one write (as fast as it can;
 *                                  // borg writes line by line, but must not be the bottleneck of bench/logs.ts)
 *     "ignoreSignals": ["SIGINT"] } // optional: signals it ignores, from before its first line (a borg
 *                                  // finishing a huge file; lets a test see a cancel escalate)
 * It writes its record, every archive_progress line with its exact `time`,
 * to `REPO/standin-records/ARCHIVE.json` just before it exits.
 *
 * Written in plain JavaScript and started directly by its shebang (no tsx,
 * no shell in between): borgql spawns it like borg, and signals reach it.
 * Lines are written with fs.writeSync, and `time` is read right before the
 * write, as borg does (`time.time()` when it builds the line, then print).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

const MARKER = 'borg-standin-repository.json';

/** `{"a": 1, "b": "x"}`: Python's json.dumps layout, as borg prints it. */
function pyJson(object) {
  return `{${Object.entries(object)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(', ')}}`;
}

/** Wall-clock seconds with sub-millisecond digits, like Python's time.time(). */
function now() {
  return (performance.timeOrigin + performance.now()) / 1000;
}

function stderrLine(object) {
  writeSync(2, `${pyJson(object)}\n`);
}

function fail(msgid, message, code = 2) {
  stderrLine({ type: 'log_message', time: now(), message, levelname: 'ERROR', name: 'borg.archiver', msgid });
  process.exit(code);
}

/** Positional arguments after `--` (borgql always puts them there). */
function positionals(args) {
  const dash = args.indexOf('--');
  return dash === -1 ? args.filter((a) => !a.startsWith('-')).slice(1) : args.slice(dash + 1);
}

function readRepository(repo) {
  const marker = path.join(repo, MARKER);
  if (!existsSync(marker)) fail('Repository.DoesNotExist', `Repository ${repo} does not exist.`);
  return JSON.parse(readFileSync(marker, 'utf8'));
}

function init(args) {
  const [repo] = positionals(args);
  if (!repo) fail('Error', 'init: no repository given');
  if (existsSync(path.join(repo, MARKER))) fail('Repository.AlreadyExists', `A repository already exists at ${repo}.`);
  mkdirSync(repo, { recursive: args.includes('--make-parent-dirs') });
  const encryption = (args.find((a) => a.startsWith('--encryption=')) ?? '--encryption=none').slice('--encryption='.length);
  const id = randomBytes(32).toString('hex');
  writeFileSync(path.join(repo, MARKER), JSON.stringify({ id, encryption }));
  writeFileSync(path.join(repo, 'README'), 'A borgql benchmark stand-in repository (bench/borg-standin.mjs); it holds no backup.\n');
}

function info(args) {
  const [repo] = positionals(args);
  if (!repo || repo.includes('::')) fail('Error', 'info: the stand-in only answers `info --json REPO`');
  const { id, encryption } = readRepository(repo);
  const stats = { total_chunks: 0, total_csize: 0, total_size: 0, total_unique_chunks: 0, unique_csize: 0, unique_size: 0 };
  const lastModified = new Date().toISOString().replace('Z', '000').slice(0, 26);
  process.stdout.write(
    `${JSON.stringify({ cache: { path: '', stats }, encryption: { mode: encryption }, repository: { id, last_modified: lastModified, location: repo } }, null, 4)}\n`,
  );
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const between = ([min, max]) => min + Math.random() * (max - min);

async function create(args) {
  const [target, ...sources] = positionals(args);
  const [repo, archive] = (target ?? '').split('::');
  if (!repo || !archive || sources.length === 0) fail('Error', 'create: expected REPO::ARCHIVE SOURCE…');
  readRepository(repo);
  const settings = JSON.parse(readFileSync(path.join(sources[0], 'borg-standin.json'), 'utf8'));
  for (const signal of settings.ignoreSignals ?? []) process.on(signal, () => undefined);
  const started = new Date();
  for (const message of [
    'Initializing cache transaction: Reading config',
    'Initializing cache transaction: Reading chunks',
    'Initializing cache transaction: Reading files',
  ]) {
    stderrLine({ message, operation: 1, msgid: 'cache.begin_transaction', type: 'progress_message', finished: false, time: now() });
  }
  stderrLine({ operation: 1, msgid: 'cache.begin_transaction', type: 'progress_message', finished: true, time: now() });
  while (settings.goFile && !existsSync(settings.goFile)) await sleep(5);

  const record = [];
  const sizes = { original_size: 0, compressed_size: 0, deduplicated_size: 0, nfiles: 0 };
  const end = performance.now() + settings.durationMs;
  const maxFiles = settings.maxFiles ?? Infinity;
  for (let tick = 0; performance.now() < end && sizes.nfiles < maxFiles; tick++) {
    await sleep(between(settings.intervalMs));
    const files = Math.min(maxFiles - sizes.nfiles, Math.round(between(settings.fileStatusPerTick)));
    let file = '';
    let batch = '';
    for (let i = 0; i < files; i++) {
      file = `${sources[0]}/d${String(tick).padStart(5, '0')}/f${String(i).padStart(3, '0')}.bin`;
      if (settings.batchWrites) batch += `${pyJson({ type: 'file_status', status: 'A', path: file })}\n`;
      else stderrLine({ type: 'file_status', status: 'A', path: file });
    }
    if (batch) writeSync(2, batch);
    const grow = Math.round(settings.bytesPerTick * (0.5 + Math.random()));
    sizes.original_size += grow;
    sizes.compressed_size += Math.round(grow * 0.9);
    sizes.deduplicated_size += Math.round(grow * 0.8);
    sizes.nfiles += files;
    const time = now();
    stderrLine({ ...sizes, path: file || sources[0], time, type: 'archive_progress', finished: false });
    record.push({ time, original_size: sizes.original_size, nfiles: sizes.nfiles });
  }
  stderrLine({ time: now(), type: 'archive_progress', finished: true });
  stderrLine({ message: 'Saving files cache', operation: 2, msgid: 'cache.commit', type: 'progress_message', finished: false, time: now() });
  stderrLine({ operation: 2, msgid: 'cache.commit', type: 'progress_message', finished: true, time: now() });

  const recordDir = path.join(repo, 'standin-records');
  mkdirSync(recordDir, { recursive: true });
  writeFileSync(path.join(recordDir, `${archive}.json`), JSON.stringify(record));
  const borgTime = (d) => d.toISOString().replace('Z', '000').slice(0, 26);
  const ended = new Date();
  const summary = {
    archive: {
      command_line: [process.argv[1], ...args],
      duration: (ended.getTime() - started.getTime()) / 1000,
      end: borgTime(ended),
      id: randomBytes(32).toString('hex'),
      name: archive,
      start: borgTime(started),
      stats: { ...sizes },
    },
    repository: { id: readRepository(repo).id, last_modified: borgTime(ended), location: repo },
  };
  process.stdout.write(`${JSON.stringify(summary, null, 4)}\n`);
}

const args = process.argv.slice(2);
switch (args[0]) {
  case '--version':
    process.stdout.write('borg 1.2.4 (borgql bench stand-in)\n');
    break;
  case 'init':
    init(args);
    break;
  case 'info':
    info(args);
    break;
  case 'create':
    await create(args);
    break;
  default:
    fail('Error', `the benchmark stand-in does not implement "${args[0] ?? ''}"`);
}
