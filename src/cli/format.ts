import type { JobStatus } from './gql/graphql.js';

/** Bytes in decimal units, like borg's own summaries and the MB/s of progress (10^6). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** Seconds as `1h02m`, `3m05s` or `42s`; `?` while unknown. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** A percent as `NN.N%` (progress stays below 100 until borg is done, so no rounding up to 100). */
export function formatPercent(percent: number): string {
  return `${(Math.floor(percent * 10) / 10).toFixed(1)}%`;
}

/** Statuses after which a job never changes again. */
export function isFinal(status: JobStatus): boolean {
  return status !== 'PENDING' && status !== 'RUNNING';
}

/** borg's exit code convention for a job that ended: 0 completed, 1 with warnings, 2 failed or cancelled. */
export function exitCodeFor(status: JobStatus): number {
  if (status === 'COMPLETED') return 0;
  if (status === 'COMPLETED_WITH_WARNINGS') return 1;
  return 2;
}
