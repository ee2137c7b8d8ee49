import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { PrismaClient } from '../db/client.js';

const { version: PACKAGE_VERSION } = createRequire(import.meta.url)('../../package.json') as { version: string };

export interface NodeRegistryOptions {
  nodeName: string;
  leaseSeconds: number;
  /** where a failed renewal is reported (it is retried at the next tick) */
  warn: (message: string, error?: unknown) => void;
  /** the clock (tests) */
  now?: () => Date;
}

/** Whether a node row's lease is live at `now`. A stopped node has leaseSeconds 0: never alive. */
export function leaseIsLive(row: { lastSeenAt: Date; leaseSeconds: number }, now: Date): boolean {
  return row.lastSeenAt.getTime() + row.leaseSeconds * 1000 > now.getTime();
}

/**
 * This node's row in `ClusterNode` (DESIGN "Scale-out", Liveness): written at
 * start with a random instanceId, its lease renewed every third of it, and
 * on a graceful stop marked gone by setting its leaseSeconds to 0 (lastSeenAt
 * keeps the true time it was last seen, and `alive` is false at once, so no
 * node waits a whole lease to end its jobs or to start alone without Redis).
 * The cluster's nodes are read (Query.nodes) through NodeDirectory (nodes.ts).
 * Lease ends are judged on the reader's clock: nodes' clocks are assumed
 * synchronised (NTP) to well under a lease.
 */
export class NodeRegistry {
  readonly instanceId = randomUUID();
  #timer: NodeJS.Timeout | undefined;
  #renewing: Promise<void> = Promise.resolve();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: NodeRegistryOptions,
  ) {}

  get nodeName(): string {
    return this.options.nodeName;
  }

  #now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Registers this node (replacing the row of its previous process) and starts renewing its lease. */
  async start(): Promise<void> {
    const now = this.#now();
    const row = { instanceId: this.instanceId, version: PACKAGE_VERSION, startedAt: now, lastSeenAt: now, leaseSeconds: this.options.leaseSeconds };
    await this.prisma.clusterNode.upsert({ where: { name: this.nodeName }, create: { name: this.nodeName, ...row }, update: row });
    this.#timer = setInterval(() => void this.renew(), (this.options.leaseSeconds * 1000) / 3);
    this.#timer.unref();
  }

  /**
   * Renews the lease now. A renewal that fails (database unreachable) is
   * reported and tried again at the next tick; should the lease expire
   * meanwhile, other nodes end this node's running jobs as FAILED.
   */
  renew(): Promise<void> {
    this.#renewing = this.#renewing.then(async () => {
      try {
        const lastSeenAt = this.#now();
        await this.prisma.clusterNode.upsert({
          where: { name: this.nodeName },
          create: {
            name: this.nodeName,
            instanceId: this.instanceId,
            version: PACKAGE_VERSION,
            startedAt: lastSeenAt,
            lastSeenAt,
            leaseSeconds: this.options.leaseSeconds,
          },
          update: { lastSeenAt, instanceId: this.instanceId, leaseSeconds: this.options.leaseSeconds },
        });
      } catch (error) {
        this.options.warn(`could not renew the lease of node ${this.nodeName}; retrying`, error);
      }
    });
    return this.#renewing;
  }

  /** Stops renewing and marks this node gone (graceful stop); a failed write is reported, and the lease then expires by itself. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#renewing;
    try {
      await this.prisma.clusterNode.updateMany({
        where: { name: this.nodeName, instanceId: this.instanceId },
        data: { lastSeenAt: this.#now(), leaseSeconds: 0 },
      });
    } catch (error) {
      this.options.warn(`could not mark node ${this.nodeName} stopped; its lease expires by itself`, error);
    }
  }

  /** Whether a node's lease is live now; an unknown node is not. This node is, while it runs. */
  async isAlive(name: string): Promise<boolean> {
    if (name === this.nodeName && this.#timer !== undefined) return true;
    const row = await this.prisma.clusterNode.findUnique({ where: { name } });
    return row !== null && leaseIsLive(row, this.#now());
  }
}
