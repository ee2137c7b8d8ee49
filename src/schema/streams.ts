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
