/** CPU time and memory of processes, from Linux /proc (null or a throw elsewhere). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** Two CPU-time fields of /proc/PID/stat summed, in ms; `first` counts from field 3 (state) as 0. */
function statCpuMs(pid: number, first: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()?.split(' ') ?? [];
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
    const ms = ((Number(fields[first]) + Number(fields[first + 1])) * 1000) / clockTicks;
    return Number.isFinite(ms) ? ms : null;
  } catch {
    return null;
  }
}

/** utime + stime of one process from /proc/PID/stat (Linux), in ms; borg children not included. */
export function processCpuMs(pid: number): number | null {
  // fields after the parenthesised command name: state is field 3, utime 14, stime 15
  return statCpuMs(pid, 11);
}

/**
 * cutime + cstime (fields 16, 17): CPU time of the process's children that
 * exited and were waited for, in ms. Node reaps its children, so the delta
 * around a borg run is that borg's CPU time (Linux only, else null).
 */
export function childrenCpuMs(pid: number): number | null {
  return statCpuMs(pid, 13);
}

/** Resident set size of a process (Linux /proc/PID/status), in bytes. */
export interface ProcessMemory {
  /** VmRSS: resident now */
  rssBytes: number;
  /** VmHWM: the highest RSS the process ever had */
  peakRssBytes: number;
}

/** VmRSS and VmHWM of one process; null when it is gone or /proc is missing. */
export function processMemory(pid: number): ProcessMemory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    const memory = { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
    return Number.isNaN(memory.rssBytes) ? null : memory;
  } catch {
    return null;
  }
}

/**
 * {@link processMemory}, or a throw where it cannot be read: a memory
 * benchmark must not judge its target on a figure it never had.
 */
export function requireMemory(pid: number): ProcessMemory {
  const memory = processMemory(pid);
  if (!memory) throw new Error(`cannot read the memory of process ${pid} (/proc/${pid}/status): memory figures need Linux`);
  return memory;
}
