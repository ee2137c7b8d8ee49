import type { PrismaClient } from '../db/client.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { buildRequest, notificationOf, type OutgoingRequest } from './webhook-request.js';
import { fanOutEvents } from './fan-out.js';
import { WEBHOOK_SECRET } from './webhook-settings.js';

/** Delays before the retries of a failed delivery: about 10 s, 1 min, 5 min, 30 min, 2 h; then it is `failed`. */
export const RETRY_DELAYS_MS: readonly number[] = [10_000, 60_000, 300_000, 1_800_000, 7_200_000];

/** The values of WebhookDelivery.status. */
export const DeliveryStatus = { PENDING: 'pending', DELIVERED: 'delivered', FAILED: 'failed' } as const;

/** Options of a {@link DeliveryWorker}. */
export interface DeliveryWorkerOptions {
  /** delays before each retry (default RETRY_DELAYS_MS) */
  retryDelaysMs?: readonly number[];
  /** requests in flight at once (default 4) */
  concurrency?: number;
  /** how long a receiver may take to answer (default 10 s) */
  timeoutMs?: number;
  /** where problems of the worker itself are reported (never a delivery's URL or secret) */
  warn: (message: string, error?: unknown) => void;
}

/** Deliveries claimed per database read: memory holds a page, whatever the backlog. */
const PAGE = 20;
/** How often the worker looks for due deliveries when nothing wakes it (another node's, a lease that ran out). */
const IDLE_POLL_MS = 30_000;

/** The outcome of one attempt. */
interface Attempt {
  responseStatus: number | null;
  /** null when delivered */
  error: string | null;
}

/** Why a request failed, in words that never quote its URL, its headers or the receiver's answer. */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs / 1000} s`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' && /^[A-Z_]+$/.test(cause.code) ? cause.code : null;
  return code ? `could not reach the receiver (${code})` : 'could not reach the receiver';
}

type Claimed = NonNullable<Awaited<ReturnType<DeliveryWorker['claimDue']>>>[number];

/**
 * Sends webhook deliveries from the database (README "Notifications"):
 * turns new events of the log into deliveries (fan-out.ts), then claims the
 * due ones a page at a time and sends them, a few at once, apart from the
 * jobs and the API. Each attempt's outcome is written back: delivered on
 * 2xx; `410 Gone` fails it and disables its webhook; anything else
 * (another status, a redirect, which is never followed, a timeout, a
 * refused connection) is retried after RETRY_DELAYS_MS, then failed.
 *
 * Everything it works on is in the database, so pending deliveries survive
 * a restart, and nothing grows in memory with the backlog. A delivery is
 * claimed (`claimedUntil`) before it is sent, so two workers on one
 * database never send the same one; a worker that dies while sending leaves
 * it to be sent again once the claim ran out (receivers drop duplicates by
 * `webhook-id`).
 */
export class DeliveryWorker {
  readonly #delays: readonly number[];
  readonly #concurrency: number;
  readonly #timeoutMs: number;
  readonly #stopper = new AbortController();
  #running: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly secrets: SecretBox,
    private readonly options: DeliveryWorkerOptions,
  ) {
    this.#delays = options.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.#concurrency = options.concurrency ?? 4;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Starts working through what the database holds (pending deliveries of a previous run included). */
  start(): void {
    this.wake();
  }

  /** New events or a redelivery: look now. */
  wake(): void {
    if (this.#stopper.signal.aborted) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.#run().finally(() => {
      this.#running = null;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** Stops: requests in flight are abandoned (their deliveries stay pending, sent by the next start). */
  async stop(): Promise<void> {
    this.#stopper.abort();
    clearTimeout(this.#timer);
    await this.#running;
  }

  async #run(): Promise<void> {
    try {
      await fanOutEvents(this.prisma, () => this.#stopper.signal.aborted);
      for (;;) {
        if (this.#stopper.signal.aborted) return;
        const claimed = await this.claimDue(new Date());
        if (claimed.length === 0) break;
        await this.#sendAll(claimed);
      }
      await this.#scheduleNext();
    } catch (error) {
      this.options.warn('webhook deliveries: could not read or update the delivery log; retrying', error);
      this.#timer = setTimeout(() => this.wake(), 5000);
    }
  }

  /** Claims up to a page of due deliveries for this worker. */
  async claimDue(now: Date) {
    const free = { OR: [{ claimedUntil: null }, { claimedUntil: { lt: now } }] };
    const due = await this.prisma.webhookDelivery.findMany({
      where: { status: DeliveryStatus.PENDING, nextAttemptAt: { lte: now }, ...free },
      orderBy: { id: 'asc' },
      take: PAGE,
      include: { webhook: true, event: true },
    });
    const claimedUntil = new Date(now.getTime() + this.#timeoutMs + 30_000);
    const claimed: typeof due = [];
    for (const delivery of due) {
      const { count } = await this.prisma.webhookDelivery.updateMany({
        where: { id: delivery.id, status: DeliveryStatus.PENDING, ...free },
        data: { claimedUntil },
      });
      if (count === 1) claimed.push(delivery);
    }
    return claimed;
  }

  async #sendAll(claimed: Claimed[]): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < claimed.length) await this.#deliver(claimed[next++] as Claimed);
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, claimed.length) }, lane));
  }

  async #deliver(delivery: Claimed): Promise<void> {
    if (!delivery.webhook.enabled) {
      await this.#record(delivery, { responseStatus: null, error: 'the webhook is disabled' }, true);
      return;
    }
    let request: OutgoingRequest;
    try {
      const secret = delivery.webhook.secret ? this.secrets.open(delivery.webhook.secret, WEBHOOK_SECRET) : null;
      request = buildRequest(delivery.webhook, notificationOf(delivery.event), `msg_${delivery.id}`, secret, new Date());
    } catch (error) {
      this.options.warn(`webhook ${delivery.webhook.id}: delivery ${delivery.id} could not be prepared`, error);
      await this.#record(delivery, { responseStatus: null, error: 'could not prepare the request (its secret cannot be read)' }, true);
      return;
    }
    const attempt = await this.send(request);
    if (attempt === null) {
      // the server is stopping: the attempt does not count, the next start sends it
      await this.#release(delivery);
      return;
    }
    try {
      await this.#record(delivery, attempt, attempt.responseStatus === 410);
    } catch (error) {
      // Unrecorded, the attempt does not count: released, the retry of #run (5 s) sends it again
      // rather than waiting out the claim (timeout + 30 s); receivers drop the duplicate by its id.
      await this.#release(delivery).catch(() => undefined);
      throw error;
    }
  }

  /** Gives a claimed delivery back without counting an attempt. */
  async #release(delivery: Claimed): Promise<void> {
    await this.prisma.webhookDelivery.updateMany({ where: { id: delivery.id }, data: { claimedUntil: null } });
  }

  /** Sends one request; null when the worker stopped meanwhile. */
  async send(request: OutgoingRequest): Promise<Attempt | null> {
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        // a 3xx is the receiver's answer, not an address to follow (it could point anywhere)
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.#timeoutMs), this.#stopper.signal]),
      });
      // the answer's body is not read: nothing a receiver sends is kept or grows memory
      await response.body?.cancel().catch(() => undefined);
      const status = response.status;
      if (status >= 200 && status < 300) return { responseStatus: status, error: null };
      const why = status >= 300 && status < 400 ? ' (redirects are not followed)' : status === 410 ? ' Gone: the webhook was disabled' : '';
      return { responseStatus: status, error: `HTTP ${status}${why}` };
    } catch (error) {
      if (this.#stopper.signal.aborted) return null;
      return { responseStatus: null, error: describeFailure(error, this.#timeoutMs) };
    }
  }

  /** Writes an attempt's outcome: delivered, retried later, or failed for good (`final`; 410 disables the webhook). */
  async #record(delivery: Claimed, attempt: Attempt, final: boolean): Promise<void> {
    const now = new Date();
    const attempts = delivery.attempts + 1;
    const base = { attempts, responseStatus: attempt.responseStatus, lastError: attempt.error, claimedUntil: null };
    if (attempt.error === null) {
      await this.prisma.webhookDelivery.updateMany({
        where: { id: delivery.id },
        data: { ...base, status: DeliveryStatus.DELIVERED, deliveredAt: now, nextAttemptAt: null },
      });
      return;
    }
    const delay = final ? undefined : this.#delays[attempts - 1];
    // updateMany: the webhook, and with it the delivery, may have been removed while it was sent
    const update = this.prisma.webhookDelivery.updateMany({
      where: { id: delivery.id },
      data:
        delay === undefined
          ? { ...base, status: DeliveryStatus.FAILED, nextAttemptAt: null }
          : { ...base, status: DeliveryStatus.PENDING, nextAttemptAt: new Date(now.getTime() + delay) },
    });
    if (attempt.responseStatus === 410) {
      await this.prisma.$transaction([update, this.prisma.webhook.updateMany({ where: { id: delivery.webhookId }, data: { enabled: false } })]);
      this.options.warn(`webhook ${delivery.webhookId} answered 410 Gone: disabled`);
    } else {
      await update;
    }
  }

  /** Sleeps until the next pending delivery is due (at most IDLE_POLL_MS). */
  async #scheduleNext(): Promise<void> {
    if (this.#stopper.signal.aborted) return;
    const next = await this.prisma.webhookDelivery.findFirst({
      where: { status: DeliveryStatus.PENDING },
      orderBy: { nextAttemptAt: 'asc' },
      select: { nextAttemptAt: true, claimedUntil: true },
    });
    const dueAt = Math.max(next?.nextAttemptAt?.getTime() ?? Infinity, next?.claimedUntil?.getTime() ?? 0);
    const wait = Math.min(Math.max(dueAt - Date.now(), 50), IDLE_POLL_MS);
    this.#timer = setTimeout(() => this.wake(), wait);
    this.#timer.unref();
  }
}
