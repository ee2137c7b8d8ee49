/**
 * Resident memory of a started server's process group: the node server
 * itself, and everything its starter left running beside it (`npm start`
 * keeps npm and a shell alive above node; a service manager runs node alone).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processCpuMs, requireMemory } from '../lib/server.js';

/** RSS of a process group: the server's node process, and the group in all. */
export interface GroupRss {
  server: number;
  group: number;
}

/** Pids whose process group is `pgid` (Linux /proc). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // after the parenthesised command: state, ppid, pgrp
      const pgrp = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ').pop()?.split(' ')[2]);
      if (pgrp === pgid) members.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return members;
}

/**
 * The member running the server: a node whose argv holds `dist/main.js`
 * (not the `sh -c "node … dist/main.js"` npm starts it through); the group
 * leader when none matches.
 */
export function serverPidOf(pgid: number): number {
  for (const pid of groupMembers(pgid)) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (path.basename(argv[0] ?? '').startsWith('node') && argv.includes('dist/main.js')) return pid;
    } catch {
      // ended meanwhile
    }
  }
  return pgid;
}

/** RSS of the server process and of its whole group now. */
export function groupRss(pgid: number): GroupRss {
  let group = 0;
  for (const pid of groupMembers(pgid)) {
    try {
      group += requireMemory(pid).rssBytes;
    } catch {
      // ended meanwhile
    }
  }
  return { server: requireMemory(serverPidOf(pgid)).rssBytes, group };
}

/**
 * Samples RSS once a second for `ms`. Right after activity the heap still
 * holds its garbage and a grown young generation; V8's memory reducer
 * shrinks it after some seconds of quiet. Both are reported: the largest
 * sample of the first third ("just after") and of the last third
 * ("settled", the idle figure the target is about), for the server and
 * for its whole group. The server's CPU is read over the last two thirds
 * (the first holds the tail of what came before), as a share of one core.
 */
export async function idleSamples(
  pgid: number,
  ms: number,
): Promise<{ justAfter: number; settled: number; groupSettled: number; idleCpuShare: number | null }> {
  const samples: GroupRss[] = [];
  const sampleFor = async (seconds: number) => {
    for (let i = 0; i < seconds; i++) {
      await sleep(1000);
      samples.push(groupRss(pgid));
    }
  };
  const server = serverPidOf(pgid);
  const count = Math.max(1, Math.round(ms / 1000));
  const third = Math.max(1, Math.floor(count / 3));
  await sampleFor(third);
  const cpuFrom = processCpuMs(server);
  const from = performance.now();
  await sampleFor(count - third);
  const cpuTo = processCpuMs(server);
  const max = (list: GroupRss[], key: keyof GroupRss) => Math.max(...list.map((s) => s[key]));
  return {
    justAfter: max(samples.slice(0, third), 'server'),
    settled: max(samples.slice(-third), 'server'),
    groupSettled: max(samples.slice(-third), 'group'),
    idleCpuShare: cpuFrom === null || cpuTo === null ? null : (cpuTo - cpuFrom) / (performance.now() - from),
  };
}
