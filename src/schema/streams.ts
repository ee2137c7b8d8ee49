/**
 * A subscription's stream over a pubsub iterator (`source`): `body` is the
 * stream's logic, and `source` is ended whichever way the stream ends. The
 * stream's `return()` (the client unsubscribed or disconnected) ends
 * `source` first: a generator suspended in `await source.next()` cannot run
 * its `finally` until that await settles, which for a quiet job may be
 * never, and its listener would stay registered.
 */
export function endWithSource<T>(source: { return?: () => unknown }, body: () => AsyncGenerator<T, void, undefined>): AsyncGenerator<T, void, undefined> {
  const generator = (async function* () {
    try {
      yield* body();
    } finally {
      await source.return?.();
    }
  })();
  const wrapped: AsyncGenerator<T, void, undefined> = {
    next: () => generator.next(),
    return: async (value) => {
      await source.return?.();
      return generator.return(value);
    },
    throw: async (error: unknown) => {
      await source.return?.();
      return generator.throw(error);
    },
    [Symbol.asyncIterator]: () => wrapped,
  };
  return wrapped;
}

/**
 * A live state's stream, written without generators: `current()` first
 * (called after `changes` subscribed, so no change falls in between), then
 * every change, ending after the first state `isLast` accepts; `changes` is
 * ended whichever way the stream ends, at once on `return()`. Per event it
 * costs one awaited `changes.next()`; {@link endWithSource} around two
 * async generators cost several more turns and objects per event and
 * subscriber, which a job watched by 1,000 dashboards pays 1,000 times
 * (BENCHMARKS.md, fanout).
 */
export function currentThenChanges<T>(changes: AsyncIterableIterator<T>, current: () => Promise<T>, isLast: (state: T) => boolean): AsyncIterableIterator<T> {
  let started = false;
  let ended = false;
  const end = async (): Promise<IteratorResult<T>> => {
    ended = true;
    await changes.return?.();
    return { done: true, value: undefined };
  };
  const deliver = async (state: T): Promise<IteratorResult<T>> => {
    // the last state is delivered; the subscription to changes ends with it
    if (isLast(state)) await end();
    return { done: false, value: state };
  };
  const stream: AsyncIterableIterator<T> = {
    async next() {
      if (ended) return { done: true, value: undefined };
      try {
        if (!started) {
          started = true;
          return await deliver(await current());
        }
        const result = await changes.next();
        if (result.done) return await end();
        return await deliver(result.value);
      } catch (error) {
        await end();
        throw error;
      }
    },
    return: end,
    async throw(error: unknown) {
      await end();
      throw error;
    },
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}
