import type { PrismaClient } from '../db/client.js';
import { EventType, type EventRecord } from '../domain/event-types.js';
import { JobStatus } from '../domain/job-status.js';
import { parseStaleAfter } from '../repositories/stale-after.js';
import { appendEvents } from '../jobs/job-outbox.js';

/** How often repositories are checked. */
export const STALE_CHECK_INTERVAL_MS = 60_000;

/**
 * Raises REPOSITORY_STALE for a repository with `staleAfter` whose last
 * successful backup (COMPLETED or COMPLETED_WITH_WARNINGS; its registration
 * when it never had one) is older than that: the alert for schedules that
 * silently stopped. Once per stale period: `staleRaisedAt` remembers the
 * raise, and the next one needs a successful backup in between. Checks at
 * start and every minute.
 */
export class StaleCheck {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly onRecorded: (event: EventRecord) => void,
    private readonly warn: (message: string, error?: unknown) => void,
  ) {}

  start(): void {
    const tick = () => void this.check().catch((error: unknown) => this.warn('could not check for stale repositories; retrying in a minute', error));
    tick();
    this.#timer = setInterval(tick, STALE_CHECK_INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Checks every repository with a staleAfter now; resolves with the events raised. */
  async check(now = new Date()): Promise<EventRecord[]> {
    const repositories = await this.prisma.repository.findMany({ where: { removedAt: null, staleAfter: { not: null } } });
    const raised: EventRecord[] = [];
    for (const repository of repositories) {
      const staleAfter = repository.staleAfter as string;
      const lastSuccess = await this.prisma.backupJob.findFirst({
        where: { repositoryId: repository.id, status: { in: [JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_WARNINGS] } },
        orderBy: { completedAt: 'desc' },
        select: { completedAt: true },
      });
      const since = lastSuccess?.completedAt ?? repository.createdAt;
      if (now.getTime() - since.getTime() < parseStaleAfter(staleAfter)) continue;
      if (repository.staleRaisedAt && repository.staleRaisedAt >= since) continue;
      const payload = JSON.stringify({
        repository: {
          id: repository.id,
          name: repository.name,
          path: repository.path,
          staleAfter,
          lastSuccessAt: lastSuccess?.completedAt?.toISOString() ?? null,
        },
      });
      const event = { type: EventType.REPOSITORY_STALE, jobId: null, repositoryId: repository.id, occurredAt: now, payload };
      const [record] = await this.prisma.$transaction(async (tx) => {
        await tx.repository.update({ where: { id: repository.id }, data: { staleRaisedAt: now } });
        return appendEvents(tx, [event]);
      });
      if (record) raised.push(record);
    }
    raised.forEach((record) => this.onRecorded(record));
    return raised;
  }
}
