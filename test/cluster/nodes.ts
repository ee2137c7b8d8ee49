// Nodes of one cluster in this process (README "Running several nodes"):
// each a createServices of its own, with its own node name, on one
// PostgreSQL database made for the test file and dropped after it. REDIS_URL
// is set so nodes may run side by side, but the bus stays local until the
// Redis transport is wired: what crosses nodes here crosses through the
// database (the claimer's and the canceller's polls), which is what a node
// must manage with when Redis is down. borg is the stand-in
// (bench/borg-standin.mjs) whose pace a test sets.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { createPrismaClient, type PrismaClient, type Repository } from '../../src/db/client.js';
import { isTerminal } from '../../src/domain/job-status.js';
import type { RecoveryReport } from '../../src/jobs/recovery.js';
import { createServices, type ComposedServices } from '../../src/services.js';
import { STANDIN_BIN, type StandinSettings } from '../../bench/lib/standin.js';
import { createTestDatabase, dropTestDatabase } from '../helpers/test-database.js';

/** A short backup that ends by itself. */
export const QUICK: StandinSettings = { intervalMs: [5, 10], durationMs: 150, fileStatusPerTick: [1, 1], bytesPerTick: 100_000, goFile: null };
/** A backup that runs until it is stopped (10 minutes). */
export const ENDLESS: StandinSettings = { intervalMs: [50, 50], durationMs: 600_000, fileStatusPerTick: [1, 1], bytesPerTick: 1000, goFile: null };

/** A RUNNING job of `node` on a repository, written straight into the database: what a node leaves behind when it dies mid-backup. */
export function insertRunningJob(prisma: PrismaClient, repository: Pick<Repository, 'id' | 'path'>, node: string) {
  return prisma.backupJob.create({
    data: { repositoryId: repository.id, repositoryPath: repository.path, status: 'RUNNING', node, runningRepositoryId: repository.id, startedAt: new Date() },
  });
}

export interface TestNode extends ComposedServices {
  name: string;
  config: Config;
  /** what its start-up recovery did */
  report: RecoveryReport;
  stop(): Promise<void>;
}

/** A cluster's database and data folder for one test file; `remove()` after all. */
export async function testCluster(prefix: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `borgql-${prefix}-`));
  const database = await createTestDatabase();
  const nodes: TestNode[] = [];
  // connects at its first query: the nodes migrate the database before any check reads it
  const prisma = await createPrismaClient(database.url);

  /** The environment of a node named `name` (REDIS_URL set unless `redis: false`). */
  function envOf(name: string, options: { redis?: boolean; leaseSeconds?: number } = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      BORGQL_DATA_DIR: path.join(dir, 'data'),
      DATABASE_URL: database.url,
      BORG_BIN: STANDIN_BIN,
      BORGQL_NODE_NAME: name,
      BORGQL_NODE_LEASE_SECONDS: String(options.leaseSeconds ?? 3),
      REDIS_URL: options.redis === false ? '' : 'redis://127.0.0.1:6379',
      BORGQL_REDIS_PREFIX: `borgql-test-${randomBytes(4).toString('hex')}`,
    };
  }

  return {
    dir,
    url: database.url,
    envOf,
    /** Prisma on the cluster's database, for set-up and checks. */
    prisma,
    /** Starts a node (services and their lifecycle) named `name`. */
    async node(name: string, options: { redis?: boolean; leaseSeconds?: number } = {}): Promise<TestNode> {
      const config = loadConfig(envOf(name, options));
      const warn = (message: string, error?: unknown) => void console.warn(`[${name}] ${message}`, error instanceof Error ? error.message : (error ?? ''));
      const composed = await createServices(config, { warn, info: () => undefined, persistIntervalMs: 50 });
      const report = await composed.lifecycle.start();
      let stopped = false;
      const node: TestNode = {
        ...composed,
        name,
        config,
        report,
        async stop() {
          if (stopped) return;
          stopped = true;
          await composed.lifecycle.stop('the test ended');
          await composed.lifecycle.close();
        },
      };
      nodes.push(node);
      return node;
    },
    /** A repository the stand-in backs up with `settings`, owned by `node`. */
    async repository(name: string, node: string, settings: StandinSettings): Promise<Repository> {
      const sources = path.join(dir, `${name}-sources`);
      const location = path.join(dir, `${name}-repository`);
      mkdirSync(sources, { recursive: true });
      writeFileSync(path.join(sources, 'borg-standin.json'), JSON.stringify(settings));
      mkdirSync(location, { recursive: true });
      writeFileSync(path.join(location, 'borg-standin-repository.json'), JSON.stringify({ id: randomBytes(32).toString('hex'), encryption: 'none' }));
      return this.prisma.repository.create({ data: { name, path: location, sourcePaths: JSON.stringify([sources]), encryption: 'none', node } });
    },
    /** Waits until the job's row satisfies `test` (polls the database every 50 ms, up to 30 s). */
    async until(jobId: number, test: (row: { status: string; node: string | null }) => boolean, what = 'the expected state') {
      for (let waited = 0; waited < 30_000; waited += 50) {
        const row = await this.prisma.backupJob.findUniqueOrThrow({ where: { id: jobId } });
        if (test(row)) return row;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`job ${jobId} did not reach ${what}`);
    },
    ended(jobId: number) {
      return this.until(jobId, (row) => isTerminal(row.status), 'a terminal status');
    },
    async remove() {
      for (const node of nodes) await node.stop().catch(() => undefined);
      await prisma.$disconnect();
      await dropTestDatabase(database.name);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
