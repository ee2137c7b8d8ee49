import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The machine a benchmark ran on: figures from different machines do not compare. */
export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  os: string;
  node: string;
  borg: string;
}

/** `PRETTY_NAME` from /etc/os-release (Linux), else the platform name. */
function distribution(): string {
  try {
    const match = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (match?.[1]) return match[1];
  } catch {
    // not Linux, or a minimal container: fall back below
  }
  return os.type();
}

/** Reads CPU, cores, RAM, OS, Node and borg versions once per bench run. */
export function describeMachine(): Machine {
  const cpus = os.cpus();
  let borg = 'not found';
  try {
    borg = execFileSync(process.env.BORG_BIN || 'borg', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // reported as "not found"; benchmarks that need borg fail on their own
  }
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${distribution()}, ${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    borg,
  };
}

/** One line for BENCHMARKS.md. */
export function formatMachine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM; ${m.os}; Node ${m.node}; ${m.borg}`;
}

/** Busy and total CPU time of all cores so far (ms), from os.cpus(). */
function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    busy += times.user + times.nice + times.sys + times.irq;
    total += times.user + times.nice + times.sys + times.irq + times.idle;
  }
  return { busy, total };
}

/**
 * Starts measuring machine-wide CPU use; `busy()` is the fraction (0–1) of
 * all cores' time spent busy since then. Other people's work on a shared
 * machine shows up here, which is how a noisy figure can be recognised.
 */
export function cpuMeter(): { busy(): number; others(ownMs: number): number } {
  const start = cpuTimes();
  return {
    busy() {
      const now = cpuTimes();
      const total = now.total - start.total;
      return total > 0 ? (now.busy - start.busy) / total : 0;
    },
    /** The fraction of all cores' time spent busy by processes other than those whose CPU time (`ownMs`) the caller measured. */
    others(ownMs: number) {
      const now = cpuTimes();
      const total = now.total - start.total;
      return total > 0 ? Math.max(0, now.busy - start.busy - ownMs) / total : 0;
    },
  };
}

/**
 * Waits until the machine is quiet (under `threshold` busy over `windowMs`)
 * or `maxWaitMs` passed, so a benchmark does not start in the middle of
 * someone's test run. Resolves with the last busy fraction seen.
 */
export async function waitForQuiet(options: { threshold?: number; windowMs?: number; maxWaitMs?: number; log?: (m: string) => void } = {}): Promise<number> {
  const { threshold = 0.15, windowMs = 3000, maxWaitMs = 300_000, log } = options;
  const deadline = Date.now() + maxWaitMs;
  for (let said = false; ; said = true) {
    const meter = cpuMeter();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const busy = meter.busy();
    if (busy < threshold || Date.now() >= deadline) return busy;
    if (!said) log?.(`machine is ${(busy * 100).toFixed(0)} % busy; waiting up to ${maxWaitMs / 1000} s for it to calm down…`);
  }
}
