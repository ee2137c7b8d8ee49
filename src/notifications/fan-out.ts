import type { PrismaClient } from '../db/client.js';
import { parseJsonList } from './webhook-settings.js';

/** Events turned into deliveries per database read. */
const PAGE = 100;

/** Whether a webhook wants an event: its type is in the filter, and its repository too (an empty list: every repository). */
export function webhookWants(webhook: { events: string; repositoryIds: string }, event: { type: string; repositoryId: number }): boolean {
  const repositories = parseJsonList<number>(webhook.repositoryIds);
  return parseJsonList<string>(webhook.events).includes(event.type) && (repositories.length === 0 || repositories.includes(event.repositoryId));
}

/**
 * Makes the deliveries of the events not dispatched yet: one per enabled
 * webhook that wants the event, due at once, and marks the event
 * dispatched, in one transaction per event. Idempotent: a delivery is
 * unique per webhook and event, so a fan-out repeated after a crash adds
 * nothing twice. Reads a page of events at a time; `stopped` ends it
 * between pages.
 */
export async function fanOutEvents(prisma: PrismaClient, stopped: () => boolean): Promise<void> {
  while (!stopped()) {
    const events = await prisma.event.findMany({ where: { dispatched: false }, orderBy: { sequence: 'asc' }, take: PAGE });
    if (events.length === 0) return;
    const webhooks = await prisma.webhook.findMany({ where: { enabled: true }, select: { id: true, events: true, repositoryIds: true } });
    if (webhooks.length === 0) {
      // nothing to deliver (the usual case): one statement for the page instead of a transaction per event
      await prisma.event.updateMany({ where: { sequence: { in: events.map((event) => event.sequence) } }, data: { dispatched: true } });
      continue;
    }
    for (const event of events) {
      const now = new Date();
      const deliveries = webhooks
        .filter((webhook) => webhookWants(webhook, event))
        .map((webhook) =>
          prisma.webhookDelivery.upsert({
            where: { webhookId_eventSequence: { webhookId: webhook.id, eventSequence: event.sequence } },
            create: { webhookId: webhook.id, eventSequence: event.sequence, nextAttemptAt: now },
            update: {},
          }),
        );
      await prisma.$transaction([...deliveries, prisma.event.update({ where: { sequence: event.sequence }, data: { dispatched: true } })]);
    }
  }
}
