// A process and everything it started, from /proc (Linux): what "the host
// died" kills in the cluster tests, and what must be gone after them.
import { readdirSync, readFileSync } from 'node:fs';

/** Parent pid of every process now, from /proc/<pid>/stat. */
function parents(): Map<number, number> {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // the command name in parentheses may hold spaces: the fields after it are state, ppid, …
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ').pop()?.split(' ') ?? [];
      parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      // the process ended while we looked
    }
  }
  return parentOf;
}

/** `pid` and all its descendants now, parents first. */
export function processTree(pid: number): number[] {
  const parentOf = parents();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/** Whether a process with this pid exists (a zombie counts until reaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGKILL to each process of `tree` and to the process group it leads (borg
 * runs in a group of its own, with whatever it started). Processes already
 * gone are skipped.
 */
export function killProcessTree(tree: readonly number[]): void {
  for (const pid of tree) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // not a group leader, or already gone
      }
    }
  }
}
