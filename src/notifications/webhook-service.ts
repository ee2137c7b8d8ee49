import type { PrismaClient } from '../db/client.js';
import type { Webhook, WebhookDelivery } from '../generated/prisma/client.js';
import { ValidationError } from '../domain/errors.js';
import { recordNotFound } from '../domain/ids.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { validateName } from '../repositories/repository-settings.js';
import { DeliveryStatus, type DeliveryWorker } from './delivery-worker.js';
import { buildRequest } from './webhook-request.js';
import {
  WEBHOOK_SECRET,
  WebhookFormat,
  generateWebhookSecret,
  parseRepositoryIds,
  validateEvents,
  validateWebhookSecret,
  validateWebhookUrl,
} from './webhook-settings.js';

export type { Webhook, WebhookDelivery };

/** Settings of a webhook (CreateWebhookInput; all optional on update). */
export interface WebhookSettings {
  name?: string | null;
  url?: string | null;
  format?: string | null;
  events?: readonly string[] | null;
  repositoryIds?: readonly string[] | null;
  enabled?: boolean | null;
  /** write-only; on create, generated when absent */
  secret?: string | null;
}

/** Most deliveries one `deliveries` page returns. */
export const MAX_DELIVERIES_PAGE = 100;

/** Manages webhooks (ADMIN) and their delivery log; secrets are sealed at rest and never handed out again. */
export class WebhookService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly secrets: SecretBox,
    private readonly worker: DeliveryWorker,
  ) {}

  /** Every webhook, oldest first. */
  list(): Promise<Webhook[]> {
    return this.prisma.webhook.findMany({ orderBy: { id: 'asc' } });
  }

  /** Creates a webhook; resolves with it and its signing secret (given or generated), which no later answer shows. */
  async create(input: WebhookSettings & { name: string; url: string; events: readonly string[] }): Promise<{ webhook: Webhook; secret: string }> {
    const secret = input.secret ? validateWebhookSecret(input.secret) : generateWebhookSecret();
    const { format, repositoryIds, enabled } = await this.#columns(input);
    const webhook = await this.prisma.webhook.create({
      data: {
        name: validateName(input.name),
        url: validateWebhookUrl(input.url),
        events: JSON.stringify(validateEvents(input.events)),
        format,
        repositoryIds,
        enabled,
        secret: this.secrets.seal(secret, WEBHOOK_SECRET),
      },
    });
    return { webhook, secret };
  }

  /** Changes a webhook's settings; absent fields stay. */
  async update(id: number, input: WebhookSettings): Promise<Webhook> {
    await this.#find(id);
    const data = await this.#columns(input);
    if (input.secret) data.secret = this.secrets.seal(validateWebhookSecret(input.secret), WEBHOOK_SECRET);
    return this.prisma.webhook.update({ where: { id }, data });
  }

  /** Removes a webhook with its delivery log. */
  async remove(id: number): Promise<Webhook> {
    const webhook = await this.#find(id);
    await this.prisma.webhook.delete({ where: { id } });
    return webhook;
  }

  /**
   * Sends a `webhook.test` notification now and waits for the answer; a
   * failed one is a ValidationError on `url` saying why (status or
   * connection problem, never the URL itself). Not written to the log.
   */
  async test(id: number): Promise<Webhook> {
    const webhook = await this.#find(id);
    const secret = webhook.secret ? this.secrets.open(webhook.secret, WEBHOOK_SECRET) : null;
    const notification = {
      typeName: 'webhook.test',
      occurredAt: new Date(),
      data: { webhook: { id: webhook.id, name: webhook.name } },
      summary: `borgql: test notification of webhook "${webhook.name}"`,
      outcome: 'success' as const,
    };
    const attempt = await this.worker.send(buildRequest(webhook, notification, `msg_test_${webhook.id}_${Date.now()}`, secret, new Date()));
    if (attempt?.error) throw new ValidationError(`the test delivery failed: ${attempt.error}`, 'url');
    return webhook;
  }

  /** Sends a delivery again (whatever its status), as soon as the worker gets to it, under the same webhook-id. */
  async redeliver(deliveryId: number): Promise<Webhook> {
    const delivery = await this.prisma.webhookDelivery.findUnique({ where: { id: deliveryId }, include: { webhook: true } });
    if (!delivery) throw recordNotFound('webhook delivery', deliveryId);
    await this.prisma.webhookDelivery.update({
      where: { id: deliveryId },
      data: { status: DeliveryStatus.PENDING, attempts: 0, nextAttemptAt: new Date(), deliveredAt: null },
    });
    this.worker.wake();
    return delivery.webhook;
  }

  /** A webhook's newest deliveries first, with their event. */
  deliveries(webhookId: number, limit: number) {
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_DELIVERIES_PAGE) {
      throw new ValidationError(`limit must be from 0 to ${MAX_DELIVERIES_PAGE}`, 'limit');
    }
    return this.prisma.webhookDelivery.findMany({ where: { webhookId }, orderBy: { id: 'desc' }, take: limit, include: { event: true } });
  }

  async #find(id: number): Promise<Webhook> {
    const webhook = await this.prisma.webhook.findUnique({ where: { id } });
    if (!webhook) throw recordNotFound('webhook', id);
    return webhook;
  }

  /** Checks the settings that are present and returns the columns they set (the secret apart). */
  async #columns(input: WebhookSettings): Promise<Partial<Webhook>> {
    const data: Partial<Webhook> = {};
    if (input.name != null) data.name = validateName(input.name);
    if (input.url != null) data.url = validateWebhookUrl(input.url);
    if (input.format != null) {
      if (!(Object.values(WebhookFormat) as string[]).includes(input.format)) throw new ValidationError(`unknown format "${input.format}"`, 'format');
      data.format = input.format;
    }
    if (input.events != null) data.events = JSON.stringify(validateEvents(input.events));
    if (input.enabled != null) data.enabled = input.enabled;
    if (input.repositoryIds != null) {
      const ids = parseRepositoryIds(input.repositoryIds);
      const found = await this.prisma.repository.findMany({ where: { id: { in: ids }, removedAt: null }, select: { id: true } });
      const missing = ids.find((id) => !found.some((repository) => repository.id === id));
      if (missing !== undefined) throw new ValidationError(`repository ${missing} not found`, 'repositoryIds');
      data.repositoryIds = JSON.stringify(ids);
    }
    return data;
  }
}
