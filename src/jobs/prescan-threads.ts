import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PrescanResult } from './prescan.js';

/** What the pre-scan thread is given. */
export interface PrescanRequest {
  sources: readonly string[];
  excludePatterns: readonly string[];
}

/** What the pre-scan thread answers to one request. */
export type PrescanReply = { result: PrescanResult } | { error: unknown };

/**
 * A worker thread running prescan-worker. Compiled (dist/), it is a plain
 * .js file; from the TypeScript sources (vitest, tsx), the thread first
 * registers tsx's loader, which a worker does not get from vitest.
 */
function startWorker(): Worker {
  if (import.meta.url.endsWith('.js')) return new Worker(new URL('./prescan-worker.js', import.meta.url));
  // tsx's ESM build of its API (the CommonJS one cannot register from an eval'd script)
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const entry = new URL('./prescan-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true });
}

/** How long a thread with nothing to do is kept for the next scan. */
const IDLE_MS = 15_000;

/**
 * The pre-scan threads: a scan runs in a worker thread, because matching a
 * path against a `re:` pattern that backtracks catastrophically, such as
 * `(x+x+)+y` on a long name, takes seconds per file, and on the main thread
 * the server would answer nothing meanwhile. An abort terminates the thread
 * at once, even in the middle of a match.
 *
 * A thread that finished its scan is kept for the next one ({@link IDLE_MS}
 * at most): starting a thread costs about 50–100 ms of CPU, more than
 * scanning a few thousand files, and it was taken from the borg running
 * beside it on every job (BENCHMARKS.md, overhead-incremental). One thread
 * per scan at a time; scans of jobs running at once get a thread each.
 */
export class PrescanThreads {
  readonly #idle: Worker[] = [];
  readonly #idleMs: number;
  #started = 0;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(options: { idleMs?: number } = {}) {
    this.#idleMs = options.idleMs ?? IDLE_MS;
  }

  /** Threads started so far (a reused thread counts once). */
  get started(): number {
    return this.#started;
  }

  /** Threads waiting for a scan now. */
  get idle(): number {
    return this.#idle.length;
  }

  /**
   * Runs a scan in a thread; resolves with null when `signal` aborts (the
   * thread is terminated), rejects when the scan or the thread fails.
   */
  scan(request: PrescanRequest, signal: AbortSignal): Promise<PrescanResult | null> {
    if (signal.aborted) return Promise.resolve(null);
    const worker = this.#take();
    return new Promise((resolve, reject) => {
      const done = () => {
        signal.removeEventListener('abort', stop);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      };
      const stop = () => {
        done();
        void worker.terminate();
        resolve(null);
      };
      const onMessage = (reply: PrescanReply) => {
        done();
        this.#giveBack(worker);
        if ('result' in reply) resolve(reply.result);
        else reject(reply.error instanceof Error ? reply.error : new Error(String(reply.error)));
      };
      const onError = (error: Error) => {
        done();
        void worker.terminate();
        reject(error);
      };
      const onExit = (code: number) => {
        done();
        reject(new Error(`the pre-scan thread exited with code ${code}`));
      };
      signal.addEventListener('abort', stop, { once: true });
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      worker.postMessage(request);
    });
  }

  /** Terminates the idle threads (tests; a stopping server's threads never hold it: they are unref'd). */
  async close(): Promise<void> {
    clearTimeout(this.#idleTimer);
    await Promise.all(this.#idle.splice(0).map((worker) => worker.terminate()));
  }

  #take(): Worker {
    const reused = this.#idle.pop();
    if (this.#idle.length === 0) clearTimeout(this.#idleTimer);
    if (reused) return reused;
    this.#started++;
    const worker = startWorker();
    // a scan never keeps the process alive: the job that wants it does
    worker.unref();
    return worker;
  }

  #giveBack(worker: Worker): void {
    this.#idle.push(worker);
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => void this.close(), this.#idleMs);
    this.#idleTimer.unref();
  }
}

const threads = new PrescanThreads();

/**
 * A job's pre-scan (prescanSources with `excludePatterns`, borg's syntax)
 * in a pre-scan thread ({@link PrescanThreads}); null when `signal` aborted it.
 */
export function prescanInWorker(request: PrescanRequest, signal: AbortSignal): Promise<PrescanResult | null> {
  return threads.scan(request, signal);
}
