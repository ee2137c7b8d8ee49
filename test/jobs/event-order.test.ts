// Event sequences are committed in their order (job-outbox.ts appendEvents):
// a reader that follows the log by sequence (the events subscription, the
// webhook cursor) never sees a higher number before a lower one commits.
// On PostgreSQL this needs the appenders to queue; SQLite has one writer.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../../src/db/client.js';
import { openPostgresDatabase } from '../../src/db/open-postgres.js';
import { EventType } from '../../src/domain/event-types.js';
import { appendEvents } from '../../src/jobs/job-outbox.js';
import { createTestDatabase, dropTestDatabase } from '../helpers/test-database.js';

const event = (payload: string) => ({ type: EventType.JOB_STARTED, jobId: null, repositoryId: 1, occurredAt: new Date(), payload });

describe('event log order on PostgreSQL', () => {
  let database: { name: string; url: string };
  let prisma: PrismaClient;

  beforeAll(async () => {
    database = await createTestDatabase();
    // migrated the way a server does it, then let go (it holds the one-server lock while open)
    openPostgresDatabase(database.url, { nodeName: 'event-order', redisUrl: null }).close();
    prisma = await createPrismaClient(database.url);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    if (database) await dropTestDatabase(database.name);
  });

  it('a later append waits for an earlier one to commit: commits come in sequence order', async () => {
    const committed: number[] = [];
    let firstAppended!: () => void;
    const appended = new Promise<void>((resolve) => (firstAppended = resolve));
    const first = prisma.$transaction(async (tx) => {
      const [record] = await appendEvents(tx, [event('first')]);
      firstAppended();
      // still open: a second appender starts now and must not commit before this one
      await sleep(500);
      return record!.sequence;
    });
    await appended;
    const second = prisma.$transaction(async (tx) => (await appendEvents(tx, [event('second')]))[0]!.sequence);
    const sequences = await Promise.all([first.then((s) => (committed.push(s), s)), second.then((s) => (committed.push(s), s))]);
    expect(sequences[0]).toBeLessThan(sequences[1]);
    expect(committed).toEqual(sequences);
  }, 30_000);
});
