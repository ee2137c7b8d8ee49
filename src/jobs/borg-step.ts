import { startBorg, type BorgProcessOptions, type BorgRunResult } from '../borg/index.js';
import { DEFAULT_STOP_STEPS, stopBorg, type StopStep } from './stop-borg.js';

/** How a step reports its stop escalation. */
export interface BorgStepOptions {
  /** where each signal sent is noted ("sent SIGINT to borg (pid 42)") */
  note: (message: string) => void;
  /** the escalation (default DEFAULT_STOP_STEPS) */
  stopSteps?: readonly StopStep[];
}

/** How a step's borg ended. */
export interface BorgStepResult extends BorgRunResult {
  /** whether a stop signal reached borg because the step's signal aborted */
  stopped: boolean;
}

/** A started borg step. */
export interface BorgStep {
  /** undefined when borg could not be started */
  readonly pid: number | undefined;
  /** resolves once borg exited and the stop escalation, if one ran, ended; never rejects */
  readonly result: Promise<BorgStepResult>;
}

/**
 * Runs one borg invocation under `signal`, whatever the command (create,
 * prune, compact, and later extract or check): when the signal aborts while
 * borg runs, borg is stopped through the escalation of stop-borg.ts
 * (docs/borg.md "Signals"). A step whose signal aborted already starts
 * nothing: null. Callers decide what an aborted step means for their job;
 * the signal's reason says why it stopped.
 */
export function startBorgStep(signal: AbortSignal, invocation: BorgProcessOptions, options: BorgStepOptions): BorgStep | null {
  if (signal.aborted) return null;
  const borg = startBorg(invocation);
  let stopping: Promise<boolean> = Promise.resolve(false);
  const stop = () => {
    stopping = stopBorg(borg, options.note, options.stopSteps ?? DEFAULT_STOP_STEPS);
  };
  signal.addEventListener('abort', stop, { once: true });
  const result = borg.result.then(async (run): Promise<BorgStepResult> => {
    signal.removeEventListener('abort', stop);
    return { ...run, stopped: await stopping };
  });
  return { pid: borg.pid, result };
}
