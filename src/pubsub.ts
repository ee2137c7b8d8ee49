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
  listen<T extends keyof Topics & string>(
    topic: T,
    key: string | number,
    listener: (payload: Topics[T]) => void,
  ): () => void {
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
   * An async iterator over the payloads of `topic`/`key`, buffering what
   * arrives between two reads. It subscribes at once (not on the first
   * `next()`), so a caller can subscribe, then read current state, and miss
   * nothing in between. `return()` (or `signal`) unsubscribes. Several
   * `next()` calls may be pending at once: they settle in call order, and
   * all with `done` when the iterator ends.
   */
  subscribe<T extends keyof Topics & string>(
    topic: T,
    key: string | number,
    signal?: AbortSignal,
  ): AsyncIterableIterator<Topics[T]> {
    // An array with a moving head: shift() would be quadratic for a reader
    // that falls behind a burst of log lines.
    let queue: Topics[T][] = [];
    let head = 0;
    // next() calls waiting for a payload, oldest first. The protocol allows
    // calling next() again before the previous promise settled; each must
    // settle. Only non-empty while `queue` is empty, and rarely longer than 1.
    let waiting: ((result: IteratorResult<Topics[T]>) => void)[] = [];
    let done = false;
    const finish = (): IteratorResult<Topics[T]> => {
      done = true;
      unlisten();
      signal?.removeEventListener('abort', onAbort);
      queue = [];
      head = 0;
      const waiters = waiting;
      waiting = [];
      for (const resolve of waiters) resolve({ done: true, value: undefined });
      return { done: true, value: undefined };
    };
    const onAbort = () => finish();
    const unlisten = this.listen(topic, key, (payload) => {
      const resolve = waiting.shift();
      if (resolve) resolve({ done: false, value: payload });
      else queue.push(payload);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) finish();

    return {
      next: () => {
        if (head < queue.length) {
          const value = queue[head++] as Topics[T];
          if (head === queue.length) {
            queue = [];
            head = 0;
          }
          return Promise.resolve({ done: false, value });
        }
        if (done) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => waiting.push(resolve));
      },
      return: () => Promise.resolve(finish()),
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
