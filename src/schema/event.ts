import type { EventRecord, EventType } from '../domain/event-types.js';
import { ValidationError } from '../domain/errors.js';
import { ALL_EVENTS } from '../events/topics.js';
import { builder } from './builder.js';
import { EventFollower } from './event-follower.js';
import { JobRef } from './job-interface.js';
import { RepositoryRef } from './repository.js';
import { EventTypeEnum } from './webhook.js';

const EventRef = builder.objectRef<EventRecord>('Event').implement({
  description: 'An entry of the event log (the same events webhooks get)',
  fields: (t) => ({
    cursor: t.string({ description: 'give it as `after` to resume after this event', resolve: (event) => String(event.sequence) }),
    type: t.field({ type: EventTypeEnum, resolve: (event) => event.type }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    job: t.field({
      type: JobRef,
      nullable: true,
      description: "the job's current state (any kind); null for REPOSITORY_STALE",
      resolve: (event, _args, ctx) => (event.jobId === null ? null : ctx.jobs.get(event.jobId)),
    }),
    repository: t.field({
      type: RepositoryRef,
      nullable: true,
      resolve: (event, _args, ctx) => ctx.prisma.repository.findUnique({ where: { id: event.repositoryId } }),
    }),
  }),
});

/** Reads a cursor: the decimal sequence of an event; absent or null: from the first event. */
function parseCursor(after: string | null | undefined): number {
  if (after === null || after === undefined) return 0;
  if (!/^\d{1,15}$/.test(after)) throw new ValidationError('after must be the cursor of an event', 'after');
  return Number(after);
}

builder.subscriptionFields((t) => ({
  events: t.field({
    type: EventRef,
    description:
      'The event log: the events after `after` (a cursor; absent: from the first), then each new one as it is committed, none missed or repeated. ' +
      'A client that reads too slowly is ended with SLOW_CONSUMER and resumeOffset, the cursor to resume after',
    args: { after: t.arg.string() },
    subscribe: (_root, args, ctx) => {
      const after = parseCursor(args.after);
      return new EventFollower(
        {
          read: async (cursor, limit) => {
            const rows = await ctx.prisma.event.findMany({
              where: { sequence: { gt: cursor } },
              orderBy: { sequence: 'asc' },
              take: limit,
              select: { sequence: true, type: true, jobId: true, repositoryId: true, occurredAt: true, payload: true },
            });
            return rows.map((row) => ({ ...row, type: row.type as EventType }));
          },
          listen: (onEvent) => ctx.pubsub.listen('events', ALL_EVENTS, onEvent),
        },
        after,
      );
    },
    resolve: (event) => event,
  }),
}));
