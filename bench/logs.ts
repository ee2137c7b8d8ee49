/**
 * A job that writes a million log lines: how fast borgql stores them, what
 * the server's memory does meanwhile, how fast the end of the log pages,
 * and how the whole log downloads. borg is the stand-in
 * (bench/borg-standin.mjs) printing file_status lines as fast as it can.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { runBorgRaw } from './lib/borg.js';
import { addRepository, startBackup } from './lib/borgql.js';
import { httpClient, type GraphQLClient } from './lib/graphql.js';
import { isTerminal } from '../src/domain/job-status.js';
import { requireMemory, startServerProcess, type ServerProcess } from './lib/server.js';
import { readStandinRecord, STANDIN_BIN, standinSource, type StandinSettings } from './lib/standin.js';
import type { BenchContext, BenchReport, Benchmark } from './lib/types.js';
import { ensureDataset, type DatasetSpec } from './lib/dataset.js';
import { measureRebackup } from './logs/rebackup.js';
import { logsReport, type Download, type Ingestion, type PageRun } from './logs/report.js';
import { measureStorage } from './logs/storage.js';

const LINES = 1_000_000;
/** Jobs of a million lines each, one after the other on the same server. */
const INGESTION_RUNS = 3;
/** One archive_progress line per 1,000 file lines: at ≥ 50,000 lines/s that is more often than borg's 0.2 s. */
const standinSettings = (lines: number): StandinSettings => ({
  intervalMs: [0, 0],
  durationMs: 3_600_000,
  fileStatusPerTick: [1000, 1000],
  bytesPerTick: 4e6,
  goFile: null,
  maxFiles: lines,
  batchWrites: true,
});
/** Idle time before the job, for V8's memory reducer to shrink the heap (it waits ~8 s without allocation). */
const SETTLE_MS = 30_000;
const PAGE_SAMPLES = 300;
/** Realistic lines stored both ways for the bytes-per-line and read figures: a million-line log. */
const STORAGE_LINES = 1_000_000;
/** The tree of the unchanged re-backup (real borg): 40,000 small files in folders of 100. */
const rebackupSpec = (quick: boolean): DatasetSpec => ({
  name: 'rebackup',
  seed: 'borgql-rebackup-v1',
  smallFiles: quick ? 2_000 : 40_000,
  smallMinBytes: 256,
  smallMaxBytes: 4096,
  largeFiles: 0,
  largeBytes: 0,
});
const PAGE_WARMUP = 30;
const PAGE = `query Page($id: ID!, $offset: Int!) {
  job(id: $id) { logs(offset: $offset, limit: 1000) { totalLines hasMore lines { lineNumber content level time } } }
}`;
const STATUS = `query Status($id: ID!) { job(id: $id) { status archiveName } }`;
const FIRST_LINES = `query First($id: ID!) { job(id: $id) { logs(offset: 0, limit: 50) { lines { lineNumber content } } } }`;

/** One poll of the running job: when, how many of its lines were stored, the server's RSS. */
interface Poll {
  at: number;
  stored: number;
  rss: number;
}

/**
 * Polls the server's database (a read-only connection of its own; WAL lets
 * it read while the server writes) for the stored line count, and the
 * server's RSS, every 20 ms until the job ends.
 */
async function watchIngestion(server: ServerProcess, http: GraphQLClient, jobId: string): Promise<{ polls: Poll[]; status: string; archiveName: string }> {
  const db = new Database(path.join(server.dataDir, 'borgql.db'), { readonly: true });
  const stored = db.prepare('SELECT logLineCount FROM BackupJob WHERE id = ?').pluck();
  const polls: Poll[] = [];
  const poll = () => polls.push({ at: performance.now(), stored: stored.get(Number(jobId)) as number, rss: requireMemory(server.pid).rssBytes });
  try {
    for (let i = 0; ; i++) {
      poll();
      if (i % 10 === 0) {
        const { job } = await http.request<{ job: { status: string; archiveName: string } }>(STATUS, { id: jobId });
        if (isTerminal(job.status)) {
          poll();
          return { polls, status: job.status, archiveName: job.archiveName };
        }
      }
      await sleep(20);
    }
  } finally {
    db.close();
  }
}

/** First poll at which at least `count` lines were stored. */
const reached = (polls: Poll[], count: number) => polls.find((p) => p.stored >= count);

/**
 * Waits until V8's memory reducer has shrunk the idle server's heap (it
 * runs after some seconds without allocation), so the baseline is the least
 * an idle server holds: the strictest start for "RSS growth".
 */
async function settledRss(server: ServerProcess, ms: number): Promise<number> {
  await sleep(ms);
  return requireMemory(server.pid).rssBytes;
}

async function ingest(server: ServerProcess, http: GraphQLClient, repoPath: string, lines: number, settleMs: number): Promise<Ingestion> {
  const baseline = await settledRss(server, settleMs);
  const started = performance.now();
  const jobId = await startBackup(http, repoPath);
  const { polls, status, archiveName } = await watchIngestion(server, http, jobId);
  const ended = performance.now();
  if (status !== 'COMPLETED') throw new Error(`job ${jobId} ended ${status}`);
  // the server's own notes come first; borg's file lines are the next `lines` line numbers
  const { job } = await http.request<{ job: { logs: { lines: { lineNumber: number; content: string }[] } } }>(FIRST_LINES, { id: jobId });
  const firstFileLine = job.logs.lines.find((line) => line.content.startsWith('A /'))?.lineNumber;
  if (!firstFileLine) throw new Error('no file_status line among the first 50 lines');
  // the poll that first saw a given share of borg's file lines stored (its `fraction` × lines-th one, at least the first)
  const at = (fraction: number) => reached(polls, firstFileLine + Math.max(1, Math.ceil(lines * fraction)) - 1);
  const first = at(0);
  const last = at(1);
  if (!first || !last) throw new Error('the polls never saw the first or the last file line stored');
  // the stand-in's own record of its progress lines: when it wrote the first and the last batch, and how many files between
  const record = readStandinRecord(repoPath, archiveName);
  const written = record.length > 1 ? { ms: (record.at(-1)!.time - record[0]!.time) * 1000, files: record.at(-1)!.nfiles - record[0]!.nfiles } : null;
  return {
    jobId,
    lines,
    totalLines: polls.at(-1)?.stored ?? 0,
    firstFileLine,
    // between two polls, so lines a flush stored before the first poll are not counted as if stored in no time
    storedBetweenPolls: { lines: last.stored - first.stored, ms: last.at - first.at },
    jobMs: ended - started,
    standinWrote: written,
    settleMs,
    baselineRss: baseline,
    peakRss: Math.max(...polls.map((p) => p.rss)),
    rssAlong: [0.1, 0.25, 0.5, 0.75, 1].map((fraction) => ({ fraction, rss: at(fraction)?.rss ?? NaN })),
  };
}

/** `logs(offset, limit: 1000)` at one place in the log, timed one request at a time. */
async function pages(http: GraphQLClient, jobId: string, label: string, offset: number, samples: number): Promise<PageRun> {
  const ms: number[] = [];
  for (let i = 0; i < PAGE_WARMUP + samples; i++) {
    const started = performance.now();
    const { job } = await http.request<{ job: { logs: { lines: unknown[] } } }>(PAGE, { id: jobId, offset });
    if (job.logs.lines.length !== 1000) throw new Error(`${label}: ${job.logs.lines.length} lines`);
    if (i >= PAGE_WARMUP) ms.push(performance.now() - started);
  }
  return { label, offset, ms };
}

/** The REST download of the whole log through a logDownloadUrl link, read as it arrives. */
async function download(server: ServerProcess, http: GraphQLClient, jobId: string, expectedLines: number): Promise<Download> {
  const { logDownloadUrl } = await http.request<{ logDownloadUrl: string }>(`mutation L($id: ID!) { logDownloadUrl(jobId: $id) }`, { id: jobId });
  const baseline = server.memory()?.rssBytes ?? 0;
  let peakRss = baseline;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, server.memory()?.rssBytes ?? 0)), 50);
  try {
    const started = performance.now();
    const response = await fetch(logDownloadUrl);
    const headersMs = performance.now() - started;
    if (response.status !== 200 || !response.body) throw new Error(`download: HTTP ${response.status}`);
    const reader = response.body.getReader();
    let bytes = 0;
    let chunks = 0;
    let newlines = 0;
    let firstByteMs = NaN;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (chunks === 0) firstByteMs = performance.now() - started;
      chunks++;
      bytes += value.byteLength;
      for (let i = value.indexOf(10); i !== -1; i = value.indexOf(10, i + 1)) newlines++;
    }
    const totalMs = performance.now() - started;
    if (newlines !== expectedLines) throw new Error(`download: ${newlines} lines, expected ${expectedLines}`);
    return {
      headersMs,
      firstByteMs,
      totalMs,
      bytes,
      chunks,
      lines: newlines,
      chunked: response.headers.get('transfer-encoding') === 'chunked' && !response.headers.has('content-length'),
      baselineRss: baseline,
      peakRss,
    };
  } finally {
    clearInterval(sampler);
  }
}

/** The stand-in alone into a plain Node line reader: the most a consumer of its pipe can get. */
async function rawPipe(repo: string, source: string): Promise<{ lines: number; ms: number }> {
  const run = await runBorgRaw(
    ['create', '--log-json', '--progress', '--json', '--list', '--', `${repo}::raw`, source],
    { ...process.env } as Record<string, string>,
    STANDIN_BIN,
  );
  if (run.exitCode !== 0) throw new Error(`stand-in exited ${run.exitCode}: ${run.stderrTail.join('\n')}`);
  return { lines: run.stderrLines, ms: run.ms };
}

/** The million-line job: ingestion, pages and download, on a server whose borg is the stand-in. */
async function millionLines(ctx: BenchContext) {
  const lines = ctx.quick ? 20_000 : LINES;
  const settings = standinSettings(lines);
  const source = standinSource(path.join(ctx.tmpDir, 'source'), settings);
  const server = await startServerProcess({ rootDir: ctx.rootDir, dir: path.join(ctx.tmpDir, 'server'), env: { BORG_BIN: STANDIN_BIN } });
  try {
    const http = httpClient(server.graphqlUrl, server.token);
    const repoPath = path.join(ctx.tmpDir, 'repo');
    await addRepository(http, { name: 'chatty', path: repoPath, sourcePaths: [source], passphrase: 'bench passphrase', initialize: true });
    await ctx.quiet();
    const raw = await rawPipe(repoPath, source);
    ctx.log(`stand-in into a plain line reader: ${raw.lines} lines in ${raw.ms.toFixed(0)} ms`);
    // V8 decides when to collect the old generation by heuristics that vary from run to run: one job says little about memory
    const ingestions: Ingestion[] = [];
    for (let i = 0; i < (ctx.quick ? 1 : INGESTION_RUNS); i++) {
      await ctx.quiet();
      const ingestion = await ingest(server, http, repoPath, lines, ctx.quick ? 2000 : SETTLE_MS);
      ctx.log(
        `job ${ingestion.jobId}: stored ${ingestion.storedBetweenPolls.lines} lines in ${ingestion.storedBetweenPolls.ms.toFixed(0)} ms, RSS +${((ingestion.peakRss - ingestion.baselineRss) / 1e6).toFixed(1)} MB`,
      );
      ingestions.push(ingestion);
    }
    const ingestion = ingestions[0]!;
    const samples = ctx.quick ? 20 : PAGE_SAMPLES;
    const total = ingestion.totalLines;
    await ctx.quiet();
    const pageRuns = [
      await pages(http, ingestion.jobId, 'the last 1,000 lines', total - 1000, samples),
      await pages(http, ingestion.jobId, 'the middle', Math.floor(total / 2), samples),
      await pages(http, ingestion.jobId, 'the first 1,000 lines', 0, samples),
    ];
    await ctx.quiet();
    const downloaded = await download(server, http, ingestion.jobId, total);
    return { raw, ingestions, pages: pageRuns, download: downloaded, settings };
  } finally {
    await server.stop();
  }
}

/** The unchanged re-backup with real borg, on a server of its own. */
async function rebackup(ctx: BenchContext) {
  const dataset = ensureDataset(ctx.cacheDir, rebackupSpec(ctx.quick), ctx.log);
  const server = await startServerProcess({ rootDir: ctx.rootDir, dir: path.join(ctx.tmpDir, 'borg-server') });
  try {
    await ctx.quiet();
    return await measureRebackup(httpClient(server.graphqlUrl, server.token), dataset, path.join(ctx.tmpDir, 'rebackup-repo'), ctx.log);
  } finally {
    await server.stop();
  }
}

async function run(ctx: BenchContext): Promise<BenchReport> {
  const million = await millionLines(ctx);
  await ctx.quiet();
  const storage = measureStorage(path.join(ctx.tmpDir, 'storage'), ctx.quick ? 20_000 : STORAGE_LINES);
  ctx.log(`storage: ${storage.forms.map((form) => `${form.bytesPerLine.toFixed(1)} bytes/line`).join(' → ')}`);
  return logsReport({ ...million, storage, rebackup: await rebackup(ctx) });
}

/** A million-line job log (issue 6). */
export const logs: Benchmark = {
  name: 'logs',
  description:
    'A job whose borg (the stand-in, bench/borg-standin.mjs) prints 1,000,000 `file_status` lines as fast as it can: lines stored per second, server RSS growth meanwhile, `logs(offset, limit: 1000)` pages of the finished log, and the REST download of the whole log. Then what a stored line costs on disk (realistic lines, one row per line before, compressed blocks now), and how many lines an unchanged re-backup of 40,000 files stores (real borg).',
  target:
    'ingestion ≥ 50,000 lines/s; page p50 ≤ 10 ms; server RSS grows ≤ 50 MB; a stored line ≤ 16 bytes; an unchanged re-backup of 40,000 files ≤ 100 lines',
  run,
};
