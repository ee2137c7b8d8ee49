import type { PrismaClient } from '../db/client.js';
import { JobStatus } from '../domain/job-status.js';
import type { ClusterBus } from '../events/cluster-bus.js';
import type { JobManager } from '../jobs/manager.js';

export interface JobClaimerDeps {
  prisma: PrismaClient;
  jobs: JobManager;
  bus: ClusterBus;
  /** how often the database is polled (default 2000 ms): what a lost message (Redis down) costs at most */
  intervalMs?: number;
  warn: (message: string, error?: unknown) => void;
}

/**
 * Brings other nodes' requests to this node's job manager (DESIGN
 * "Scale-out"): PENDING jobs of this node's repositories created elsewhere
 * are queued here (JobManager.requeue; the claim then decides, so a job is
 * never run twice), and cancels asked elsewhere stop the jobs this process
 * runs. Each comes by a bus message at once and by a database poll every
 * couple of seconds, so it works without any message at all.
 */
export class JobClaimer {
  #timer: NodeJS.Timeout | undefined;
  #stopListening: (() => void) | undefined;
  #polling: Promise<void> | null = null;
  #again = false;

  constructor(private readonly deps: JobClaimerDeps) {}

  get #nodeName(): string {
    return this.deps.bus.nodeName;
  }

  start(): void {
    this.#stopListening = this.deps.bus.onControl((message) => {
      if (message.type === 'jobQueued' && message.node === this.#nodeName) this.poll();
      if (message.type === 'cancel' && message.node === this.#nodeName) this.#cancel(message.jobId);
    });
    this.#timer = setInterval(() => this.poll(), this.deps.intervalMs ?? 2000);
    this.#timer.unref();
    this.poll();
  }

  /** Stops listening and polling; resolves once a poll under way is done. */
  async stop(): Promise<void> {
    this.#stopListening?.();
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#again = false;
    await this.#polling;
  }

  /** Polls now; a request while a poll runs makes one more run after it (nothing asked meanwhile is missed). */
  poll(): void {
    if (this.#polling) {
      this.#again = true;
      return;
    }
    this.#polling = this.#poll()
      .catch((error: unknown) => this.deps.warn('could not look for jobs queued for this node; retrying', error))
      .finally(() => {
        this.#polling = null;
        if (this.#again && this.#timer !== undefined) {
          this.#again = false;
          this.poll();
        }
      });
  }

  async #poll(): Promise<void> {
    const { prisma, jobs } = this.deps;
    const pending = await prisma.backupJob.findMany({
      where: { status: JobStatus.PENDING, cancelRequestedAt: null, repository: { node: { in: [this.#nodeName, ''] } } },
      orderBy: { id: 'asc' },
      include: { repository: true },
    });
    for (const row of pending) if (this.#timer !== undefined) jobs.requeue(row, `picked up by node ${this.#nodeName}`);
    // cancels whose message did not arrive (Redis down): the column is the request
    const cancels = await prisma.backupJob.findMany({
      where: { status: JobStatus.RUNNING, node: this.#nodeName, cancelRequestedAt: { not: null } },
      select: { id: true },
    });
    for (const { id } of cancels) this.#cancel(id);
    // queued here, ended elsewhere (a cancel through another node while PENDING)
    await jobs.dropSettledElsewhere();
  }

  /** Cancels a job this process runs (a request for one it does not hold is not for this process). */
  #cancel(jobId: number): void {
    const job = this.deps.jobs.live(jobId);
    if (job?.status === JobStatus.PENDING) return this.poll(); // ended in the database already: let go of the queued copy
    if (!job || job.status !== JobStatus.RUNNING) return;
    this.deps.jobs.cancel(jobId).catch((error: unknown) => this.deps.warn(`could not cancel job ${jobId} as another node asked`, error));
  }
}
