/**
 * The most payloads a subscription keeps for a reader that has not taken
 * them yet. A reader further behind is too slow to follow live: holding
 * more for it would let one stalled client grow the server without limit.
 */
export const MAX_UNREAD = 10_000;

/**
 * Ends a subscription whose reader fell too far behind (API code
 * `SLOW_CONSUMER`). `resumeOffset`, where the stream has one (`jobLogs`),
 * is the position to subscribe again from: everything before it was
 * delivered, nothing after it was.
 */
export class SlowConsumerError extends Error {
  override name = 'SlowConsumerError';

  constructor(
    message: string,
    readonly resumeOffset?: number,
  ) {
    super(message);
  }
}

/** How {@link PubSub.subscribe} keeps what its reader has not taken yet. */
export interface SubscribeOptions<T> {
  /** unsubscribes, like `return()` */
  signal?: AbortSignal;
  /**
   * Latest-wins: an unread payload is replaced by a newer one of the same
   * key (in its place in the queue), so a slow reader gets the newest state
   * of each key, never a queue of old ones. Without it every payload is kept.
   */
  latestBy?: (payload: T) => unknown;
  /**
   * More unread payloads than this (distinct keys with `latestBy`) end the
   * subscription: the reader's next `next()` rejects with a
   * {@link SlowConsumerError}. Default {@link MAX_UNREAD}.
   */
  maxUnread?: number;
}

/** The unread payloads of one subscription, oldest first. */
interface Backlog<T> {
  readonly size: number;
  push(payload: T): void;
  /** the oldest payload; only called while size > 0 */
  take(): T;
  clear(): void;
}

/** Every payload, in order: an array with a moving head (shift() would be quadratic for a reader behind a burst). */
function fifo<T>(): Backlog<T> {
  let items: T[] = [];
  let head = 0;
  return {
    get size() {
      return items.length - head;
    },
    push: (payload) => void items.push(payload),
    take: () => {
      const payload = items[head++] as T;
      if (head === items.length) {
        items = [];
        head = 0;
      }
      return payload;
    },
    clear: () => void ((items = []), (head = 0)),
  };
}

/** The newest payload per key, keys in the order they first became unread (a Map keeps that order on set). */
function latestWins<T>(keyOf: (payload: T) => unknown): Backlog<T> {
  const latest = new Map<unknown, T>();
  return {
    get size() {
      return latest.size;
    },
    push: (payload) => void latest.set(keyOf(payload), payload),
    take: () => {
      const [key, payload] = latest.entries().next().value as [unknown, T];
      latest.delete(key);
      return payload;
    },
    clear: () => latest.clear(),
  };
}

/**
 * A small typed publish/subscribe hub. Topics are keyed (`job` + job id), so
 * a subscriber to one job never sees another job's events, and publishing to
 * a key nobody listens to costs one map lookup: progress and log lines are
 * published on the hot path, whether or not anyone watches.
 */
export class PubSub<Topics extends Record<string, unknown>> {
  readonly #channels = new Map<string, Set<(payload: never) => void>>();
  #subscriberCount = 0;

  /** Delivers `payload` synchronously to every current subscriber of `topic`/`key`. */
  publish<T extends keyof Topics & string>(topic: T, key: string | number, payload: Topics[T]): void {
    const listeners = this.#channels.get(`${topic}:${key}`);
    if (!listeners) return;
    for (const listener of listeners) (listener as (p: Topics[T]) => void)(payload);
  }

  /** Calls `listener` for every payload until the returned function is called. */
  listen<T extends keyof Topics & string>(topic: T, key: string | number, listener: (payload: Topics[T]) => void): () => void {
    const channel = `${topic}:${key}`;
    let listeners = this.#channels.get(channel);
    if (!listeners) this.#channels.set(channel, (listeners = new Set()));
    listeners.add(listener);
    this.#subscriberCount += 1;
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.#subscriberCount -= 1;
      listeners.delete(listener);
      if (listeners.size === 0) this.#channels.delete(channel);
    };
  }

  /**
   * An async iterator over the payloads of `topic`/`key`, keeping what
   * arrives between two reads (all of it, or the latest per key: see
   * {@link SubscribeOptions}), at most `maxUnread`. It subscribes at once
   * (not on the first `next()`), so a caller can subscribe, then read
   * current state, and miss nothing in between. `return()` (or `signal`)
   * unsubscribes. Several `next()` calls may be pending at once: they settle
   * in call order, and all with `done` when the iterator ends.
   */
  subscribe<T extends keyof Topics & string>(topic: T, key: string | number, options: SubscribeOptions<Topics[T]> = {}): AsyncIterableIterator<Topics[T]> {
    const { signal, latestBy, maxUnread = MAX_UNREAD } = options;
    const unread = latestBy ? latestWins(latestBy) : fifo<Topics[T]>();
    // next() calls waiting for a payload, oldest first. The protocol allows
    // calling next() again before the previous promise settled; each must
    // settle. Only non-empty while nothing is unread, and rarely longer than 1.
    let waiting: ((result: IteratorResult<Topics[T]>) => void)[] = [];
    let done = false;
    let overflow: SlowConsumerError | null = null;
    const finish = (): IteratorResult<Topics[T]> => {
      done = true;
      unlisten();
      signal?.removeEventListener('abort', onAbort);
      unread.clear();
      const waiters = waiting;
      waiting = [];
      for (const resolve of waiters) resolve({ done: true, value: undefined });
      return { done: true, value: undefined };
    };
    const onAbort = () => finish();
    const unlisten = this.listen(topic, key, (payload) => {
      const resolve = waiting.shift();
      if (resolve) return resolve({ done: false, value: payload });
      unread.push(payload);
      if (unread.size > maxUnread) {
        // what it has not read is dropped now: the reader learns on its next read
        overflow = new SlowConsumerError(`more than ${maxUnread} events waited unread: the subscriber reads too slowly`);
        finish();
      }
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) finish();

    return {
      next: () => {
        if (unread.size > 0) return Promise.resolve({ done: false, value: unread.take() });
        if (overflow) {
          const error = overflow;
          overflow = null;
          return Promise.reject(error);
        }
        if (done) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => waiting.push(resolve));
      },
      return: () => {
        overflow = null;
        return Promise.resolve(finish());
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Subscribers of one topic/key. */
  listenerCount<T extends keyof Topics & string>(topic: T, key: string | number): number {
    return this.#channels.get(`${topic}:${key}`)?.size ?? 0;
  }

  /** Live subscriptions across all topics (a metrics gauge). */
  get subscriberCount(): number {
    return this.#subscriberCount;
  }
}
