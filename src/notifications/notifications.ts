import type { PrismaClient } from '../db/client.js';
import type { JobEvents } from '../jobs/job-events.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { DeliveryWorker, RETRY_DELAYS_MS } from './delivery-worker.js';
import { StaleCheck } from './stale-check.js';
import { WebhookService } from './webhook-service.js';

/** Options of {@link createNotifications}. */
export interface NotificationOptions {
  /** multiplies the retry delays (BORGQL_WEBHOOK_RETRY_SCALE, for tests; default 1) */
  retryScale?: number;
  warn: (message: string, error?: unknown) => void;
}

/** The notification services of one server, and their start and stop. */
export interface Notifications {
  webhooks: WebhookService;
  staleCheck: StaleCheck;
  worker: DeliveryWorker;
  /** Sends what the database holds (pending deliveries of a previous run), then follows new events; checks staleness every minute. */
  start(): void;
  /** Stops the stale check and the worker (requests in flight are abandoned and sent by the next start). */
  stop(): Promise<void>;
}

/**
 * Builds the webhooks (README "Notifications"): every event committed to the
 * log (`recorded` on the job events) wakes the delivery worker; the stale
 * check records its events through the same emitter, so the `events`
 * subscription and the worker see them like a job's.
 */
export function createNotifications(prisma: PrismaClient, secrets: SecretBox, jobEvents: JobEvents, options: NotificationOptions): Notifications {
  const scale = options.retryScale ?? 1;
  const worker = new DeliveryWorker(prisma, secrets, { retryDelaysMs: RETRY_DELAYS_MS.map((delay) => delay * scale), warn: options.warn });
  const staleCheck = new StaleCheck(prisma, (event) => jobEvents.emit('recorded', event), options.warn);
  let unlisten = () => {};
  return {
    webhooks: new WebhookService(prisma, secrets, worker),
    staleCheck,
    worker,
    start() {
      unlisten = jobEvents.on('recorded', () => worker.wake());
      worker.start();
      staleCheck.start();
    },
    async stop() {
      staleCheck.stop();
      unlisten();
      await worker.stop();
    },
  };
}
