import type { Config } from '../config.js';
import type { PrismaClient } from '../db/client.js';
import type { ClusterBus } from '../events/cluster-bus.js';
import type { JobEvents } from '../jobs/job-events.js';
import type { JobManager } from '../jobs/manager.js';
import type { JobCluster } from '../jobs/remote-cancel.js';
import type { LogStore } from '../logs/log-store.js';
import { JobClaimer } from './job-claimer.js';
import { LeaseSweeper } from './lease-sweeper.js';
import { NodeRegistry } from './node-registry.js';
import { adoptRepositories } from './repository-adoption.js';

export interface ClusterDeps {
  config: Pick<Config, 'nodeName' | 'nodeLeaseSeconds' | 'databaseFile'>;
  prisma: PrismaClient;
  bus: ClusterBus;
  logs: LogStore;
  events: JobEvents;
  warn: (message: string, error?: unknown) => void;
  /** how often the claimer polls (default 2000 ms) */
  claimIntervalMs?: number;
}

/** This node's part in the cluster (DESIGN "Scale-out"), in the order the services start and stop it. */
export interface Cluster {
  registry: NodeRegistry;
  /** what the job manager needs of the cluster */
  jobCluster: JobCluster;
  /** whether this node is on PostgreSQL (SQLite: the only node, which recovers every job) */
  postgres: boolean;
  /** Registers the node and adopts its repositories: before crash recovery, which then knows what is its own. */
  join(): Promise<void>;
  /** Starts the lease sweep and the pick-up of jobs and cancels from other nodes: after recovery; on PostgreSQL only. */
  startWork(jobs: JobManager): void;
  /** Stops the sweep and the pick-up: before the jobs are stopped. */
  stopWork(): Promise<void>;
  /** Marks the node gone: after its jobs stopped, so no other node ends them meanwhile. */
  leave(): Promise<void>;
}

/** Builds this node's cluster parts; nothing runs until join(). */
export function createCluster(deps: ClusterDeps): Cluster {
  const { config, prisma, bus } = deps;
  const postgres = config.databaseFile === null;
  const registry = new NodeRegistry(prisma, { nodeName: config.nodeName, leaseSeconds: config.nodeLeaseSeconds, warn: deps.warn });
  const jobCluster: JobCluster = {
    nodeName: config.nodeName,
    postgres,
    send: (message) => bus.send(message),
    isAlive: (node) => registry.isAlive(node),
  };
  let claimer: JobClaimer | undefined;
  let sweeper: LeaseSweeper | undefined;
  return {
    registry,
    jobCluster,
    postgres,
    async join() {
      await registry.start();
      await adoptRepositories(prisma, config.nodeName, postgres);
    },
    startWork(jobs) {
      // On SQLite this process is the only node: the data folder's lock refuses a second server, join() adopted
      // every repository and recovery took every job, so there is no other node to sweep or take work from, and
      // the local bus loses no message. The pick-up's poll cost 3 queries every 2 s for good (~10 ms of CPU each
      // on a 2-core VM), and a request that arrived meanwhile waited for it.
      if (!postgres) return;
      sweeper = new LeaseSweeper({ ...deps, registry, intervalMs: (config.nodeLeaseSeconds * 1000) / 3 });
      claimer = new JobClaimer({ prisma, jobs, bus, warn: deps.warn, intervalMs: deps.claimIntervalMs });
      sweeper.start();
      claimer.start();
    },
    async stopWork() {
      await Promise.all([claimer?.stop(), sweeper?.stop()]);
    },
    async leave() {
      await registry.stop();
    },
  };
}
