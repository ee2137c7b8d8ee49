import { Cron } from 'croner';
import type { PrismaClient } from '../db/client.js';
import { ValidationError } from '../domain/errors.js';
import type { JobManager } from '../jobs/manager.js';
import { JobStatus, JobTrigger } from '../domain/job-status.js';
import type { ClusterBus } from '../events/cluster-bus.js';

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

/** Where a Scheduler runs: its node, and how it hears of changes made on other nodes. */
export interface SchedulerPlacement {
  /** this node's name (BORGQL_NODE_NAME): a firing creates jobs only for this node's repositories */
  nodeName: string;
  /** the cluster's bus: `scheduleChanged` from any node re-arms that schedule here */
  bus?: ClusterBus;
  /**
   * How often every schedule is re-read, the fallback for a lost
   * `scheduleChanged` (DESIGN: a change takes effect on the repository's
   * node within 2 s). Default: 2000 ms when the bus reaches other nodes,
   * none when this node is alone (every change then goes through it).
   */
  resyncMs?: number | null;
}

/** What the database says a schedule should be on this node. */
interface Wanted {
  cron: string;
  timezone: string;
  /** whether at least one of its repositories belongs to this node: only then does it fire here */
  local: boolean;
}

/**
 * Runs the schedules: one croner timer per enabled schedule, re-armed from
 * the database whenever a schedule changes, so edits apply at once and
 * survive restarts. A firing creates SCHEDULE jobs for the schedule's
 * repositories in order, except for a repository that still has a pending
 * scheduled job: that one is skipped and logged, not piled up.
 *
 * In a cluster every node runs a Scheduler: a schedule fires on each node
 * that holds one of its repositories, and each node creates jobs for its
 * own repositories only, so a firing gives every repository one job in the
 * whole cluster. Schedules of other nodes get a timer that never fires,
 * kept for `nextRun` (any node answers Schedule.nextRunAt).
 */
export class Scheduler {
  readonly #timers = new Map<number, { timer: Cron; key: string }>();
  readonly #placement: SchedulerPlacement;
  #stopped = false;
  #stopListening: (() => void) | null = null;
  #resync: NodeJS.Timeout | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly jobs: JobManager,
    private readonly log: SchedulerLog,
    placement: SchedulerPlacement = { nodeName: '' },
  ) {
    this.#placement = placement;
  }

  /** The node's name this scheduler fires for. */
  get nodeName(): string {
    return this.#placement.nodeName;
  }

  /**
   * Whether a repository's jobs are created here. "" is a repository no
   * node has adopted yet (registered before scale-out): the node registry
   * adopts those at start-up; until then the node that sees it fires it.
   */
  ownsRepository(node: string): boolean {
    return node === this.#placement.nodeName || node === '';
  }

  /** Arms every enabled schedule, then follows changes made on any node. */
  async start(): Promise<void> {
    await this.#sync(null);
    if (this.#stopped) return;
    const { bus } = this.#placement;
    this.#stopListening =
      bus?.onControl((message) => {
        if (message.type !== 'scheduleChanged') return;
        this.reload(message.scheduleId).catch((error: unknown) =>
          this.log(`schedule ${message.scheduleId} could not be re-armed: ${(error as Error).message}`),
        );
      }) ?? null;
    const resyncMs = this.#placement.resyncMs === undefined ? (bus?.shared ? 2000 : null) : this.#placement.resyncMs;
    if (resyncMs) this.#scheduleResync(resyncMs);
  }

  /** Re-reads one schedule and re-arms (or disarms) it. */
  async reload(scheduleId: number): Promise<void> {
    await this.#sync(scheduleId);
  }

  /** When a schedule fires next; null when disabled or never. */
  nextRun(scheduleId: number): Date | null {
    return this.#timers.get(scheduleId)?.timer.nextRun() ?? null;
  }

  /** Whether a schedule fires on this node (it holds one of its repositories). */
  firesHere(scheduleId: number): boolean {
    return this.#timers.get(scheduleId)?.key.startsWith('local|') ?? false;
  }

  /** Stops every timer (shutdown). */
  stop(): void {
    this.#stopped = true;
    this.#stopListening?.();
    this.#stopListening = null;
    if (this.#resync) clearTimeout(this.#resync);
    for (const id of [...this.#timers.keys()]) this.#disarm(id);
  }

  /** Creates the jobs of one firing for this node's repositories; resolves with the ids of the jobs created. */
  async fire(scheduleId: number): Promise<number[]> {
    const schedule = await this.prisma.schedule.findUnique({
      where: { id: scheduleId },
      include: { repositories: { orderBy: { position: 'asc' }, include: { repository: true } } },
    });
    if (!schedule || !schedule.enabled || this.#stopped) return [];
    await this.prisma.schedule.update({ where: { id: scheduleId }, data: { lastRunAt: new Date() } });
    const created: number[] = [];
    for (const { repository } of schedule.repositories) {
      // another node's repository gets its job from that node's own firing
      if (repository.removedAt || !this.ownsRepository(repository.node)) continue;
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

  /** Brings the timers of one schedule (or all, `null`) in line with the database; unchanged ones keep their timer. */
  async #sync(only: number | null): Promise<void> {
    const rows = await this.prisma.schedule.findMany({
      where: { enabled: true, ...(only === null ? {} : { id: only }) },
      include: { repositories: { select: { repository: { select: { node: true, removedAt: true } } } } },
    });
    if (this.#stopped) return;
    const wanted = new Map<number, Wanted>();
    for (const row of rows) {
      const local = row.repositories.some(({ repository }) => !repository.removedAt && this.ownsRepository(repository.node));
      wanted.set(row.id, { cron: row.cron, timezone: row.timezone, local });
    }
    const known = only === null ? [...this.#timers.keys()] : [only];
    for (const id of known) if (!wanted.has(id)) this.#disarm(id);
    for (const [id, schedule] of wanted) this.#arm(id, schedule);
  }

  #scheduleResync(intervalMs: number): void {
    this.#resync = setTimeout(() => {
      this.#sync(null)
        .catch((error: unknown) => this.log(`could not re-read the schedules: ${(error as Error).message}`))
        .finally(() => {
          if (!this.#stopped) this.#scheduleResync(intervalMs);
        });
    }, intervalMs);
    this.#resync.unref();
  }

  #arm(scheduleId: number, { cron, timezone, local }: Wanted): void {
    if (this.#stopped) return;
    const key = `${local ? 'local' : 'remote'}|${timezone}|${cron}`;
    if (this.#timers.get(scheduleId)?.key === key) return;
    this.#disarm(scheduleId);
    const options = { timezone, mode: CRON_MODE, protect: true } as const;
    // without a function croner only computes run times: another node's schedule never fires here
    const timer = local
      ? new Cron(cron, options, async () => {
          try {
            await this.fire(scheduleId);
          } catch (error) {
            this.log(`schedule ${scheduleId} failed to fire: ${(error as Error).message}`);
          }
        })
      : new Cron(cron, options);
    this.#timers.set(scheduleId, { timer, key });
  }

  #disarm(scheduleId: number): void {
    this.#timers.get(scheduleId)?.timer.stop();
    this.#timers.delete(scheduleId);
  }
}
