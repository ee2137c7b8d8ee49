import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { execa, type ResultPromise } from 'execa';
import type { BorgEvent } from './events.js';
import { BorgCommandError, FailureCollector, type BorgOutcome } from './outcome.js';
import { parseBorgLine } from './parse.js';

/** How to run one borg command. Build `args` and `env` with command.ts. */
export interface BorgProcessOptions {
  /** Executable name or path (BORG_BIN). Never run through a shell. */
  bin: string;
  args: string[];
  /** The complete environment; nothing is inherited beyond it. */
  env: Record<string, string>;
  /**
   * Called synchronously for every non-empty stderr line, in order. Should
   * not throw; if it does, borg keeps running, later lines are still
   * delivered, and the first error is reported as `result.listenerError`
   * (a bug in bookkeeping must not lose the record of a finished backup).
   */
  onEvent?: (event: BorgEvent, rawLine: string) => void;
  /**
   * When set, stdout is not buffered: each line goes here as it arrives
   * (`borg list --json-lines` of a million items), and `result.stdout` is
   * empty. Same rules as onEvent for a throw.
   */
  onStdoutLine?: (line: string) => void;
  cwd?: string;
}

/** How a borg run ended. `stdout` is the whole buffered stdout (the `--json` document). */
export interface BorgRunResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  outcome: BorgOutcome;
  durationMs: number;
  /** The first error thrown by `onEvent`, when one did. */
  listenerError?: unknown;
}

/** A running borg. */
export interface BorgProcess {
  /** undefined when borg could not be started. */
  readonly pid: number | undefined;
  /**
   * Sends a signal to borg's process group (borg and, for ssh repositories,
   * its ssh child). false once borg has exited or could not be signalled.
   */
  signal(name: NodeJS.Signals): boolean;
  /** Resolves after borg exited and every stderr line was delivered. Never rejects. */
  readonly result: Promise<BorgRunResult>;
}

/**
 * Spawns borg. stderr is split into lines as it arrives and never buffered
 * whole (a backup can print millions of file_status lines); stdout is
 * buffered. A missing executable resolves `result` with an error outcome.
 */
export function startBorg(options: BorgProcessOptions): BorgProcess {
  const started = performance.now();
  const collector = new FailureCollector();
  let listenerError: { error: unknown } | null = null;
  const deliver = (line: string): void => {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') return;
    const event = parseBorgLine(line);
    collector.observe(event);
    if (!options.onEvent) return;
    try {
      options.onEvent(event, line);
    } catch (error) {
      listenerError ??= { error };
    }
  };

  const onStdoutLine = options.onStdoutLine;
  const execaOptions = {
    env: options.env,
    extendEnv: false,
    cwd: options.cwd,
    stdin: 'ignore',
    // borg's stdout is one JSON document (or, streamed, JSON lines); stderr is read below, line by line.
    buffer: { stdout: !onStdoutLine, stderr: false },
    stripFinalNewline: false,
    // Own session and process group: a Ctrl-C at the server's terminal does not reach
    // borg (the server decides how to stop it), and signal() can reach borg's ssh child.
    detached: true,
    reject: false,
  } as const;
  let subprocess: ResultPromise<typeof execaOptions>;
  try {
    subprocess = execa(options.bin, options.args, execaOptions);
  } catch (error) {
    // execa throws synchronously only for invalid options; report it like a spawn failure.
    const message = `could not start borg "${options.bin}": ${error instanceof Error ? error.message : String(error)}`;
    const outcome = collector.outcome(null, null, message);
    return { pid: undefined, signal: () => false, result: Promise.resolve({ exitCode: null, signal: null, stdout: '', outcome, durationMs: 0 }) };
  }

  let exited = false;
  subprocess.on('exit', () => {
    exited = true;
  });

  const stdoutDone = onStdoutLine
    ? readLines(subprocess.stdout, (line) => {
        if (line === '') return;
        try {
          onStdoutLine(line);
        } catch (error) {
          listenerError ??= { error };
        }
      })
    : Promise.resolve();
  const stderrDone = readLines(subprocess.stderr, deliver);

  const result = (async (): Promise<BorgRunResult> => {
    let r: Awaited<typeof subprocess>;
    try {
      [r] = await Promise.all([subprocess, stderrDone, stdoutDone]);
    } catch (error) {
      // Not expected with reject: false; kept so `result` keeps its never-rejects promise.
      const outcome = collector.outcome(null, null, `borg run failed: ${error instanceof Error ? error.message : String(error)}`);
      return { exitCode: null, signal: null, stdout: '', outcome, durationMs: Math.round(performance.now() - started) };
    }
    const exitCode = r.exitCode ?? null;
    const signal = r.signal ?? null;
    let spawnError: string | null = null;
    if (subprocess.pid === undefined) spawnError = spawnFailure(options.bin, r.code, r.originalMessage ?? '');
    else if (r.isMaxBuffer) spawnError = `borg "${options.args[0] ?? ''}" printed more stdout than borgql buffers; it was stopped`;
    const outcome = collector.outcome(exitCode, signal, spawnError);
    const stdout = typeof r.stdout === 'string' ? r.stdout : '';
    const run: BorgRunResult = { exitCode, signal, stdout, outcome, durationMs: Math.round(performance.now() - started) };
    if (listenerError) run.listenerError = (listenerError as { error: unknown }).error;
    return run;
  })();

  return {
    pid: subprocess.pid,
    signal(name: NodeJS.Signals): boolean {
      const pid = subprocess.pid;
      // After exit the pid may belong to someone else.
      if (pid === undefined || exited) return false;
      return signalProcessGroup(pid, name);
    },
    result,
  };
}

/**
 * Reads a stream line by line as chunks arrive, never holding more than one
 * partial line; resolves once it ended (or closed or failed: a spawn that
 * failed has no 'end').
 */
function readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const decoder = new StringDecoder('utf8');
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const text = rest + decoder.write(chunk);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        onLine(text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
    });
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      onLine(rest + decoder.end());
      rest = '';
      resolve();
    };
    stream.once('end', finish);
    stream.once('close', finish);
    stream.on('error', finish);
  });
}

/**
 * Sends a signal to the process group a borg was started as the leader of
 * (borg and, for ssh repositories, its ssh child); to the process alone when
 * it has no group. false when neither exists any more. The one place borgql
 * kills borg processes: a running job's (startBorg) and one a dead server
 * left behind (start-up recovery).
 */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      // no group (borgql starts borg detached, so only for a process it did not start)
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

function spawnFailure(bin: string, code: string | undefined, detail: string): string {
  if (code === 'ENOENT') return `borg executable "${bin}" not found (set BORG_BIN or install borgbackup)`;
  if (code === 'EACCES') return `borg executable "${bin}" is not executable (check BORG_BIN and file permissions)`;
  if (code === 'E2BIG') return `could not start borg "${bin}": argument list too long (too many or too long source paths / exclude patterns)`;
  return `could not start borg "${bin}": ${detail || code || 'unknown error'}`;
}

/** Runs borg to completion. Same guarantees as {@link startBorg}. */
export async function runBorg(options: BorgProcessOptions): Promise<BorgRunResult> {
  return startBorg(options).result;
}

/**
 * Runs a one-shot borg command (list, info…) and parses its stdout. Throws
 * BorgCommandError when borg did not finish with success or warning, so the
 * caller gets the msgid (e.g. PassphraseWrong) instead of a JSON error.
 */
export async function runBorgJson<T>(options: BorgProcessOptions, parse: (stdout: string) => T): Promise<T> {
  const { outcome, stdout } = await runBorg(options);
  if (outcome.kind !== 'success' && outcome.kind !== 'warning') throw new BorgCommandError(outcome);
  return parse(stdout);
}
