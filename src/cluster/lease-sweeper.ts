import type { PrismaClient } from '../db/client.js';
import { JobStatus } from '../domain/job-status.js';
import { endForeignJob } from '../jobs/foreign-end.js';
import type { JobEvents } from '../jobs/job-events.js';
import type { LogStore } from '../logs/log-store.js';

export interface LeaseSweeperDeps {
  prisma: PrismaClient;
  logs: LogStore;
  events: JobEvents;
  /** this node's name, and whether another node's lease is live (NodeRegistry, NodeDirectory) */
  registry: { readonly nodeName: string; isAlive(name: string): Promise<boolean> };
  /** how often to sweep: a third of the lease */
  intervalMs: number;
  warn: (message: string, error?: unknown) => void;
}

/**
 * Ends the RUNNING jobs of nodes whose lease expired (DESIGN "Scale-out",
 * Liveness): FAILED with "node X stopped answering", a note in the job's
 * log, the job's events once (the update is conditional on RUNNING on that
 * node, so two nodes sweeping at once end it once: foreign-end.ts), and the
 * new state announced. A node that never registered counts as dead too (its
 * row was removed). PENDING jobs of a dead node wait for it: its
 * repositories' data is on its host. Every live node sweeps.
 */
export class LeaseSweeper {
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<number[]> = Promise.resolve([]);

  constructor(private readonly deps: LeaseSweeperDeps) {}

  /** Sweeps now and then every interval until stop(). */
  start(): void {
    const tick = () => void this.sweep().catch((error: unknown) => this.deps.warn('could not end the jobs of stopped nodes; retrying', error));
    this.#timer = setInterval(tick, this.deps.intervalMs);
    this.#timer.unref();
    tick();
  }

  /** Stops sweeping; resolves once a sweep under way is done. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sweeping.catch(() => undefined);
  }

  /** One sweep (one at a time); resolves with the ids of the jobs it ended. */
  sweep(): Promise<number[]> {
    this.#sweeping = this.#sweeping.catch(() => []).then(() => this.#sweep());
    return this.#sweeping;
  }

  async #sweep(): Promise<number[]> {
    const { prisma, registry } = this.deps;
    const running = await prisma.backupJob.findMany({
      where: { status: JobStatus.RUNNING, node: { not: null }, NOT: { node: registry.nodeName } },
      select: { id: true, node: true },
      orderBy: { id: 'asc' },
    });
    const alive = new Map<string, boolean>();
    const ended: number[] = [];
    for (const job of running) {
      const node = job.node as string;
      if (!alive.has(node)) alive.set(node, await registry.isAlive(node));
      if (alive.get(node)) continue;
      const row = await endForeignJob(this.deps, {
        jobId: job.id,
        from: JobStatus.RUNNING,
        node,
        status: JobStatus.FAILED,
        errorMessage: `node ${node} stopped answering`,
        notes: [{ content: `node ${node} stopped answering (its lease expired): job ended by node ${registry.nodeName}`, level: 'ERROR' }],
      });
      if (row) ended.push(row.id);
    }
    return ended;
  }
}
