/**
 * Start-up of a server on a large database, measured three ways: the first
 * start on the copy (an upgrade's one-time work), a cold start (OS caches
 * dropped where this machine allows it) and a warm one.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSqlite } from '../../src/db/sqlite.js';
import { isSealed } from '../../src/secrets/secret-box.js';
import { startServerProcess, type ServerOptions, type ServerProcess } from './server.js';
import { seconds } from './stats.js';

/** The three starts, spawn of `npm start`'s command → first 200 from `/healthz` (ms). */
export interface StartTimes {
  /** secrets the copied database holds in clear text, as a version before secrets at rest left them */
  clearTextSecrets: number;
  /** the first start on the copy: encrypts those secrets, then VACUUMs the file (src/db/secret-storage.ts) */
  firstMs: number;
  /** a later start after `sync` and dropping the OS's page cache; `cachesDropped` false: the pages stayed cached */
  coldMs: number;
  cachesDropped: boolean;
  /** a later start with the database's pages cached */
  warmMs: number;
}

/** Secret columns written in clear text (they are encrypted, and the file VACUUMed, at the first start). */
function countClearText(file: string): number {
  const db = openSqlite(file);
  try {
    const values = [
      ...db.prepare<[], { v: string }>(`SELECT passphrase AS v FROM Repository WHERE passphrase IS NOT NULL AND passphrase <> ''`).all(),
      ...db.prepare<[], { v: string }>(`SELECT secret AS v FROM Webhook WHERE secret IS NOT NULL AND secret <> ''`).all(),
    ];
    return values.filter((row) => !isSealed(row.v)).length;
  } finally {
    db.close();
  }
}

/** Writes dirty pages out and drops the page cache; false where the machine does not allow it (not root, a container). */
export function dropPageCache(): boolean {
  execFileSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

async function startUntilHealthy(options: ServerOptions): Promise<{ server: ServerProcess; ms: number }> {
  const started = performance.now();
  const server = await startServerProcess({ startTimeoutMs: 120_000, ...options });
  while ((await fetch(`${server.url}/healthz`).catch(() => null))?.status !== 200) await sleep(10);
  return { server, ms: performance.now() - started };
}

/**
 * Starts the server three times on the database `file` in `options.dir`
 * (first, cold, warm: {@link StartTimes}) and leaves the last one running
 * for the caller's reads; the caller stops it.
 */
export async function measureStarts(file: string, options: ServerOptions): Promise<{ times: StartTimes; server: ServerProcess }> {
  const clearTextSecrets = countClearText(file);
  const first = await startUntilHealthy(options);
  await first.server.stop();
  const cachesDropped = dropPageCache();
  const cold = await startUntilHealthy(options);
  await cold.server.stop();
  const warm = await startUntilHealthy(options);
  return { times: { clearTextSecrets, firstMs: first.ms, coldMs: cold.ms, cachesDropped, warmMs: warm.ms }, server: warm.server };
}

/** The report's lines for {@link StartTimes}. */
export function startTimesText(times: StartTimes): string {
  const cold = times.cachesDropped ? 'after `sync` and dropping the OS page cache' : 'OS page cache NOT dropped (not allowed here): its pages stayed cached';
  return [
    "Server start-up on this database (spawn of `npm start`'s command → first 200 from `/healthz`, migrations check and recovery included):",
    '',
    '| start | time |',
    '| --- | --- |',
    `| first start on the copy (encrypts ${times.clearTextSecrets} clear-text secret(s) the generator wrote, as a version before secrets at rest left them, then VACUUMs the file: an upgrade's one-time cost) | ${seconds(times.firstMs)} |`,
    `| cold start (${cold}) | ${seconds(times.coldMs)} |`,
    `| warm start (pages cached) | ${seconds(times.warmMs)} |`,
  ].join('\n');
}
