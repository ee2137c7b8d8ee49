import { Cron } from 'croner';
import type { PrismaClient } from '../db/client.js';
import { ValidationError } from '../domain/errors.js';
import type { JobManager } from '../jobs/manager.js';
import { JobStatus, JobTrigger } from '../domain/job-status.js';

/** The cron syntax borgql accepts: 5 fields, or 6 with seconds first (croner's "5-or-6-parts"). */
const CRON_MODE = '5-or-6-parts' as const;

/** Checks an IANA time zone name; returns it. */
export function validateTimezone(timezone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return timezone;
  } catch {
    throw new ValidationError(`unknown time zone "${timezone}" (use an IANA name such as Europe/Berlin or UTC)`, 'timezone');
  }
}

/** Checks a cron expression in a time zone; returns it trimmed. */
export function validateCron(cron: string, timezone: string): string {
  const pattern = cron.trim().replace(/\s+/g, ' ');
  try {
    new Cron(pattern, { timezone, mode: CRON_MODE, paused: true }).stop();
  } catch (error) {
    throw new ValidationError(`invalid cron expression "${cron}": ${(error as Error).message.replace(/^CronPattern: /, '')}`, 'cron');
  }
  return pattern;
}

/** Reports what a firing did, for the server's log. */
export type SchedulerLog = (message: string) => void;

/**
 * Runs the schedules: one croner timer per enabled schedule, re-armed from
 * the database whenever a schedule changes, so edits apply at once and
 * survive restarts. A firing creates SCHEDULE jobs for the schedule's
 * repositories in order, except for a repository that still has a pending
 * scheduled job: that one is skipped and logged, not piled up.
 */
export class Scheduler {
  readonly #timers = new Map<number, Cron>();
  #stopped = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly jobs: JobManager,
    private readonly log: SchedulerLog,
  ) {}

  /** Arms every enabled schedule. */
  async start(): Promise<void> {
    const schedules = await this.prisma.schedule.findMany({ where: { enabled: true } });
    for (const schedule of schedules) this.#arm(schedule.id, schedule.cron, schedule.timezone);
  }

  /** Re-reads one schedule and re-arms (or disarms) it. */
  async reload(scheduleId: number): Promise<void> {
    const schedule = await this.prisma.schedule.findUnique({ where: { id: scheduleId } });
    this.#disarm(scheduleId);
    if (schedule?.enabled) this.#arm(schedule.id, schedule.cron, schedule.timezone);
  }

  /** When a schedule fires next; null when disabled or never. */
  nextRun(scheduleId: number): Date | null {
    return this.#timers.get(scheduleId)?.nextRun() ?? null;
  }

  /** Stops every timer (shutdown). */
  stop(): void {
    this.#stopped = true;
    for (const id of [...this.#timers.keys()]) this.#disarm(id);
  }

  /** Creates the jobs of one firing; resolves with the ids of the jobs created. */
  async fire(scheduleId: number): Promise<number[]> {
    const schedule = await this.prisma.schedule.findUnique({
      where: { id: scheduleId },
      include: { repositories: { orderBy: { position: 'asc' }, include: { repository: true } } },
    });
    if (!schedule || !schedule.enabled || this.#stopped) return [];
    await this.prisma.schedule.update({ where: { id: scheduleId }, data: { lastRunAt: new Date() } });
    const created: number[] = [];
    for (const { repository } of schedule.repositories) {
      if (repository.removedAt) continue;
      const waiting = await this.prisma.backupJob.findFirst({
        where: { repositoryId: repository.id, trigger: JobTrigger.SCHEDULE, status: JobStatus.PENDING },
        select: { id: true },
      });
      if (waiting) {
        this.log(`schedule "${schedule.name}": skipped ${repository.name}, scheduled job ${waiting.id} is still pending`);
        continue;
      }
      const job = await this.jobs.startBackupOf(repository, { trigger: JobTrigger.SCHEDULE, scheduleId });
      created.push(job.id);
    }
    return created;
  }

  #arm(scheduleId: number, cron: string, timezone: string): void {
    if (this.#stopped) return;
    const timer = new Cron(cron, { timezone, mode: CRON_MODE, protect: true }, async () => {
      try {
        await this.fire(scheduleId);
      } catch (error) {
        this.log(`schedule ${scheduleId} failed to fire: ${(error as Error).message}`);
      }
    });
    this.#timers.set(scheduleId, timer);
  }

  #disarm(scheduleId: number): void {
    this.#timers.get(scheduleId)?.stop();
    this.#timers.delete(scheduleId);
  }
}
