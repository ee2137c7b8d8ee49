import type { JobTopics } from './topics.js';

/** The pubsub topics that cross nodes (topics.ts); anything else stays in its process. */
export const SHARED_TOPICS = ['job', 'jobs', 'jobLog', 'events'] as const satisfies readonly (keyof JobTopics)[];

export type SharedTopic = (typeof SHARED_TOPICS)[number];

/** One pubsub publish: what a node sends to the others and publishes again on their side. */
export interface TopicEntry<T extends SharedTopic = SharedTopic> {
  topic: T;
  key: string | number;
  payload: JobTopics[T];
}

/**
 * What a stored passphrase becomes on the wire. A job's repository row carries
 * the passphrase encrypted at rest; nothing a subscriber reads needs more than
 * whether there is one (`hasPassphrase`), and a Redis may be shared by other
 * clusters (BORGQL_REDIS_PREFIX), so the ciphertext does not leave the node.
 */
export const REDACTED_SECRET = 'borgql-secret:redacted';

/**
 * Types JSON cannot carry, marked beside the value: `d` Date (its epoch ms,
 * exact also for an invalid Date: NaN), `b` BigInt (decimal text), `u`
 * undefined (an own property JSON would drop), `n` a number JSON would turn
 * into null (NaN, ±Infinity). Nested objects get a nested map. Only typed
 * fields appear, so decoding walks a handful of fields, not the payload.
 */
type TypeMap = { [field: string]: 'd' | 'b' | 'u' | 'n' | TypeMap };

function plainOf(value: Record<string, unknown>): { plain: Record<string, unknown>; types: TypeMap | null } {
  const plain: Record<string, unknown> = {};
  let types: TypeMap | null = null;
  for (const field of Object.keys(value)) {
    let item = value[field];
    let type: TypeMap[string] | null = null;
    switch (typeof item) {
      case 'bigint':
        item = item.toString();
        type = 'b';
        break;
      case 'undefined':
        item = null;
        type = 'u';
        break;
      case 'number':
        if (!Number.isFinite(item)) {
          item = String(item);
          type = 'n';
        }
        break;
      case 'object':
        if (item instanceof Date) {
          item = item.getTime();
          type = 'd';
        } else if (item !== null && !Array.isArray(item)) {
          const nested = plainOf(item as Record<string, unknown>);
          item = nested.plain;
          type = nested.types;
        }
        break;
    }
    plain[field] = item;
    if (type !== null) (types ??= {})[field] = type;
  }
  return { plain, types };
}

function restore(plain: Record<string, unknown>, types: TypeMap): void {
  for (const field of Object.keys(types)) {
    const type = types[field]!;
    const item = plain[field];
    if (type === 'd') plain[field] = new Date((item as number | null) ?? NaN);
    else if (type === 'b') plain[field] = BigInt(item as string);
    else if (type === 'u') plain[field] = undefined;
    else if (type === 'n') plain[field] = Number(item);
    else restore(item as Record<string, unknown>, type);
  }
}

/** The payload as sent: a job's repository without its passphrase's ciphertext. */
function redacted(entry: TopicEntry): unknown {
  if (entry.topic !== 'job' && entry.topic !== 'jobs') return entry.payload;
  const job = entry.payload as JobTopics['job'];
  const secret = job.repository?.passphrase;
  if (secret === null || secret === undefined || secret === '') return job;
  return { ...job, repository: { ...job.repository, passphrase: REDACTED_SECRET } };
}

/** The payload as JSON text, its type map (when it has typed fields) after a comma: the tail of an entry's array. */
function payloadText(entry: TopicEntry): string {
  const payload = redacted(entry);
  if (payload === null || typeof payload !== 'object') return JSON.stringify(payload ?? null);
  const { plain, types } = plainOf(payload as Record<string, unknown>);
  return types === null ? JSON.stringify(plain) : `${JSON.stringify(plain)},${JSON.stringify(types)}`;
}

/** The last state encoded for `job`: wiring.ts publishes each state to `job`, then the same object to `jobs` (half the cost of a progress update). */
let lastJobState: { payload: unknown; text: string } | null = null;

function isSharedTopic(topic: unknown): topic is SharedTopic {
  return (SHARED_TOPICS as readonly unknown[]).includes(topic);
}

/** Encodes one pubsub publish as JSON text, at once (a payload changed later cannot change what was sent). */
export function encodeEntry(entry: TopicEntry): string {
  const reused = entry.topic === 'jobs' && lastJobState?.payload === entry.payload ? lastJobState.text : null;
  const text = reused ?? payloadText(entry);
  lastJobState = entry.topic === 'job' ? { payload: entry.payload, text } : null;
  return `[${JSON.stringify(entry.topic)},${JSON.stringify(entry.key)},${text}]`;
}

/** Joins entries {@link encodeEntry} encoded into the text of one message. */
export function joinEntries(encoded: readonly string[]): string {
  return `[${encoded.join(',')}]`;
}

/**
 * Encodes a batch of pubsub publishes, in order, as one JSON text. Round
 * trips exactly with {@link decodeEntries} (Dates, BigInts, nulls, undefined
 * fields), except a job's stored passphrase: {@link REDACTED_SECRET}.
 */
export function encodeEntries(entries: readonly TopicEntry[]): string {
  return joinEntries(entries.map(encodeEntry));
}

/**
 * The publishes {@link encodeEntries} encoded. Throws a SyntaxError or
 * TypeError on a text it did not write (the caller drops that message).
 * Entries of topics this version does not share are skipped: a newer node
 * may send more.
 */
export function decodeEntries(text: string): TopicEntry[] {
  const wire: unknown = JSON.parse(text);
  if (!Array.isArray(wire)) throw new TypeError('a topic batch is a JSON array');
  const entries: TopicEntry[] = [];
  for (const item of wire as unknown[][]) {
    if (!Array.isArray(item)) throw new TypeError('a topic entry is a JSON array');
    const [topic, key, payload, types] = item;
    if (!isSharedTopic(topic) || (typeof key !== 'string' && typeof key !== 'number')) continue;
    if (types !== undefined) restore(payload as Record<string, unknown>, types as TypeMap);
    entries.push({ topic, key, payload: payload as JobTopics[SharedTopic] });
  }
  return entries;
}
