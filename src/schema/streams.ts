/**
 * Wraps a subscription's async generator so that `return()` (the client
 * unsubscribed or disconnected) reaches the pubsub iterator it waits on at
 * once. A generator suspended in `await source.next()` cannot run its
 * `finally` until that await settles, which for a quiet job may be never: its
 * listener would stay registered. Ending `source` first settles the await,
 * the generator leaves its loop and cleans up.
 */
export function endWithSource<T>(
  source: { return?: () => unknown },
  generator: AsyncGenerator<T, void, undefined>,
): AsyncGenerator<T, void, undefined> {
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
