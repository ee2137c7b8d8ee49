import { randomBytes } from 'node:crypto';
import { ValidationError } from '../domain/errors.js';
import { isEventType, type EventType } from '../domain/event-types.js';
import { parseRecordId } from '../domain/ids.js';

/** How a webhook's requests look (README "Notifications"), stored as text in Webhook.format. */
export const WebhookFormat = {
  STANDARD: 'STANDARD',
  SLACK: 'SLACK',
  DISCORD: 'DISCORD',
  NTFY: 'NTFY',
  HEALTHCHECKS: 'HEALTHCHECKS',
} as const;
export type WebhookFormat = (typeof WebhookFormat)[keyof typeof WebhookFormat];

/** The purpose Webhook.secret values are sealed for (SecretBox.seal/open). */
export const WEBHOOK_SECRET = 'Webhook.secret';

/** Longest webhook URL taken. */
export const MAX_URL_LENGTH = 2048;

/**
 * Checks a webhook URL: absolute http or https, no user name or password
 * (they would travel in every request and show in the API), no whitespace
 * or control characters. Only an ADMIN sets URLs: the server sends requests
 * wherever an admin points it, which is the trust model (README "Security").
 */
export function validateWebhookUrl(url: string): string {
  const trimmed = url.trim();
  if (trimmed === '') throw new ValidationError('url must not be empty', 'url');
  if (trimmed.length > MAX_URL_LENGTH) throw new ValidationError(`url must be at most ${MAX_URL_LENGTH} characters`, 'url');
  if (/[\s\p{Cc}]/u.test(trimmed)) throw new ValidationError('url must not contain spaces or control characters', 'url');
  const parsed = URL.canParse(trimmed) ? new URL(trimmed) : null;
  if (!parsed) throw new ValidationError('url must be an absolute http:// or https:// URL', 'url');
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ValidationError(`url must use http or https, not ${parsed.protocol.replace(/:$/, '')}`, 'url');
  }
  if (parsed.username !== '' || parsed.password !== '') throw new ValidationError('url must not contain a user name or password', 'url');
  if (parsed.hash !== '') throw new ValidationError('url must not contain a #fragment', 'url');
  return trimmed;
}

/** Checks an event filter: at least one known EventType; duplicates dropped. */
export function validateEvents(events: readonly string[]): EventType[] {
  if (events.length === 0) throw new ValidationError('events must name at least one event type', 'events');
  const unknown = events.find((event) => !isEventType(event));
  if (unknown !== undefined) throw new ValidationError(`unknown event type "${unknown}"`, 'events');
  return [...new Set(events as EventType[])];
}

/** Reads repository ids of a filter; an id that can match no row is a ValidationError (existence is checked by the caller). */
export function parseRepositoryIds(ids: readonly string[]): number[] {
  return [
    ...new Set(
      ids.map((id) => {
        const parsed = parseRecordId(id);
        if (parsed === null) throw new ValidationError(`repository ${id} not found`, 'repositoryIds');
        return parsed;
      }),
    ),
  ];
}

/**
 * Checks a Standard Webhooks secret as the spec writes it: `whsec_` and the
 * base64 of 24 to 64 random bytes. Never quoted in messages.
 */
export function validateWebhookSecret(secret: string): string {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  const bytes = match ? Buffer.from(match[1] as string, 'base64').length : 0;
  if (bytes < 24 || bytes > 64) throw new ValidationError('secret must be "whsec_" followed by the base64 of 24 to 64 bytes', 'secret');
  return secret;
}

/** A new random signing secret, `whsec_` + base64 of 32 bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Reads a JSON list column of a webhook. */
export function parseJsonList<T>(stored: string): T[] {
  const value: unknown = JSON.parse(stored);
  return Array.isArray(value) ? (value as T[]) : [];
}
