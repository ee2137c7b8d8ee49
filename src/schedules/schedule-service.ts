import type { PrismaClient, Schedule } from '../generated/prisma/client.js';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { recordNotFound } from '../domain/ids.js';
import type { ClusterBus } from '../events/cluster-bus.js';
import { validateCron, validateTimezone, type Scheduler } from './scheduler.js';

/** A schedule to create or change (CreateScheduleInput / UpdateScheduleInput). */
export interface ScheduleInput {
  name?: string | null;
  cron?: string | null;
  timezone?: string | null;
  enabled?: boolean | null;
  /** repositories in the order they are backed up */
  repositoryIds?: number[] | null;
}

/**
 * Creates, changes and removes schedules; every change re-arms its timer
 * here at once and is announced on the bus, so the node of each of its
 * repositories re-arms it too.
 */
export class ScheduleService {
  constructor(
    private readonly prisma: PrismaClient,
    readonly scheduler: Scheduler,
    private readonly bus?: ClusterBus,
  ) {}

  /**
   * A schedule or its list of repositories changed (also a repository
   * joining or leaving it elsewhere): re-arms it on this node before
   * answering (nextRunAt in the reply is right), and on every other node
   * through `scheduleChanged`.
   */
  async changed(scheduleId: number): Promise<void> {
    await this.scheduler.reload(scheduleId);
    this.bus?.send({ type: 'scheduleChanged', scheduleId });
  }

  async #validate(input: ScheduleInput, current: Schedule | null): Promise<Omit<ScheduleInput, 'repositoryIds'> & { repositoryIds?: number[] }> {
    const name = input.name?.trim() ?? current?.name;
    if (!name) throw new ValidationError('name must not be empty', 'name');
    const clash = await this.prisma.schedule.findUnique({ where: { name } });
    if (clash && clash.id !== current?.id) throw new ValidationError(`a schedule named "${name}" already exists`, 'name');
    const timezone = validateTimezone(input.timezone ?? current?.timezone ?? 'UTC');
    const cronSource = input.cron ?? current?.cron;
    if (!cronSource) throw new ValidationError('cron must not be empty', 'cron');
    const cron = validateCron(cronSource, timezone);
    let repositoryIds: number[] | undefined;
    if (input.repositoryIds) {
      repositoryIds = [...new Set(input.repositoryIds)];
      if (repositoryIds.length === 0) throw new ValidationError('a schedule needs at least one repository', 'repositoryIds');
      const found = await this.prisma.repository.findMany({ where: { id: { in: repositoryIds }, removedAt: null }, select: { id: true } });
      const missing = repositoryIds.filter((id) => !found.some((repository) => repository.id === id));
      if (missing.length > 0) throw new NotFoundError(`repository ${missing.join(', ')} not found`);
    }
    return { name, cron, timezone, enabled: input.enabled ?? current?.enabled ?? true, repositoryIds };
  }

  /** Creates a schedule. */
  async create(input: ScheduleInput): Promise<Schedule> {
    if (!input.repositoryIds) throw new ValidationError('a schedule needs at least one repository', 'repositoryIds');
    const { repositoryIds = [], ...fields } = await this.#validate(input, null);
    const schedule = await this.prisma.schedule.create({
      data: {
        name: fields.name as string,
        cron: fields.cron as string,
        timezone: fields.timezone as string,
        enabled: fields.enabled ?? true,
        repositories: { create: repositoryIds.map((repositoryId, position) => ({ repositoryId, position })) },
      },
    });
    await this.changed(schedule.id);
    return schedule;
  }

  /** Changes a schedule; `repositoryIds`, when given, replaces the list and its order. */
  async update(id: number, input: ScheduleInput): Promise<Schedule> {
    const current = await this.prisma.schedule.findUnique({ where: { id } });
    if (!current) throw recordNotFound('schedule', id);
    const { repositoryIds, ...fields } = await this.#validate(input, current);
    const schedule = await this.prisma.$transaction(async (tx) => {
      if (repositoryIds) {
        await tx.scheduleRepository.deleteMany({ where: { scheduleId: id } });
        await tx.scheduleRepository.createMany({ data: repositoryIds.map((repositoryId, position) => ({ scheduleId: id, repositoryId, position })) });
      }
      return tx.schedule.update({
        where: { id },
        data: { name: fields.name as string, cron: fields.cron as string, timezone: fields.timezone as string, enabled: fields.enabled ?? true },
      });
    });
    await this.changed(id);
    return schedule;
  }

  /** Removes a schedule; its past jobs keep their history (scheduleId is cleared). */
  async remove(id: number): Promise<Schedule> {
    const schedule = await this.prisma.schedule.findUnique({ where: { id } });
    if (!schedule) throw recordNotFound('schedule', id);
    await this.prisma.schedule.delete({ where: { id } });
    await this.changed(id);
    return schedule;
  }
}
