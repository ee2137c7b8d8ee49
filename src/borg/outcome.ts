import { constants } from 'node:os';
import type { BorgEvent } from './events.js';

/**
 * How a borg run ended, with a one-line `message` a person can act on.
 * borg 1.2 exit codes: 0 ok, 1 warning, 2 error, 128+N killed by signal N.
 */
export type BorgOutcome =
  | { kind: 'success'; exitCode: 0; message: string }
  | { kind: 'warning'; exitCode: 1; warnings: number; message: string }
  | { kind: 'error'; exitCode: number | null; msgid: string | null; message: string }
  | { kind: 'signalled'; exitCode: number | null; signal: string; message: string };

/** Thrown by the one-shot helpers (`runBorgJson`) when borg did not succeed. */
export class BorgCommandError extends Error {
  override name = 'BorgCommandError';
  readonly msgid: string | null;
  readonly exitCode: number | null;
  readonly outcome: BorgOutcome;
  constructor(outcome: BorgOutcome) {
    super(outcome.message);
    this.outcome = outcome;
    this.exitCode = outcome.exitCode;
    this.msgid = outcome.kind === 'error' ? outcome.msgid : null;
  }
}

/** Plain-language cause per borg msgid; borg's own text follows in parentheses. */
const EXPLAIN: Record<string, string> = {
  PassphraseWrong: 'wrong passphrase',
  NoPassphraseFailure: 'the repository is encrypted and no passphrase is configured',
  PasscommandFailure: "the repository's passcommand failed",
  'Repository.DoesNotExist': 'repository does not exist',
  'Repository.InvalidRepository': 'not a borg repository',
  'Repository.AlreadyExists': 'a repository already exists at this path',
  'Repository.CheckNeeded': 'repository needs `borg check`',
  'Repository.ParentPathDoesNotExist': 'the parent directory of the repository does not exist',
  LockTimeout: 'repository is locked by another borg process (if none is running, break the lock)',
  LockFailed: 'could not lock the repository',
  'Archive.AlreadyExists': 'an archive with this name already exists',
  'Archive.DoesNotExist': 'archive does not exist',
  'Cache.CacheInitAbortedError': 'borg refused to use an unknown unencrypted repository',
  'Cache.EncryptionMethodMismatch': 'repository encryption changed since this host last used it',
  'Cache.RepositoryAccessAborted': 'borg refused to access a relocated repository',
  'Cache.RepositoryIDNotUnique': 'a different repository was found at this location',
  ConnectionClosed: 'connection to the remote repository closed',
  ConnectionClosedWithHint: 'connection to the remote repository closed',
};

/** msgids of a lock borg could not take: another process holds it, or a stale one was left (breaking it may help). */
const LOCK_FAILURES = ['LockTimeout', 'LockFailed'];

/**
 * Whether an error message of {@link FailureCollector} says borg could not
 * take the repository's lock: such messages start with the msgid
 * (`LockTimeout: …`), as every message of an error with a msgid does.
 */
export function isLockFailureMessage(message: string): boolean {
  return LOCK_FAILURES.some((msgid) => message.startsWith(`${msgid}: `));
}

const MAX_TEXT_LINES = 8;
const MAX_ERRORS = 4;
const MAX_CHARS = 500;
const clip = (s: string): string => (s.length > MAX_CHARS ? `${s.slice(0, MAX_CHARS)}…` : s);
/** Lines borg logs when it is interrupted; the exit code alone (2) cannot tell a cancel from a failure. */
const INTERRUPT = /^(Got Ctrl-C \/ SIGINT\.|Keyboard interrupt)$/;

/**
 * Watches a run's events and remembers just enough to explain its end:
 * the first error carrying a msgid, the last few error texts, a warning
 * count, the first warning, and the last few plain-text lines (argparse
 * errors are not JSON). Memory is bounded whatever the run prints.
 */
export class FailureCollector {
  private primary: { msgid: string; message: string } | null = null;
  private errors: string[] = [];
  private exceptionLine: string | null = null;
  private interruptedBy: string | null = null;
  private noSpace = false;
  private warnings = 0;
  private firstWarning: string | null = null;
  private text: string[] = [];

  /** Feed every event of the run, in order. */
  observe(event: BorgEvent): void {
    if (event.type === 'text') {
      if (!event.line.trim()) return;
      this.text.push(clip(event.line));
      if (this.text.length > MAX_TEXT_LINES) this.text.shift();
      return;
    }
    if (event.type !== 'log_message') return;
    const { level, msgid, message } = event;
    if (level === 'WARNING') {
      this.warnings++;
      this.firstWarning ??= clip(message);
      if (message.includes('[Errno 28]')) this.noSpace = true;
      return;
    }
    if (level !== 'ERROR' && level !== 'CRITICAL') return;
    if (msgid?.startsWith('Signal.')) this.interruptedBy = msgid.slice('Signal.'.length);
    else if (!msgid && INTERRUPT.test(message)) this.interruptedBy = 'SIGINT';
    if (message.startsWith('Traceback')) {
      // Keep only the exception line ("OSError: [Errno 28] …"), never the stack.
      this.exceptionLine = lastExceptionLine(message);
      if (this.exceptionLine?.includes('[Errno 28]')) this.noSpace = true;
      return;
    }
    if (msgid && !this.primary) this.primary = { msgid, message: clip(message) };
    else {
      this.errors.push(clip(message));
      if (this.errors.length > MAX_ERRORS) this.errors.shift();
    }
  }

  /** Number of WARNING log lines seen so far. */
  get warningCount(): number {
    return this.warnings;
  }

  /**
   * Classifies the run. `signal` is the name Node reports when borg died from
   * a signal it did not handle (SIGKILL); `spawnError` is set when borg never
   * started (already worded for people, see process.ts).
   */
  outcome(exitCode: number | null, signal: string | null, spawnError?: string | null): BorgOutcome {
    if (spawnError) return { kind: 'error', exitCode: null, msgid: null, message: spawnError };
    if (signal) return signalled(exitCode, signal);
    if (exitCode !== null && exitCode < 0) return signalled(exitCode, signalName(-exitCode));
    if (exitCode !== null && exitCode >= 128) return signalled(exitCode, signalName(exitCode - 128));
    if (exitCode === 0) return { kind: 'success', exitCode: 0, message: 'borg finished successfully' };
    if (exitCode === 1) {
      const n = this.warnings;
      const first = this.firstWarning ? ` (first: ${this.firstWarning})` : '';
      return { kind: 'warning', exitCode: 1, warnings: n, message: `borg finished with ${n} warning${n === 1 ? '' : 's'}${first}` };
    }
    // A single SIGINT makes borg save a checkpoint and exit 2 with "Got Ctrl-C / SIGINT.".
    if (this.interruptedBy) return signalled(exitCode, this.interruptedBy);
    return { kind: 'error', exitCode, msgid: this.primary?.msgid ?? null, message: this.errorMessage(exitCode) };
  }

  private errorMessage(exitCode: number | null): string {
    const p = this.primary;
    if (p?.msgid === 'Exception') {
      if (this.noSpace) return `Exception: No space left on device (borg: ${p.message}${this.exceptionLine ? `; ${this.exceptionLine}` : ''})`;
      return `Exception: borg failed with an internal error (${p.message}${this.exceptionLine ? `: ${this.exceptionLine}` : ''})`;
    }
    if (p) {
      const why = EXPLAIN[p.msgid];
      return why ? `${p.msgid}: ${why} (${p.message})` : `${p.msgid}: ${p.message}`;
    }
    const usage = this.text.findLast((l) => /^borg( [\w-]+)?: error: /.test(l));
    if (usage) return `invalid borg arguments: ${usage.replace(/^borg( [\w-]+)?: error: /, '')}`;
    if (this.errors.length > 0) return this.errors.join('; ');
    const tail = this.text.length > 0 ? `: ${this.text.slice(-3).join(' | ')}` : '';
    return `borg exited with code ${exitCode ?? 'unknown'}${tail}`;
  }
}

function signalled(exitCode: number | null, signal: string): BorgOutcome {
  return { kind: 'signalled', exitCode, signal, message: `borg was stopped by ${signal}` };
}

function signalName(n: number): string {
  const found = Object.entries(constants.signals).find(([, v]) => v === n);
  return found ? found[0] : `signal ${n}`;
}

/** Last "SomeError: text" line of a Python traceback (before borg's Platform: footer). */
function lastExceptionLine(traceback: string): string | null {
  const body = traceback.split('\n\nPlatform:')[0] ?? traceback;
  const line = body
    .split('\n')
    .reverse()
    .find((l) => /^[A-Za-z_][\w.]*(: |$)/.test(l) && !l.startsWith('Traceback'));
  return line ? clip(line) : null;
}
