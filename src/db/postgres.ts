import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { startModuleWorker } from './worker-thread.js';
import type { PostgresRequest, PostgresResponse, PostgresWorkerData, Statement, StatementResult } from './postgres-protocol.js';

export type { Statement, StatementResult } from './postgres-protocol.js';

/** A statement PostgreSQL refused, or a connection that failed; `code` is PostgreSQL's SQLSTATE or Node's errno name. */
export class PostgresError extends Error {
  override name = 'PostgresError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** How long a caller waits for an answer by default (pg gives up connecting after 5 s). */
const DEFAULT_WAIT_MS = 30_000;

/**
 * PostgreSQL with the synchronous shape of better-sqlite3, for the parts of
 * borgql built on it: the start-up steps (migrations, the one-server lock,
 * secrets at rest) and the log store, whose reads and writes are synchronous
 * so that a jobLogs subscriber goes from replay to live lines within one
 * turn of the event loop (src/schema/log-follower.ts). A worker thread runs
 * `pg`; the caller blocks on a shared word until the thread answers. Each
 * call is one round trip whatever its number of statements, and a
 * `transaction` runs its statements between BEGIN and COMMIT in that trip.
 *
 * Connections are named: `main` for ordinary statements; a lock that lives
 * as long as its session (pg_advisory_lock) takes a connection of its own.
 */
export class SyncPostgres {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #flag: Int32Array;
  #nextId = 0;
  #closed = false;

  constructor(connectionString: string) {
    const signal = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const data: PostgresWorkerData = { connectionString, signal, port: port2 };
    this.#worker = startModuleWorker(import.meta.url, 'postgres-worker', { workerData: data, transferList: [port2] });
    // the thread must not keep a server that is done from exiting
    this.#worker.unref();
    this.#port = port1;
    this.#flag = new Int32Array(signal);
  }

  /** The rows of one statement. */
  query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): T[] {
    return this.batch([{ sql, params }])[0]!.rows as T[];
  }

  /** Rows changed by one statement. */
  execute(sql: string, params: readonly unknown[] = []): number {
    return this.batch([{ sql, params }])[0]!.rowCount;
  }

  /** Statements on `connection`, in one round trip; in one transaction when asked. */
  batch(statements: readonly Statement[], options: { connection?: string; transaction?: boolean; close?: boolean; waitMs?: number } = {}): StatementResult[] {
    if (this.#closed) throw new PostgresError('the PostgreSQL connection is closed', undefined);
    const request: PostgresRequest = {
      id: ++this.#nextId,
      connection: options.connection ?? 'main',
      statements,
      transaction: options.transaction ?? false,
      close: options.close,
    };
    Atomics.store(this.#flag, 0, 0);
    this.#port.postMessage(request);
    const deadline = Date.now() + (options.waitMs ?? DEFAULT_WAIT_MS);
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.#flag, 0, 0, left) === 'timed-out') {
        throw new PostgresError(`PostgreSQL did not answer within ${Math.round((options.waitMs ?? DEFAULT_WAIT_MS) / 1000)} s`, 'ETIMEDOUT');
      }
      Atomics.store(this.#flag, 0, 0);
      // answers to requests that timed out earlier are skipped
      for (let message = receiveMessageOnPort(this.#port); message; message = receiveMessageOnPort(this.#port)) {
        const response = message.message as PostgresResponse;
        if (response.id !== request.id) continue;
        if (!response.ok) throw new PostgresError(response.message, response.code);
        return response.results;
      }
    }
  }

  /** Ends the thread and with it every connection (and the session locks they hold). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#port.close();
    void this.#worker.terminate();
  }
}
