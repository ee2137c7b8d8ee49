import type { PrismaClient } from '../db/client.js';
import { JobKind, JobStatus, isTerminal } from '../domain/job-status.js';
import type { JobEvents } from './job-events.js';

/** The fields of a job state change the counts need. */
interface JobChange {
  id: number;
  /** only a backup's success is the repository's last success */
  kind: string;
  repositoryId: number;
  status: string;
  completedAt: Date | null;
}

const SUCCESS: readonly string[] = [JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_WARNINGS];

/**
 * The end of a repository's last completed backup: the newest completedAt
 * per status, each a single lookup in the (repositoryId, status, completedAt)
 * index. Not a GROUP BY with MAX, which read every completed job (0.5 s with
 * a million jobs, blocking the event loop), nor Prisma's aggregate, whose
 * subquery reads all of the repository's.
 */
async function lastSuccess(prisma: PrismaClient, repositoryId: number): Promise<Date | null> {
  const ends = await Promise.all(
    SUCCESS.map(async (status) => {
      const newest = await prisma.backupJob.findFirst({
        where: { repositoryId, status, kind: JobKind.BACKUP, completedAt: { not: null } },
        orderBy: { completedAt: 'desc' },
        select: { completedAt: true },
      });
      return newest?.completedAt?.getTime() ?? null;
    }),
  );
  const latest = Math.max(...ends.filter((end) => end !== null));
  return Number.isFinite(latest) ? new Date(latest) : null;
}

/**
 * What the counts start from: jobs per repository and status (the whole
 * (repositoryId, status, …) index: ~50 ms per million jobs), the unfinished
 * jobs, and each repository's last success. Read once per start. Exported
 * for bench/history, which checks the plans of the SQL it runs.
 */
export async function databaseCounts(prisma: PrismaClient) {
  const [repositories, byStatus, open] = await Promise.all([
    prisma.repository.findMany({ select: { id: true } }),
    prisma.backupJob.groupBy({ by: ['repositoryId', 'status'], _count: { _all: true } }),
    prisma.backupJob.findMany({ where: { status: { in: [JobStatus.PENDING, JobStatus.RUNNING] } }, select: { id: true, status: true } }),
  ]);
  const successes = await Promise.all(repositories.map(async ({ id }) => ({ repositoryId: id, completedAt: await lastSuccess(prisma, id) })));
  return { byStatus, open, lastSuccess: successes };
}

/**
 * Jobs per repository and status, and each repository's last success, kept
 * in memory so that a metrics scrape costs no database scan. `seed()` reads
 * the database once, before any job of this process moves; from then on
 * the job events move the counts. Only jobs known unfinished move: every
 * job this process creates or queues again is published PENDING first, so
 * a terminal event for a job not known unfinished is a repeat and ignored.
 * Jobs changed in the database without an event (start-up recovery) are
 * re-read with `recount()`.
 */
export class JobCounts {
  readonly #counts = new Map<number, Map<string, number>>();
  /** unfinished jobs and the status they are counted under */
  readonly #open = new Map<number, string>();
  readonly #lastSuccess = new Map<number, Date>();
  readonly #stopListening: () => void;

  constructor(
    private readonly prisma: PrismaClient,
    events: JobEvents,
  ) {
    const stopChanged = events.on('changed', (job) => this.#apply(job));
    const stopQueued = events.on('queued', (job) => this.#apply(job));
    this.#stopListening = () => {
      stopChanged();
      stopQueued();
    };
  }

  /** Reads the counts from the database; call once, before jobs run. */
  async seed(): Promise<void> {
    const { byStatus, open, lastSuccess } = await databaseCounts(this.prisma);
    for (const row of byStatus) this.#add(row.repositoryId, row.status, row._count._all);
    for (const job of open) this.#open.set(job.id, job.status);
    for (const row of lastSuccess) if (row.completedAt) this.#lastSuccess.set(row.repositoryId, row.completedAt);
  }

  /** Re-reads jobs that changed in the database without an event. */
  async recount(jobIds: readonly number[]): Promise<void> {
    if (jobIds.length === 0) return;
    const rows = await this.prisma.backupJob.findMany({
      where: { id: { in: [...jobIds] } },
      select: { id: true, kind: true, repositoryId: true, status: true, completedAt: true },
    });
    for (const row of rows) this.#apply(row);
  }

  /** Jobs per status of each repository (by id). */
  byRepository(): ReadonlyMap<number, ReadonlyMap<string, number>> {
    return this.#counts;
  }

  /** When each repository's last completed backup ended (by id). */
  lastSuccess(): ReadonlyMap<number, Date> {
    return this.#lastSuccess;
  }

  /** Stops following job events. */
  stop(): void {
    this.#stopListening();
  }

  #add(repositoryId: number, status: string, delta: number): void {
    let statuses = this.#counts.get(repositoryId);
    if (!statuses) this.#counts.set(repositoryId, (statuses = new Map<string, number>()));
    statuses.set(status, (statuses.get(status) ?? 0) + delta);
  }

  #apply(job: JobChange): void {
    const counted = this.#open.get(job.id);
    if (counted === job.status) return; // progress, not a status change: the hot path
    if (counted === undefined && isTerminal(job.status)) return;
    if (counted !== undefined) this.#add(job.repositoryId, counted, -1);
    this.#add(job.repositoryId, job.status, 1);
    if (!isTerminal(job.status)) {
      this.#open.set(job.id, job.status);
      return;
    }
    this.#open.delete(job.id);
    const previous = this.#lastSuccess.get(job.repositoryId);
    // a restore or check that ended well is not a backup
    if (job.kind === JobKind.BACKUP && SUCCESS.includes(job.status) && job.completedAt && (!previous || job.completedAt > previous)) {
      this.#lastSuccess.set(job.repositoryId, job.completedAt);
    }
  }
}
