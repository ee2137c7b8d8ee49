// Several real borgql server processes as one cluster (README "Running
// several nodes"): one fresh PostgreSQL database and one Redis key prefix per
// test file, a data folder per node holding the same secrets.key and
// download-token.key, a short lease so a dead node is noticed within seconds.
// Nodes run from the TypeScript sources, as the other child-server tests do.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { DOWNLOAD_KEY_FILE } from '../../src/auth/download-tokens.js';
import { SECRETS_KEY_FILE } from '../../src/db/secrets-at-rest.js';
import { SECRET_KEY_BYTES } from '../../src/secrets/secret-box.js';
import { runServerToExit, spawnServer, type ChildServer } from './child-server.js';
import { gql, gqlRaw, wsClient, type GraphQLResponse, type Operation } from './graphql.js';
import { killProcessTree, processTree } from './process-tree.js';
import { rest, type RestResponse } from './rest.js';
import { tempDir } from './server.js';
import { createTestDatabase, dropTestDatabase } from './test-database.js';

/** How long a node may take to print its listening line: several nodes compile through tsx at once, on a busy machine. */
const NODE_START_TIMEOUT_MS = 180_000;

/** The Redis the cluster tests use (a local service; BORGQL_TEST_REDIS_URL names another). */
export const TEST_REDIS_URL = process.env.BORGQL_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** The lease of test nodes: short, so a killed node is declared dead within seconds. */
export const TEST_LEASE_SECONDS = 3;

/** One node of a test cluster: its server process (when running) and clients of it. */
export interface ClusterNode {
  readonly name: string;
  readonly dataDir: string;
  /** the running process; throws when the node is not running */
  readonly server: ChildServer;
  readonly running: boolean;
  readonly graphqlUrl: string;
  readonly url: string;
  /** a graphql-ws client of this node as the test admin (lazy; replaced on restart) */
  readonly ws: Client;
  gql<T = Record<string, any>, V = Record<string, unknown>>(query: Operation<T, V>, variables?: V): Promise<T>;
  gqlRaw<T = Record<string, any>, V = Record<string, unknown>>(query: Operation<T, V>, variables?: V): Promise<{ status: number; body: GraphQLResponse<T> }>;
  rest<T = any>(method: string, route: string, options?: Parameters<typeof rest>[3]): Promise<RestResponse<T>>;
  /** Starts the node (again), with `env` added to the cluster's environment of it. */
  start(env?: Record<string, string>): Promise<void>;
  /** kill -9 of the node and of every process it started (its borg runs): the host died. */
  kill(): Promise<void>;
  /** SIGTERM (the node stops its borg runs), SIGKILL of what is left after the grace time. */
  stop(): Promise<void>;
}

/** A cluster for the tests of one file; nodes start in `beforeAll` and everything goes in `afterAll`. */
export interface ClusterSetup {
  /** the file's temp folder (sources, repositories, the nodes' data folders) */
  dir: string;
  databaseUrl: string;
  redisPrefix: string;
  node(name: string): ClusterNode;
  /** The environment the cluster gives node `name` (for starts that must fail). */
  nodeEnv(name: string): Record<string, string>;
  /**
   * Starts a process named `name` that must not start, in a data folder of
   * its own (with the cluster's keys): resolves with its exit code and
   * output; `"listening"` when it started anyway (see runServerToExit).
   */
  startToExit(name: string, env?: Record<string, string>): Promise<{ code: number | string; output: string }>;
  /** Runs one statement on the cluster's database (checks the API does not offer). */
  sql<R extends pg.QueryResultRow = Record<string, any>>(text: string, params?: unknown[]): Promise<R[]>;
}

/** Options of {@link useCluster}. */
export interface ClusterOptions {
  /** node names, started in this order (the first alone, so it migrates; the others together) */
  nodes?: string[];
  /** added to every node's environment (e.g. BORG_BIN) */
  env?: Record<string, string>;
}

/** Returns a function that writes the same key files into a data folder (README "The data folder stays": every node needs them). */
function sharedKeys(): (dataDir: string) => void {
  const secrets = randomBytes(SECRET_KEY_BYTES);
  const download = randomBytes(32);
  return (dataDir) => {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(dataDir, SECRETS_KEY_FILE), secrets, { mode: 0o600 });
    writeFileSync(path.join(dataDir, DOWNLOAD_KEY_FILE), download, { mode: 0o600 });
  };
}

/** Deletes every Redis key under `prefix` (the transport may keep some beside its channels). */
async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
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
 * Starts a cluster of real server processes for the tests of the enclosing
 * describe block (or file): call it before the block's own hooks.
 */
export function useCluster(name: string, options: ClusterOptions = {}): ClusterSetup {
  const names = options.nodes ?? ['A', 'B'];
  const tmp = tempDir(`cluster-${name}`);
  const suffix = randomBytes(5).toString('hex');
  const databaseName = `borgql_cluster_${suffix}`;
  // the URL is known before the database exists: the nodes get it once beforeAll created it
  const databaseUrl = `postgresql://postgres@127.0.0.1:5432/${databaseName}`;
  const redisPrefix = `borgql_cluster_${suffix}:`;
  const dataDirOf = (node: string) => path.join(tmp.dir, 'nodes', node, 'data');
  const nodeEnv = (node: string): Record<string, string> => ({
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    BORGQL_REDIS_PREFIX: redisPrefix,
    BORGQL_NODE_NAME: node,
    BORGQL_NODE_LEASE_SECONDS: String(TEST_LEASE_SECONDS),
    ...options.env,
  });
  const nodes = new Map(names.map((node) => [node, clusterNode(node, dataDirOf(node), () => nodeEnv(node))]));
  let created = false;
  const writeKeys = sharedKeys();
  let extraStarts = 0;

  beforeAll(async () => {
    names.map(dataDirOf).forEach(writeKeys);
    await createTestDatabase(databaseName);
    created = true;
    const [first, ...others] = [...nodes.values()];
    await first?.start();
    await Promise.all(others.map((node) => node.start()));
  }, 400_000);
  afterAll(async () => {
    const failures: unknown[] = [];
    const attempt = async (step: () => Promise<unknown>) => step().catch((error: unknown) => failures.push(error));
    await Promise.all([...nodes.values()].map((node) => attempt(() => node.stop())));
    if (created) await attempt(() => dropTestDatabase(databaseName));
    await attempt(() => deleteRedisKeys(redisPrefix));
    tmp.cleanup();
    if (failures.length > 0) throw failures[0];
  }, 120_000);

  return {
    dir: tmp.dir,
    databaseUrl,
    redisPrefix,
    node(node) {
      const found = nodes.get(node);
      if (!found) throw new Error(`no node ${node} in this cluster (${names.join(', ')})`);
      return found;
    },
    nodeEnv,
    startToExit: (node, env = {}) => {
      const dataDir = path.join(tmp.dir, 'nodes', `${node}-extra-${++extraStarts}`, 'data');
      writeKeys(dataDir);
      return runServerToExit(dataDir, { ...nodeEnv(node), ...env });
    },
    async sql(text, params = []) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        return (await client.query(text, params)).rows;
      } finally {
        await client.end();
      }
    },
  };
}

/** One node's process and clients; `env()` is the cluster's environment of it. */
function clusterNode(name: string, dataDir: string, env: () => Record<string, string>): ClusterNode {
  let server: ChildServer | undefined;
  let client: Client | undefined;
  const current = (): ChildServer => {
    if (!server) throw new Error(`node ${name} is not running`);
    return server;
  };
  const forget = async () => {
    await client?.dispose();
    client = undefined;
    server = undefined;
  };
  return {
    name,
    dataDir,
    get server() {
      return current();
    },
    get running() {
      return server !== undefined && server.child.exitCode === null && server.child.signalCode === null;
    },
    get graphqlUrl() {
      return current().graphqlUrl;
    },
    get url() {
      return current().url;
    },
    get ws() {
      client ??= wsClient(current().wsUrl);
      return client;
    },
    gql: (query, variables) => gql(current().graphqlUrl, query, variables),
    gqlRaw: (query, variables) => gqlRaw(current().graphqlUrl, query, variables),
    rest: (method, route, options) => rest(current().url, method, route, options),
    async start(extra = {}) {
      if (server) throw new Error(`node ${name} runs already`);
      server = await spawnServer(dataDir, { ...env(), ...extra }, undefined, undefined, NODE_START_TIMEOUT_MS);
    },
    async kill() {
      const running = current();
      // its borg runs lead process groups of their own: found before the node dies, while they are still its children
      const tree = processTree(running.child.pid as number);
      running.child.kill('SIGKILL');
      await running.exited;
      killProcessTree(tree.slice(1));
      await forget();
    },
    async stop() {
      if (!server) return;
      const running = server;
      const tree = processTree(running.child.pid as number);
      await running.stop(20_000);
      // a node that did not stop its borg in time: nothing of this test may outlive it
      killProcessTree(tree.slice(1));
      await forget();
    },
  };
}
