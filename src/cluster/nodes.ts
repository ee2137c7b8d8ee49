import { createRequire } from 'node:module';
import type { PrismaClient } from '../db/client.js';
import { JobStatus } from '../domain/job-status.js';

const { version: OWN_VERSION } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** A node of the cluster as `Query.nodes` shows it. */
export interface NodeInfo {
  name: string;
  /** the borgql version the node runs */
  version: string;
  startedAt: Date;
  /** when the node last renewed its lease */
  lastSeenAt: Date;
  /** lastSeenAt + its lease is still ahead: a dead node's jobs are ended by the others */
  alive: boolean;
  /** jobs RUNNING on it now */
  runningJobs: number;
}

/** This node, as the directory knows it without the table. */
export interface OwnNode {
  nodeName: string;
  /** when this process started (default: when the directory was made) */
  startedAt?: Date;
}

/**
 * Reads the nodes of the cluster from the ClusterNode table (written by the
 * node registry, each node renewing its own lease row). This node is always
 * listed, alive: a server alone (SQLite, or before its first lease write)
 * has no row, and it is a node all the same.
 */
export class NodeDirectory {
  readonly #self: Required<OwnNode>;

  constructor(
    private readonly prisma: PrismaClient,
    self: OwnNode,
  ) {
    this.#self = { startedAt: new Date(), ...self };
  }

  /** This node's name (BORGQL_NODE_NAME). */
  get nodeName(): string {
    return this.#self.nodeName;
  }

  /** Every node, by name, with whether it is alive and how many jobs run on it. */
  async list(now = new Date()): Promise<NodeInfo[]> {
    const rows = await this.prisma.clusterNode.findMany({ orderBy: { name: 'asc' } });
    const nodes = rows.map((row) => ({
      name: row.name,
      version: row.version,
      startedAt: row.startedAt,
      lastSeenAt: row.lastSeenAt,
      alive: row.name === this.nodeName || isAlive(row, now),
    }));
    if (!nodes.some((node) => node.name === this.nodeName)) {
      nodes.push({ name: this.nodeName, version: OWN_VERSION, startedAt: this.#self.startedAt, lastSeenAt: now, alive: true });
      nodes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    return Promise.all(nodes.map(async (node) => ({ ...node, runningJobs: await this.#runningOn(node.name) })));
  }

  /** Whether `name` is a node of the cluster (this one, or a row of the table, alive or not). */
  async knows(name: string): Promise<boolean> {
    if (name === this.nodeName) return true;
    return (await this.prisma.clusterNode.count({ where: { name } })) > 0;
  }

  /** Whether `name` is this node or a node whose lease has not expired. */
  async isAlive(name: string, now = new Date()): Promise<boolean> {
    if (name === this.nodeName) return true;
    const row = await this.prisma.clusterNode.findUnique({ where: { name } });
    return row !== null && isAlive(row, now);
  }

  /**
   * Jobs RUNNING on a node: claimed by it (BackupJob.node), or, for a job
   * claimed before claims recorded their node (node null), run by its
   * repository's node ("" is a repository no node adopted yet: this node's).
   */
  #runningOn(name: string): Promise<number> {
    const repositoryNodes = name === this.nodeName ? [name, ''] : [name];
    return this.prisma.backupJob.count({
      where: { status: JobStatus.RUNNING, OR: [{ node: name }, { node: null, repository: { node: { in: repositoryNodes } } }] },
    });
  }
}

function isAlive(row: { lastSeenAt: Date; leaseSeconds: number }, now: Date): boolean {
  return row.lastSeenAt.getTime() + row.leaseSeconds * 1000 > now.getTime();
}
