/**
 * A cluster of compiled server processes for bench/cluster.ts (README
 * "Running several nodes"): a fresh PostgreSQL database and Redis prefix of
 * their own, the same key files and admin token on every node.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startServerProcess, type ServerProcess } from '../lib/server.js';
import type { BenchContext } from '../lib/types.js';

/** The PostgreSQL server the benchmark creates its database on (maintenance database URL). */
const POSTGRES_URL = process.env.BORGQL_BENCH_POSTGRES_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
/** The Redis the nodes share. */
const REDIS_URL = process.env.BORGQL_BENCH_REDIS_URL || 'redis://127.0.0.1:6379';

/** Running nodes and their shared state; `close()` stops them and removes the database and keys. */
export interface BenchCluster {
  nodes: ServerProcess[];
  /** the admin token every node accepts (the nodes' own `token` field is not used) */
  token: string;
  databaseUrl: string;
  /** one statement on the cluster's database */
  sql<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

/** The URL naming `database` on the benchmark's PostgreSQL server. */
function databaseUrlOf(database: string): string {
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function onDatabase<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Starts one node per name (the first alone, so it migrates the new
 * database; the others after it), each with `env` added.
 */
export async function startCluster(ctx: BenchContext, names: string[], env: Record<string, string> = {}): Promise<BenchCluster> {
  const suffix = randomBytes(5).toString('hex');
  const database = `borgql_bench_cluster_${suffix}`;
  const databaseUrl = databaseUrlOf(database);
  const prefix = `${database}:`;
  const token = `bench-${randomBytes(16).toString('hex')}`;
  const secrets = randomBytes(32);
  const download = randomBytes(32);
  await onDatabase(POSTGRES_URL, (client) => client.query(`CREATE DATABASE "${database}"`));
  const nodes: ServerProcess[] = [];
  const close = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await onDatabase(POSTGRES_URL, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    await deleteRedisKeys(prefix);
  };
  try {
    for (const name of names) {
      const dir = path.join(ctx.tmpDir, `node-${name}`);
      // every node needs the same keys (README "The data folder stays")
      mkdirSync(path.join(dir, 'data'), { recursive: true, mode: 0o700 });
      writeFileSync(path.join(dir, 'data', 'secrets.key'), secrets, { mode: 0o600 });
      writeFileSync(path.join(dir, 'data', 'download-token.key'), download, { mode: 0o600 });
      const nodeEnv = {
        DATABASE_URL: databaseUrl,
        REDIS_URL,
        BORGQL_REDIS_PREFIX: prefix,
        BORGQL_NODE_NAME: name,
        BORGQL_ADMIN_TOKEN: token,
        ...env,
      };
      nodes.push(await startServerProcess({ rootDir: ctx.rootDir, dir, env: nodeEnv, startTimeoutMs: 60_000 }));
    }
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return {
    nodes,
    token,
    databaseUrl,
    sql: <R extends pg.QueryResultRow>(text: string, params: unknown[] = []) =>
      onDatabase(databaseUrl, async (client) => (await client.query<R>(text, params)).rows),
    close,
  };
}
