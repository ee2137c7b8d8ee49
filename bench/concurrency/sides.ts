/**
 * The two sides of a concurrency pair: four backups at once, as four raw
 * borgs or as four jobs of one borgql server (BORGQL_MAX_CONCURRENT_JOBS=4),
 * prepared the same way as the overhead sides (bench/overhead/sides.ts).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { archiveNameFor, createArgs, initArgs, repositoryInfoArgs } from '../../src/borg/command.js';
import type { Side } from '../lib/abba.js';
import { borgOk, runBorgRaw } from '../lib/borg.js';
import { addRepository, startBackup } from '../lib/borgql.js';
import type { Dataset } from '../lib/dataset.js';
import type { GraphQLClient } from '../lib/graphql.js';
import { childrenCpuMs, type ServerProcess } from '../lib/server.js';
import { liveEvents, watchProgress, type LiveEvent } from '../lib/watch.js';
import { ENCRYPTION, PASSPHRASE, rawEnvironment } from '../overhead/sides.js';

/** What both sides share. */
export interface ConcurrencySetup {
  data: Dataset;
  repos: string;
  rootDir: string;
  server: ServerProcess;
  http: GraphQLClient;
  ws: Client;
  /** backups at once */
  width: number;
}

const delta = (before: number | null, after: number | null) => (before === null || after === null ? null : after - before);
const indices = (n: number) => Array.from({ length: n }, (_, i) => i);

/** `width` raw `borg create` at once, each into its own fresh repository; the clock stops when the last one was read to the end. */
export function rawSide(s: ConcurrencySetup): Side {
  const env = rawEnvironment(s.server);
  const repoOf = (pair: number, i: number) => path.join(s.repos, `raw-${pair}-${i}`);
  return {
    async prepare(pair) {
      for (const i of indices(s.width)) {
        await borgOk(initArgs(repoOf(pair, i), ENCRYPTION, { makeParentDirs: true }), env, s.rootDir);
        await borgOk(repositoryInfoArgs(repoOf(pair, i)), env, s.rootDir);
      }
    },
    async measure(pair) {
      const before = childrenCpuMs(process.pid);
      const started = performance.now();
      const runs = await Promise.all(
        indices(s.width).map((i) =>
          runBorgRaw(
            createArgs({ repoPath: repoOf(pair, i), archiveName: archiveNameFor(new Date(), `raw-${i}`), sourcePaths: [s.data.root] }),
            env,
            undefined,
            s.rootDir,
          ),
        ),
      );
      const ms = performance.now() - started;
      const failed = runs.find((r) => r.exitCode !== 0);
      if (failed) throw new Error(`raw borg exited ${failed.exitCode}:\n${failed.stderrTail.join('\n')}`);
      return { ms, borgCpuMs: delta(before, childrenCpuMs(process.pid)), serverCpuMs: null };
    },
    async cleanup(pair) {
      for (const i of indices(s.width)) rmSync(repoOf(pair, i), { recursive: true, force: true });
    },
  };
}

/** The API side, also keeping the progress events (with their latency) its subscribers saw, per pair number. */
export function apiSide(s: ConcurrencySetup, events: Map<number, LiveEvent[]>): Side {
  const repoOf = (pair: number, i: number) => path.join(s.repos, `api-${pair}-${i}`);
  return {
    async prepare(pair) {
      for (const i of indices(s.width)) {
        const repoPath = repoOf(pair, i);
        await addRepository(s.http, {
          name: path.basename(repoPath),
          path: repoPath,
          sourcePaths: [s.data.root],
          passphrase: PASSPHRASE,
          encryption: ENCRYPTION,
          initialize: true,
        });
      }
    },
    async measure(pair) {
      const cpuBefore = s.server.cpuMs();
      const borgBefore = s.server.childCpuMs();
      const started = Date.now();
      const jobIds = await Promise.all(indices(s.width).map((i) => startBackup(s.http, repoOf(pair, i))));
      // each watched right after its mutation returned, as a dashboard would; the first payload replays the state
      const payloads = await Promise.all(jobIds.map((id) => watchProgress(s.ws, id).done));
      const finals = payloads.map((p) => p.at(-1));
      const wrong = finals.find((p) => p?.status !== 'COMPLETED');
      if (wrong !== undefined) throw new Error(`a concurrent job ended ${wrong?.status ?? 'unseen'}: ${wrong?.errorMessage ?? ''}`);
      // Date.now() stamps: the payloads carry them (the latency's clock); ms resolution is plenty for runs of seconds
      const ms = Math.max(...finals.map((p) => (p?.receivedAt ?? started) - started));
      events.set(
        pair,
        payloads.flatMap((p) => liveEvents(p)),
      );
      return { ms, borgCpuMs: delta(borgBefore, s.server.childCpuMs()), serverCpuMs: delta(cpuBefore, s.server.cpuMs()), payloads: payloads.flat().length };
    },
    async cleanup(pair) {
      for (const i of indices(s.width)) rmSync(repoOf(pair, i), { recursive: true, force: true });
    },
  };
}
