import type { Schedule } from '../generated/prisma/client.js';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { recordIdOrNotFound } from '../domain/ids.js';
import type { ScheduleInput } from '../schedules/schedule-service.js';
import { builder } from './builder.js';
import { NotFoundErrorRef, sharedResultUnion, ValidationErrorRef } from './errors.js';
import { RepositoryRef } from './repository.js';

export const ScheduleRef = builder.prismaObject('Schedule', {
  description: "Borg UI's scheduled job: one cron, one or more repositories backed up in order",
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    cron: t.exposeString('cron', { description: '5 fields, or 6 with seconds first' }),
    timezone: t.exposeString('timezone', { description: 'IANA time zone the cron is read in' }),
    enabled: t.exposeBoolean('enabled'),
    repositories: t.field({
      type: [RepositoryRef],
      description: 'in the order they are backed up',
      resolve: async (schedule, _args, ctx) =>
        (
          await ctx.prisma.scheduleRepository.findMany({
            where: { scheduleId: schedule.id },
            orderBy: { position: 'asc' },
            include: { repository: true },
          })
        ).map((entry) => entry.repository),
    }),
    nextRunAt: t.field({ type: 'DateTime', nullable: true, resolve: (schedule, _args, ctx) => ctx.schedules.scheduler.nextRun(schedule.id) }),
    lastRunAt: t.expose('lastRunAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.prismaObjectFields('Repository', (t) => ({
  schedules: t.field({
    type: [ScheduleRef],
    resolve: async (repository, _args, ctx) =>
      (await ctx.prisma.scheduleRepository.findMany({ where: { repositoryId: repository.id }, include: { schedule: true } })).map((entry) => entry.schedule),
  }),
  nextRunAt: t.field({
    type: 'DateTime',
    nullable: true,
    description: 'the next scheduled backup of this repository, from any enabled schedule',
    resolve: async (repository, _args, ctx) => {
      const memberships = await ctx.prisma.scheduleRepository.findMany({ where: { repositoryId: repository.id }, select: { scheduleId: true } });
      const runs = memberships.map((m) => ctx.schedules.scheduler.nextRun(m.scheduleId)).filter((run): run is Date => run !== null);
      return runs.length > 0 ? new Date(Math.min(...runs.map((run) => run.getTime()))) : null;
    },
  }),
}));

const scheduleFields = (required: boolean) =>
  builder.inputType(required ? 'CreateScheduleInput' : 'UpdateScheduleInput', {
    fields: (t) => ({
      name: t.string({ required }),
      cron: t.string({ required, description: '5 fields, or 6 with seconds first (croner syntax)' }),
      timezone: t.string({ description: 'IANA name, default UTC' }),
      enabled: t.boolean(),
      repositoryIds: t.idList({ required, description: 'backed up in this order' }),
    }),
  });
const CreateScheduleInput = scheduleFields(true);
const UpdateScheduleInput = scheduleFields(false);

class ScheduleResult {
  constructor(readonly schedule: Schedule) {}
}
const ScheduleSuccess = builder.objectType(ScheduleResult, {
  name: 'ScheduleSuccess',
  fields: (t) => ({ schedule: t.field({ type: ScheduleRef, resolve: (result) => result.schedule }) }),
});
/** createSchedule and updateSchedule share `ScheduleResult` (docs/api.md "Mutation results are unions"). */
const scheduleResult = sharedResultUnion('ScheduleResult', { ref: ScheduleSuccess, is: (value): value is ScheduleResult => value instanceof ScheduleResult }, [
  { ref: ValidationErrorRef, type: ValidationError },
  { ref: NotFoundErrorRef, type: NotFoundError },
]);
const RemoveScheduleSuccess = builder.objectRef<{ schedule: Schedule }>('RemoveScheduleSuccess').implement({
  fields: (t) => ({ id: t.id({ resolve: (result) => result.schedule.id }), name: t.string({ resolve: (result) => result.schedule.name }) }),
});

function toInput(input: { repositoryIds?: (string | number)[] | null } & Omit<ScheduleInput, 'repositoryIds'>): ScheduleInput {
  return { ...input, repositoryIds: input.repositoryIds?.map((id) => recordIdOrNotFound('repository', id)) ?? null };
}

builder.queryFields((t) => ({
  schedules: t.prismaField({
    type: ['Schedule'],
    resolve: (query, _root, _args, ctx) => ctx.prisma.schedule.findMany({ ...query, orderBy: { id: 'asc' } }),
  }),
}));

builder.mutationFields((t) => ({
  createSchedule: t.field({
    type: scheduleResult.union,
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateScheduleInput, required: true }) },
    resolve: (_root, { input }, ctx) => scheduleResult.settle(async () => new ScheduleResult(await ctx.schedules.create(toInput(input)))),
  }),
  updateSchedule: t.field({
    type: scheduleResult.union,
    authScopes: { admin: true },
    description: 'Changes a schedule; its timer follows at once. `repositoryIds` replaces the list and order',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateScheduleInput, required: true }) },
    resolve: (_root, { id, input }, ctx) =>
      scheduleResult.settle(async () => new ScheduleResult(await ctx.schedules.update(recordIdOrNotFound('schedule', id), toInput(input)))),
  }),
  removeSchedule: t.field({
    type: RemoveScheduleSuccess,
    authScopes: { admin: true },
    description: 'Removes a schedule; its past jobs stay (their scheduleId becomes null)',
    args: { id: t.arg.id({ required: true }) },
    errors: { types: [NotFoundError], directResult: true, union: { name: 'RemoveScheduleResult' } },
    resolve: async (_root, { id }, ctx) => ({ schedule: await ctx.schedules.remove(recordIdOrNotFound('schedule', id)) }),
  }),
}));
