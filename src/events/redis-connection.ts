import { Redis, type RedisOptions } from 'ioredis';
import { StartupError } from '../db/startup-error.js';

/**
 * Where REDIS_URL points, for messages: host, port and database number,
 * never the user name or password.
 */
export function redisTarget(url: string): string {
  const parsed = new URL(url);
  const host = parsed.hostname || '127.0.0.1';
  const db = parsed.pathname.replace(/^\//, '');
  return `${host}:${parsed.port || '6379'}${db === '' || db === '0' ? '' : `/${db}`}`;
}

/** Delay before the next reconnect attempt: quick at first, then every 2 s for as long as Redis is away. */
export const reconnectDelay = (attempt: number): number => Math.min(100 * 2 ** Math.min(attempt, 5), 2000);

/** What an open connection reports while it lives. */
export interface RedisConnectionEvents {
  /** the connection failed or broke; called once per outage, not per retry */
  onLost(error: unknown): void;
  /** the connection is usable again after a loss */
  onReady(): void;
}

/**
 * Opens one connection to Redis and waits until it is usable. The first
 * attempt decides the start: when it fails, the connection is closed (no
 * retries in the background) and a StartupError says, in one line, where
 * and why, e.g. `cannot reach Redis at 127.0.0.1:6390 (connect ECONNREFUSED
 * 127.0.0.1:6390): is it running? (REDIS_URL)`. Once open, ioredis
 * reconnects by itself whenever the connection breaks ({@link reconnectDelay}),
 * and `events` hears of each loss and each return.
 *
 * Commands are not queued while the connection is down (`enableOfflineQueue`
 * false, no retries per command): what is sent then fails at once, so a long
 * outage cannot fill the memory with messages nobody will read in time.
 */
export async function openRedis(url: string, name: string, events: RedisConnectionEvents): Promise<Redis> {
  const options: RedisOptions = {
    lazyConnect: true,
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResubscribe: false,
    connectTimeout: 5000,
    retryStrategy: reconnectDelay,
  };
  const client = new Redis(url, options);
  let lastError: unknown = null;
  let opened = false;
  let lost = false;
  client.on('error', (error: unknown) => {
    lastError = error;
    if (!opened || lost) return;
    lost = true;
    events.onLost(error);
  });
  client.on('close', () => {
    if (!opened || lost) return;
    lost = true;
    events.onLost(lastError ?? new Error('connection closed'));
  });
  client.on('ready', () => {
    if (!opened || !lost) return;
    lost = false;
    events.onReady();
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw startupErrorOf(url, lastError ?? error);
  }
  opened = true;
  return client;
}

/** The one line a failed first connection prints. */
function startupErrorOf(url: string, error: unknown): StartupError {
  const reason = error instanceof Error ? error.message : String(error);
  const target = redisTarget(url);
  if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(reason)) {
    return new StartupError(`Redis at ${target} refused the login (${reason}): check the user and password in REDIS_URL`, { cause: error });
  }
  return new StartupError(`cannot reach Redis at ${target} (${reason}): is it running? (REDIS_URL)`, { cause: error });
}
