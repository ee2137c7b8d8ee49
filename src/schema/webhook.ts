import { NotFoundError, ValidationError } from '../domain/errors.js';
import { EVENT_TYPES, type EventType } from '../domain/event-types.js';
import { recordIdOrNotFound } from '../domain/ids.js';
import { WebhookFormat, parseJsonList } from '../notifications/webhook-settings.js';
import type { Webhook } from '../notifications/webhook-service.js';
import { builder } from './builder.js';
import { NotFoundErrorRef, ValidationErrorRef, sharedResultUnion } from './errors.js';
import { RepositoryRef } from './repository.js';

export const EventTypeEnum = builder.enumType('EventType', { values: EVENT_TYPES });
const WebhookFormatEnum = builder.enumType('WebhookFormat', {
  description:
    'STANDARD: Standard Webhooks (signed JSON); SLACK, DISCORD: chat messages; NTFY: plain text with Title/Priority/Tags; HEALTHCHECKS: /start, success and /fail pings',
  values: Object.values(WebhookFormat),
});

const WebhookDeliveryRef = builder.prismaObject('WebhookDelivery', {
  description: 'One event sent (or being sent) to one webhook',
  fields: (t) => ({
    id: t.exposeID('id'),
    event: t.field({ type: EventTypeEnum, select: { event: { select: { type: true } } }, resolve: (delivery) => delivery.event.type as EventType }),
    jobId: t.id({ nullable: true, select: { event: { select: { jobId: true } } }, resolve: (delivery) => delivery.event.jobId }),
    status: t.exposeString('status', { description: 'pending | delivered | failed' }),
    attempts: t.exposeInt('attempts'),
    responseStatus: t.exposeInt('responseStatus', { nullable: true, description: "the receiver's HTTP status at the last attempt" }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'why the last attempt failed (never the URL or the secret)' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true, description: 'when a pending delivery is tried next' }),
  }),
});

const WebhookRef = builder.prismaObject('Webhook', {
  description: 'Where notifications of the event log go; its secret is write-only',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    url: t.exposeString('url'),
    format: t.field({ type: WebhookFormatEnum, resolve: (webhook) => webhook.format as WebhookFormat }),
    events: t.field({ type: [EventTypeEnum], resolve: (webhook) => parseJsonList<EventType>(webhook.events) }),
    repositories: t.field({
      type: [RepositoryRef],
      description: 'the repositories whose events it gets; empty: every repository',
      resolve: (webhook, _args, ctx) =>
        ctx.prisma.repository.findMany({ where: { id: { in: parseJsonList<number>(webhook.repositoryIds) } }, orderBy: { id: 'asc' } }),
    }),
    enabled: t.exposeBoolean('enabled', { description: 'false once disabled by hand or by a 410 Gone answer' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    deliveries: t.field({
      type: [WebhookDeliveryRef],
      description: 'the delivery log, newest first (limit ≤ 100)',
      args: { limit: t.arg.int({ defaultValue: 20 }) },
      resolve: (webhook, args, ctx) => ctx.webhooks.deliveries(webhook.id, args.limit ?? 20),
    }),
  }),
});

const webhookFields = {
  name: 'a label for people',
  url: 'http:// or https:// only; redirects are never followed',
  secret: 'STANDARD signing secret, whsec_ + base64 of 24–64 bytes; write-only',
};

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: webhookFields.name }),
    url: t.string({ required: true, description: webhookFields.url }),
    format: t.field({ type: WebhookFormatEnum, defaultValue: WebhookFormat.STANDARD }),
    events: t.field({ type: [EventTypeEnum], required: true, description: 'at least one' }),
    repositoryIds: t.idList({ defaultValue: [], description: 'empty: every repository' }),
    secret: t.string({ description: `${webhookFields.secret}; generated when absent and shown once, in the answer` }),
  }),
});

const UpdateWebhookInput = builder.inputType('UpdateWebhookInput', {
  description: 'Fields to change; absent fields stay as they are',
  fields: (t) => ({
    name: t.string({ description: webhookFields.name }),
    url: t.string({ description: webhookFields.url }),
    format: t.field({ type: WebhookFormatEnum }),
    events: t.field({ type: [EventTypeEnum] }),
    repositoryIds: t.idList(),
    enabled: t.boolean(),
    secret: t.string({ description: webhookFields.secret }),
  }),
});

class WebhookSuccess {
  constructor(
    readonly webhook: Webhook,
    readonly secret: string | null = null,
  ) {}
}
const WebhookSuccessRef = builder.objectType(WebhookSuccess, {
  name: 'WebhookSuccess',
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, resolve: (result) => result.webhook }),
    secret: t.exposeString('secret', { nullable: true, description: "the signing secret: only in createWebhook's answer, store it now" }),
  }),
});

const result = sharedResultUnion('WebhookResult', { ref: WebhookSuccessRef, is: (value): value is WebhookSuccess => value instanceof WebhookSuccess }, [
  { ref: NotFoundErrorRef, type: NotFoundError },
  { ref: ValidationErrorRef, type: ValidationError },
]);

builder.queryFields((t) => ({
  webhooks: t.prismaField({
    type: ['Webhook'],
    authScopes: { admin: true },
    description: 'Every webhook, oldest first (never their secrets)',
    resolve: (query, _root, _args, ctx) => ctx.prisma.webhook.findMany({ ...query, orderBy: { id: 'asc' } }),
  }),
}));

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: result.union,
    authScopes: { admin: true },
    description: 'Creates a webhook; the answer holds its signing secret, shown only there',
    args: { input: t.arg({ type: CreateWebhookInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      result.settle(async () => {
        const { webhook, secret } = await ctx.webhooks.create(input);
        return new WebhookSuccess(webhook, secret);
      }),
  }),
  updateWebhook: t.field({
    type: result.union,
    authScopes: { admin: true },
    description: 'Changes a webhook (enabled: true turns one a 410 disabled back on)',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateWebhookInput, required: true }) },
    resolve: (_root, { id, input }, ctx) => result.settle(async () => new WebhookSuccess(await ctx.webhooks.update(recordIdOrNotFound('webhook', id), input))),
  }),
  removeWebhook: t.field({
    type: result.union,
    authScopes: { admin: true },
    description: 'Removes a webhook and its delivery log',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => result.settle(async () => new WebhookSuccess(await ctx.webhooks.remove(recordIdOrNotFound('webhook', id)))),
  }),
  testWebhook: t.field({
    type: result.union,
    authScopes: { admin: true },
    description: 'Sends a webhook.test notification now; a receiver that does not answer 2xx is a ValidationError on url saying why',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => result.settle(async () => new WebhookSuccess(await ctx.webhooks.test(recordIdOrNotFound('webhook', id)))),
  }),
  redeliver: t.field({
    type: result.union,
    authScopes: { admin: true },
    description: 'Sends a delivery again with a fresh retry schedule, under the same webhook-id',
    args: { deliveryId: t.arg.id({ required: true }) },
    resolve: (_root, { deliveryId }, ctx) =>
      result.settle(async () => new WebhookSuccess(await ctx.webhooks.redeliver(recordIdOrNotFound('webhook delivery', deliveryId)))),
  }),
}));
