import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSqlitePrismaClient, type PrismaClient } from '../../src/db/client.js';
import { DeliveryWorker } from '../../src/notifications/delivery-worker.js';
import { WEBHOOK_SECRET, generateWebhookSecret } from '../../src/notifications/webhook-settings.js';
import { SecretBox } from '../../src/secrets/secret-box.js';
import { logDatabases } from '../helpers/log-db.js';

const databases = logDatabases('delivery-worker');
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  databases.closeAll();
});
afterAll(() => databases.remove());

/** A receiver that answers after `delayMs` (never, when null) and counts the requests it holds at once. */
async function slowReceiver(delayMs: number | null) {
  const state = { received: 0, inFlight: 0, maxInFlight: 0 };
  const server: Server = createServer((request, response) => {
    state.received++;
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    request.resume();
    const done = () => {
      state.inFlight--;
      response.writeHead(200).end();
    };
    if (delayMs !== null) setTimeout(done, delayMs);
    response.on('close', () => {
      if (delayMs === null) state.inFlight--;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        // a receiver that never answers still holds connections: close them, or close() waits for them
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, state };
}

/** A migrated database with `events` undispatched JOB_FAILED events and one webhook for them. */
async function setUp(url: string, events: number): Promise<{ prisma: PrismaClient; box: SecretBox }> {
  const { file } = databases.fresh();
  const prisma = createSqlitePrismaClient(`file:${file}`);
  closers.push(() => prisma.$disconnect());
  const box = new SecretBox(randomBytes(32));
  await prisma.webhook.create({ data: { name: 'hook', url, events: '["JOB_FAILED"]', secret: box.seal(generateWebhookSecret(), WEBHOOK_SECRET) } });
  const payload = JSON.stringify({ job: { id: 1, repository: '/srv/repo', status: 'failed', error_message: 'boom' } });
  await prisma.event.createMany({ data: Array.from({ length: events }, () => ({ type: 'JOB_FAILED', jobId: 1, repositoryId: 1, payload })) });
  return { prisma, box };
}

/** A warning in these tests is a failure's explanation (a poll that times out says only what it saw): printed, not swallowed. */
function printWarning(message: string, error?: unknown): void {
  console.warn(message, error);
}

describe('DeliveryWorker', () => {
  it('works through a flood of events a page at a time, never more than its concurrency in flight', async () => {
    const receiver = await slowReceiver(5);
    const { prisma, box } = await setUp(receiver.url, 300);
    const worker = new DeliveryWorker(prisma, box, { concurrency: 4, warn: printWarning });
    closers.unshift(() => worker.stop());
    worker.start();
    await expect.poll(() => prisma.webhookDelivery.count({ where: { status: 'delivered' } }), { timeout: 60_000 }).toBe(300);
    expect(receiver.state.received).toBe(300);
    expect(receiver.state.maxInFlight).toBeLessThanOrEqual(4);
    expect(await prisma.event.count({ where: { dispatched: false } })).toBe(0);
  }, 90_000);

  it('a receiver that never answers costs one timeout per attempt, counted and retried later', async () => {
    const receiver = await slowReceiver(null);
    const { prisma, box } = await setUp(receiver.url, 1);
    const worker = new DeliveryWorker(prisma, box, { timeoutMs: 200, retryDelaysMs: [3_600_000], warn: printWarning });
    closers.unshift(() => worker.stop());
    worker.start();
    await expect
      .poll(() => prisma.webhookDelivery.findFirst(), { timeout: 15_000 })
      .toMatchObject({ attempts: 1, status: 'pending', lastError: 'no answer within 0.2 s' });
    const delivery = await prisma.webhookDelivery.findFirstOrThrow();
    expect(delivery.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
    expect(delivery.claimedUntil).toBeNull();
  });

  it('an attempt it could not record is given back at once and sent again, not held for the claim', async () => {
    const receiver = await slowReceiver(0);
    const { prisma, box } = await setUp(receiver.url, 1);
    // the database refuses the outcome of the first attempt (a real SQLite error), and only that write
    await prisma.$executeRawUnsafe(
      `CREATE TRIGGER refuse_record BEFORE UPDATE OF attempts ON WebhookDelivery BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`,
    );
    const warnings: string[] = [];
    const worker = new DeliveryWorker(prisma, box, {
      // a claim held after the failure would last timeout + 30 s, longer than the poll below
      timeoutMs: 1_000,
      // expected here: collected, not printed
      warn: (message) => warnings.push(message),
    });
    closers.unshift(() => worker.stop());
    worker.start();
    await expect.poll(() => warnings.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await prisma.webhookDelivery.findFirstOrThrow()).toMatchObject({ attempts: 0, status: 'pending', claimedUntil: null });
    await prisma.$executeRawUnsafe('DROP TRIGGER refuse_record');
    await expect.poll(() => prisma.webhookDelivery.findFirst(), { timeout: 15_000 }).toMatchObject({ attempts: 1, status: 'delivered' });
    expect(receiver.state.received).toBe(2);
  }, 30_000);
});
