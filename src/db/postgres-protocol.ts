import type { MessagePort } from 'node:worker_threads';

/** The messages between {@link SyncPostgres} (src/db/postgres.ts) and its thread (postgres-worker.ts). */

/** One SQL statement with `$1`-style parameters. */
export interface Statement {
  sql: string;
  params?: readonly unknown[];
}

/** Statements for one named connection; `transaction` wraps them in BEGIN/COMMIT (ROLLBACK on error). */
export interface PostgresRequest {
  id: number;
  connection: string;
  statements: readonly Statement[];
  transaction: boolean;
  /** close the connection afterwards (a dedicated one that held a lock) */
  close?: boolean;
}

/** What each statement returned. */
export interface StatementResult {
  rows: Record<string, unknown>[];
  rowCount: number;
}

/** The answer to a request of the same id. */
export type PostgresResponse = { id: number; ok: true; results: StatementResult[] } | { id: number; ok: false; message: string; code: string | undefined };

/** What the thread is started with. */
export interface PostgresWorkerData {
  connectionString: string;
  /** the shared word the thread sets to 1 (and notifies) after each response */
  signal: SharedArrayBuffer;
  port: MessagePort;
}
