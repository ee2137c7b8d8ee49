import { Webhook as StandardWebhook } from 'standardwebhooks';
import { EventType, eventTypeName } from '../domain/event-types.js';
import type { JobJson } from '../domain/job-json.js';
import { WebhookFormat } from './webhook-settings.js';

/** What a notification says, whatever the format. */
export interface Notification {
  /** the Standard Webhooks `type` (`job.failed`, `webhook.test`) */
  typeName: string;
  /** when it happened */
  occurredAt: Date;
  /** the Standard Webhooks `data` */
  data: Record<string, unknown>;
  /** one readable line (chat formats, ntfy, healthchecks' log) */
  summary: string;
  /** how it went: healthchecks pings `/start`, the plain URL or `/fail`; ntfy's priority and tag */
  outcome: 'start' | 'success' | 'fail';
}

/** A request ready to send. */
export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The stored payload of an event (Event.payload). */
interface EventPayload {
  job?: JobJson;
  repository?: { id: number; name: string; path: string; staleAfter: string; lastSuccessAt: string | null };
}

const OUTCOME: Record<EventType, Notification['outcome']> = {
  JOB_STARTED: 'start',
  JOB_COMPLETED: 'success',
  JOB_COMPLETED_WITH_WARNINGS: 'success',
  JOB_FAILED: 'fail',
  JOB_CANCELLED: 'fail',
  MAINTENANCE_FAILED: 'fail',
  REPOSITORY_STALE: 'fail',
};

function jobSummary(type: EventType, job: JobJson): string {
  const what = `backup job ${job.id} of ${job.repository}`;
  switch (type) {
    case EventType.JOB_STARTED:
      return `borgql: ${what} started`;
    case EventType.JOB_COMPLETED:
      return `borgql: ${what} completed${job.archive_name ? ` (archive ${job.archive_name})` : ''}`;
    case EventType.JOB_COMPLETED_WITH_WARNINGS:
      return `borgql: ${what} completed with warnings${job.archive_name ? ` (archive ${job.archive_name})` : ''}`;
    case EventType.JOB_CANCELLED:
      return `borgql: ${what} was cancelled${job.error_message ? `: ${job.error_message}` : ''}`;
    case EventType.MAINTENANCE_FAILED:
      return `borgql: maintenance after ${what} failed (${job.maintenance_status ?? 'unknown step'})`;
    default:
      return `borgql: ${what} failed${job.error_message ? `: ${job.error_message}` : ''}`;
  }
}

/** The notification of an event of the log. */
export function notificationOf(event: { type: string; occurredAt: Date; payload: string }): Notification {
  const type = event.type as EventType;
  const data = JSON.parse(event.payload) as EventPayload;
  const repository = data.repository;
  const summary = data.job
    ? jobSummary(type, data.job)
    : `borgql: repository "${repository?.name ?? '?'}" (${repository?.path ?? '?'}) has had no successful backup for ${repository?.staleAfter ?? 'too long'}`;
  return { typeName: eventTypeName(type), occurredAt: event.occurredAt, data: data as Record<string, unknown>, summary, outcome: OUTCOME[type] ?? 'fail' };
}

/** A URL with `suffix` added to its path (healthchecks' `/start`, `/fail`), its query kept. */
function withPathSuffix(url: string, suffix: string): string {
  if (suffix === '') return url;
  const parsed = new URL(url);
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/${suffix}`;
  return parsed.toString();
}

/** Header values are ASCII: anything else (a repository name in another script) becomes `?`. */
const headerText = (text: string): string => text.replace(/[^\x20-\x7e]/g, '?').slice(0, 250);

const NTFY = {
  start: { priority: '2', tags: 'hourglass_flowing_sand' },
  success: { priority: '3', tags: 'white_check_mark' },
  fail: { priority: '4', tags: 'x' },
} as const;

/**
 * The HTTP request of one notification to one webhook (README
 * "Notifications"). STANDARD is signed with the webhook's secret under the
 * Standard Webhooks headers; `messageId` stays the same across retries so
 * receivers can drop duplicates; `now` is the signature's timestamp.
 */
export function buildRequest(
  webhook: { url: string; format: string },
  notification: Notification,
  messageId: string,
  secret: string | null,
  now: Date,
): OutgoingRequest {
  const json = { 'content-type': 'application/json' };
  const text = { 'content-type': 'text/plain; charset=utf-8' };
  switch (webhook.format) {
    case WebhookFormat.SLACK:
      return { url: webhook.url, headers: json, body: JSON.stringify({ text: notification.summary }) };
    case WebhookFormat.DISCORD:
      return { url: webhook.url, headers: json, body: JSON.stringify({ content: notification.summary }) };
    case WebhookFormat.NTFY: {
      const { priority, tags } = NTFY[notification.outcome];
      const title = headerText(`borgql ${notification.typeName.replace('.', ' ')}`);
      return { url: webhook.url, headers: { ...text, Title: title, Priority: priority, Tags: tags }, body: notification.summary };
    }
    case WebhookFormat.HEALTHCHECKS: {
      const suffix = { start: 'start', success: '', fail: 'fail' }[notification.outcome];
      return { url: withPathSuffix(webhook.url, suffix), headers: text, body: notification.summary };
    }
    default: {
      const body = JSON.stringify({ type: notification.typeName, timestamp: notification.occurredAt.toISOString(), data: notification.data });
      if (secret === null) throw new Error('a STANDARD webhook needs its secret');
      const signature = new StandardWebhook(secret).sign(messageId, now, body);
      return {
        url: webhook.url,
        headers: { ...json, 'webhook-id': messageId, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature },
        body,
      };
    }
  }
}
