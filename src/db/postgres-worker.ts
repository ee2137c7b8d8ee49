// The thread behind SyncPostgres (src/db/postgres.ts): runs the statements it
// is sent on named pg connections and wakes the waiting caller.
import { workerData } from 'node:worker_threads';
import pg from 'pg';
import type { PostgresRequest, PostgresResponse, PostgresWorkerData } from './postgres-protocol.js';

const { connectionString, signal, port } = workerData as PostgresWorkerData;
const flag = new Int32Array(signal);
const connections = new Map<string, Promise<pg.Client>>();

/**
 * A connection by name, opened on first use; one that failed or ended is
 * opened again on the next request (PostgreSQL lost mid-run: the caller's
 * write fails, its retry finds a new connection once the server is back).
 */
function connection(name: string): Promise<pg.Client> {
  let client = connections.get(name);
  if (!client) {
    const fresh = new pg.Client({ connectionString, connectionTimeoutMillis: 5000, keepAlive: true });
    const opened: Promise<pg.Client> = fresh.connect().then(
      () => fresh,
      (error: unknown) => {
        forget();
        throw error;
      },
    );
    // only this connection's entry: a late error of a lost one must not drop its successor
    const forget = () => {
      if (connections.get(name) === opened) connections.delete(name);
    };
    // a lost connection is dropped (an idle client's error must not kill the thread)
    fresh.on('error', forget);
    fresh.on('end', forget);
    client = opened;
    connections.set(name, client);
  }
  return client;
}

async function run(request: PostgresRequest): Promise<PostgresResponse> {
  let client: pg.Client | undefined;
  try {
    client = await connection(request.connection);
    if (request.transaction) await client.query('BEGIN');
    const results = [];
    for (const { sql, params } of request.statements) {
      const result = await client.query(sql, params as unknown[] | undefined);
      results.push({ rows: result.rows as Record<string, unknown>[], rowCount: result.rowCount ?? 0 });
    }
    if (request.transaction) await client.query('COMMIT');
    return { id: request.id, ok: true, results };
  } catch (error) {
    if (request.transaction) await client?.query('ROLLBACK').catch(() => undefined);
    const code = (error as { code?: unknown }).code;
    return { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error), code: typeof code === 'string' ? code : undefined };
  } finally {
    if (request.close && client) {
      connections.delete(request.connection);
      await client.end().catch(() => undefined);
    }
  }
}

// one request at a time: the caller blocks until its answer
port.on('message', (request: PostgresRequest) => {
  void run(request).then((response) => {
    port.postMessage(response);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
});
