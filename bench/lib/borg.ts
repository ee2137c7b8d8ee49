import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** How a raw borg run went. */
export interface RawBorgRun {
  exitCode: number | null;
  /** wall time from spawn to exit with both pipes drained */
  ms: number;
  stdout: string;
  /** stderr lines read (borg's --log-json stream) */
  stderrLines: number;
  /** the last stderr lines, for error messages */
  stderrTail: string[];
}

/** Raw borgs running now: detached (own process group), so an interrupted bench run must stop them itself. */
const runningBorgs = new Set<ChildProcess>();

/** SIGKILLs the process group of every raw borg still running; for the runner's exit path. */
export function killRawBorgs(): void {
  for (const child of runningBorgs) {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Runs borg the way a minimal real client would, and the way borgql starts
 * it (src/borg/process.ts): stdin closed, its own session and process group
 * (`detached`), stdout buffered, stderr read to the end and split into lines
 * (borgql also parses them: that is part of what the overhead measures).
 * No shell.
 */
export function runBorgRaw(args: string[], env: Record<string, string>, bin = process.env.BORG_BIN || 'borg', cwd?: string): Promise<RawBorgRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(bin, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    runningBorgs.add(child);
    child.once('exit', () => runningBorgs.delete(child));
    const stdout: Buffer[] = [];
    let rest = '';
    let lines = 0;
    const tail: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      lines += parts.length;
      tail.push(...parts.slice(-5));
      tail.splice(0, Math.max(0, tail.length - 5));
    });
    child.once('error', reject);
    // 'close' fires after exit and after both pipes ended: the whole output was read.
    child.once('close', (code) => {
      const ms = performance.now() - started;
      if (rest) {
        lines++;
        tail.push(rest);
      }
      resolve({ exitCode: code, ms, stdout: Buffer.concat(stdout).toString('utf8'), stderrLines: lines, stderrTail: tail.slice(-5) });
    });
  });
}

/** Runs borg (in `cwd`, when given) and throws with its last stderr lines unless it exits 0. */
export async function borgOk(args: string[], env: Record<string, string>, cwd?: string): Promise<RawBorgRun> {
  const run = await runBorgRaw(args, env, undefined, cwd);
  if (run.exitCode !== 0) throw new Error(`borg ${args[0]} exited ${run.exitCode}:\n${run.stderrTail.join('\n')}`);
  return run;
}
