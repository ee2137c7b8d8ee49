/**
 * The two sides of an overhead pair, made the same in everything but
 * borgql itself.
 *
 * What differed before (found for the outside harness, which saw
 * the API *faster* than raw borg on full backups, 0.945):
 * - Preparation. `addRepository(initialize: true)` runs `borg init` and then
 *   `borg info --json` (src/catalog/repository-service.ts); that `info`
 *   creates borg's cache and security folders for the new repository. The
 *   raw side ran `borg init` only, so its timed `borg create` also built
 *   the cache (measured here, machine busy: 0.7–1.0 s with vs 1.2–1.7 s
 *   without, 200 small files) — about the 0.28 s the outside harness saw.
 *   The raw side now runs the same `init` + `info` before its clock starts.
 * - Order. Raw always ran first, so it read the data from a colder page
 *   cache; pairs now alternate (bench/lib/abba.ts).
 * - Base folder and environment. Raw had its own BORG_BASE_DIR; it now gets
 *   exactly the environment the server hands its borgs (the server's env
 *   without BORGQL_ADMIN_TOKEN, as src/config.ts builds `borgEnv`, through
 *   the same borgEnvironment), so both share one BORG_BASE_DIR.
 * - Spawn. borgql starts borg detached (own session), cwd the server's
 *   (the repository root), stdin closed; bench/lib/borg.ts now does the same.
 * - stderr. Both read it to the end as it arrives and split it into lines;
 *   borgql also parses each line and stores the log: that is overhead.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { archiveNameFor, borgEnvironment, createArgs, initArgs, repositoryInfoArgs } from '../../src/borg/command.js';
import type { Side } from '../lib/abba.js';
import { borgOk } from '../lib/borg.js';
import { addRepository, timedBackup } from '../lib/borgql.js';
import type { Dataset } from '../lib/dataset.js';
import type { GraphQLClient } from '../lib/graphql.js';
import { childrenCpuMs, type ServerProcess } from '../lib/server.js';
import { runPhases } from './phases.js';

export const PASSPHRASE = 'bench passphrase';
export const ENCRYPTION = 'repokey-blake2';

/** What both sides share. */
export interface SideSetup {
  data: Dataset;
  /** folder the repositories go in */
  repos: string;
  rootDir: string;
  server: ServerProcess;
  http: GraphQLClient;
  ws: Client;
  /** true: a fresh repository per run; false: one per side, with a first archive made before the warm-up pair */
  fresh: boolean;
}

/** borg's `--json` archive stats of the last raw run, for the report. */
export interface RawStats {
  last: Record<string, number>;
}

const delta = (before: number | null, after: number | null) => (before === null || after === null ? null : after - before);

/** The environment the server gives its borgs (config.borgEnv), unlocked with the bench passphrase. */
export function rawEnvironment(server: ServerProcess): Record<string, string> {
  const inherited = Object.fromEntries(Object.entries(server.env).filter(([name]) => name !== 'BORGQL_ADMIN_TOKEN'));
  return borgEnvironment({ path: '', passphrase: PASSPHRASE }, inherited);
}

/** Raw `borg create` with borgql's own argv builder, spawned from Node. */
export function rawSide(s: SideSetup, stats: RawStats): Side {
  const env = rawEnvironment(s.server);
  const repoOf = (pair: number) => path.join(s.repos, s.fresh ? `raw-${pair}` : 'raw');
  const borg = (args: string[]) => borgOk(args, env, s.rootDir);
  const create = async (repoPath: string, label: string) => {
    const args = createArgs({ repoPath, archiveName: archiveNameFor(new Date(), label), sourcePaths: [s.data.root] });
    const run = await borg(args);
    const summary = JSON.parse(run.stdout) as { archive: { stats: Record<string, number> } };
    if (summary.archive.stats.nfiles !== s.data.files) throw new Error(`raw run saved ${summary.archive.stats.nfiles} files, expected ${s.data.files}`);
    stats.last = summary.archive.stats;
    return run;
  };
  return {
    async prepare(pair) {
      if (!s.fresh && pair > 0) return;
      // what addRepository(initialize: true) runs: init, then info (which creates borg's cache for the repository)
      await borg(initArgs(repoOf(pair), ENCRYPTION, { makeParentDirs: true }));
      await borg(repositoryInfoArgs(repoOf(pair)));
      if (!s.fresh) await create(repoOf(pair), 'raw-first');
    },
    async measure(pair) {
      const before = childrenCpuMs(process.pid);
      const run = await create(repoOf(pair), `raw-${pair}`);
      return { ms: run.ms, borgCpuMs: delta(before, childrenCpuMs(process.pid)), serverCpuMs: null };
    },
    async cleanup(pair) {
      if (s.fresh) rmSync(repoOf(pair), { recursive: true, force: true });
    },
  };
}

/** The same backup through the API: startBackup, then jobProgress until a terminal status. */
export function apiSide(s: SideSetup): Side {
  const repoOf = (pair: number) => path.join(s.repos, s.fresh ? `api-${pair}` : 'api');
  const backup = async (repoPath: string) => {
    const run = await timedBackup(s.http, s.ws, repoPath);
    if (run.job.status !== 'COMPLETED') throw new Error(`API job ended ${run.job.status}: ${run.job.errorMessage}`);
    if (run.job.progress.filesProcessed !== s.data.files) throw new Error(`API run saved ${run.job.progress.filesProcessed} files, expected ${s.data.files}`);
    return run;
  };
  return {
    async prepare(pair) {
      if (!s.fresh && pair > 0) return;
      const repoPath = repoOf(pair);
      await addRepository(s.http, {
        name: path.basename(repoPath),
        path: repoPath,
        sourcePaths: [s.data.root],
        passphrase: PASSPHRASE,
        encryption: ENCRYPTION,
        initialize: true,
      });
      if (!s.fresh) await backup(repoPath);
    },
    async measure(pair) {
      const cpuBefore = s.server.cpuMs();
      const borgBefore = s.server.childCpuMs();
      const run = await backup(repoOf(pair));
      const borgCpuMs = delta(borgBefore, s.server.childCpuMs());
      const serverCpuMs = delta(cpuBefore, s.server.cpuMs());
      return { ms: run.ms, borgCpuMs, serverCpuMs, payloads: run.payloads, phases: await runPhases(s.http, run) };
    },
    async cleanup(pair) {
      if (s.fresh) rmSync(repoOf(pair), { recursive: true, force: true });
    },
  };
}
