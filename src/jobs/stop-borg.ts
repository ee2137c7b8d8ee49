import { setTimeout as sleep } from 'node:timers/promises';
import type { BorgProcess } from '../borg/index.js';

/** One step of the escalation: send `signal`, then wait up to `waitMs` for borg to exit. */
export interface StopStep {
  signal: NodeJS.Signals;
  waitMs: number;
}

/**
 * How a cancel stops borg (docs/borg.md "Signals"): SIGINT lets borg write a
 * checkpoint but it finishes the current file first (seconds on big files); a second SIGINT
 * exits in ~0.1 s keeping that checkpoint; SIGTERM, then SIGKILL, are the
 * backstops. Each wait is bounded, so a stop takes at most ~14 s.
 */
export const DEFAULT_STOP_STEPS: readonly StopStep[] = [
  { signal: 'SIGINT', waitMs: 3000 },
  { signal: 'SIGINT', waitMs: 5000 },
  { signal: 'SIGTERM', waitMs: 5000 },
  { signal: 'SIGKILL', waitMs: 5000 },
];

/**
 * Signals borg step by step until it exits. Resolves with whether any signal
 * was delivered (false when borg had already exited).
 */
export async function stopBorg(borg: BorgProcess, note: (message: string) => void, steps: readonly StopStep[] = DEFAULT_STOP_STEPS): Promise<boolean> {
  let exited = false;
  const exit = borg.result.then(() => {
    exited = true;
  });
  let delivered = false;
  for (const step of steps) {
    if (exited) break;
    if (!borg.signal(step.signal)) break;
    delivered = true;
    note(`sent ${step.signal} to borg (pid ${borg.pid})`);
    const timer = new AbortController();
    await Promise.race([exit, sleep(step.waitMs, undefined, { signal: timer.signal }).catch(() => undefined)]);
    timer.abort();
  }
  await Promise.race([exit, sleep(1000)]);
  return delivered;
}
