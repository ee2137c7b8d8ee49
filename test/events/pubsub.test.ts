// PubSub: keyed topics, listen(), and the buffering async iterator behind
// every GraphQL subscription (jobProgress, jobLogs, jobEvents).
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { MAX_UNREAD, PubSub, SlowConsumerError } from '../../src/events/pubsub.js';

interface Topics extends Record<string, unknown> {
  job: { id: number; n: number };
  jobLog: string | null;
  jobs: number;
}

/** Resolves to 'pending' when `promise` has not settled after the queued work ran. */
async function state<T>(promise: Promise<T>): Promise<'pending' | T> {
  const marker = Symbol('pending');
  const result = await Promise.race([promise, new Promise<symbol>((resolve) => setImmediate(() => resolve(marker)))]);
  return result === marker ? 'pending' : (result as T);
}

describe('PubSub.listen', () => {
  it('delivers synchronously, only to the same topic and key', () => {
    const pubsub = new PubSub<Topics>();
    const got: string[] = [];
    pubsub.listen('job', 1, (p) => got.push(`job1:${p.n}`));
    pubsub.listen('job', 2, (p) => got.push(`job2:${p.n}`));
    pubsub.listen('jobLog', 1, (p) => got.push(`log1:${p}`));
    pubsub.publish('job', 1, { id: 1, n: 1 });
    expect(got).toEqual(['job1:1']); // synchronous
    pubsub.publish('job', 2, { id: 2, n: 2 });
    pubsub.publish('jobLog', 1, 'line');
    pubsub.publish('job', 3, { id: 3, n: 3 }); // nobody listens: no error
    expect(got).toEqual(['job1:1', 'job2:2', 'log1:line']);
  });

  it('treats a numeric key and its decimal string as the same key (job ids arrive as both)', () => {
    const pubsub = new PubSub<Topics>();
    const got: number[] = [];
    pubsub.listen('jobs', '7', (p) => got.push(p));
    pubsub.publish('jobs', 7, 1);
    expect(got).toEqual([1]);
  });

  it('delivers to every listener of a key in subscription order; unlisten is idempotent', () => {
    const pubsub = new PubSub<Topics>();
    const got: string[] = [];
    const offA = pubsub.listen('jobs', 'all', (p) => got.push(`a${p}`));
    pubsub.listen('jobs', 'all', (p) => got.push(`b${p}`));
    expect(pubsub.subscriberCount).toBe(2);
    pubsub.publish('jobs', 'all', 1);
    offA();
    offA();
    expect(pubsub.subscriberCount).toBe(1);
    pubsub.publish('jobs', 'all', 2);
    expect(got).toEqual(['a1', 'b1', 'b2']);
  });

  it('a listener may unsubscribe itself while being called', () => {
    const pubsub = new PubSub<Topics>();
    const got: string[] = [];
    const off = pubsub.listen('jobs', 'all', (p) => {
      got.push(`once${p}`);
      off();
    });
    pubsub.listen('jobs', 'all', (p) => got.push(`always${p}`));
    pubsub.publish('jobs', 'all', 1);
    pubsub.publish('jobs', 'all', 2);
    expect(got).toEqual(['once1', 'always1', 'always2']);
    expect(pubsub.subscriberCount).toBe(1);
  });
});

describe('PubSub.subscribe', () => {
  it('buffers from the moment of the call, before the first next()', async () => {
    const pubsub = new PubSub<Topics>();
    const it = pubsub.subscribe('jobLog', 5);
    expect(pubsub.subscriberCount).toBe(1);
    pubsub.publish('jobLog', 5, 'a');
    pubsub.publish('jobLog', 5, 'b');
    pubsub.publish('jobLog', 6, 'other job');
    pubsub.publish('jobLog', 5, null);
    expect(await it.next()).toEqual({ done: false, value: 'a' });
    expect(await it.next()).toEqual({ done: false, value: 'b' });
    expect(await it.next()).toEqual({ done: false, value: null }); // null is a payload, not the end
    expect(await state(it.next())).toBe('pending');
    await it.return!();
  });

  it('a pending next() is resolved by the next publish', async () => {
    const pubsub = new PubSub<Topics>();
    const it = pubsub.subscribe('job', 1);
    const next = it.next();
    expect(await state(next)).toBe('pending');
    pubsub.publish('job', 1, { id: 1, n: 42 });
    expect(await next).toEqual({ done: false, value: { id: 1, n: 42 } });
    await it.return!();
  });

  it('keyed topics isolate subscribers', async () => {
    const pubsub = new PubSub<Topics>();
    const one = pubsub.subscribe('job', 1);
    const two = pubsub.subscribe('job', 2);
    pubsub.publish('job', 2, { id: 2, n: 1 });
    pubsub.publish('job', 1, { id: 1, n: 1 });
    expect((await one.next()).value).toEqual({ id: 1, n: 1 });
    expect((await two.next()).value).toEqual({ id: 2, n: 1 });
    expect(await state(one.next())).toBe('pending');
    await one.return!();
    await two.return!();
  });

  it('return() unsubscribes, resolves a pending next() with done, and later next() calls are done', async () => {
    const pubsub = new PubSub<Topics>();
    const it = pubsub.subscribe('job', 1);
    const pending = it.next();
    expect(pubsub.subscriberCount).toBe(1);
    expect(await it.return!()).toEqual({ done: true, value: undefined });
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(pubsub.subscriberCount).toBe(0);
    pubsub.publish('job', 1, { id: 1, n: 1 });
    expect(await it.next()).toEqual({ done: true, value: undefined });
    await it.return!(); // twice is harmless
    expect(pubsub.subscriberCount).toBe(0);
  });

  it('return() drops what was buffered and not yet read', async () => {
    const pubsub = new PubSub<Topics>();
    const it = pubsub.subscribe('jobs', 'all');
    pubsub.publish('jobs', 'all', 1);
    pubsub.publish('jobs', 'all', 2);
    expect((await it.next()).value).toBe(1);
    await it.return!();
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('an AbortSignal unsubscribes, resolves a pending next(), and its listener is removed', async () => {
    const pubsub = new PubSub<Topics>();
    const controller = new AbortController();
    const it = pubsub.subscribe('job', 1, { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    const pending = it.next();
    controller.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(pubsub.subscriberCount).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('return() removes the abort listener too (a long-lived signal does not collect dead iterators)', async () => {
    const pubsub = new PubSub<Topics>();
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await pubsub.subscribe('job', i, { signal: controller.signal }).return!();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(pubsub.subscriberCount).toBe(0);
  });

  it('an already aborted signal gives an ended iterator that holds no subscription', async () => {
    const pubsub = new PubSub<Topics>();
    const it = pubsub.subscribe('job', 1, { signal: AbortSignal.abort() });
    expect(pubsub.subscriberCount).toBe(0);
    pubsub.publish('job', 1, { id: 1, n: 1 });
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('subscriberCount counts listen() and subscribe() across topics', async () => {
    const pubsub = new PubSub<Topics>();
    const off = pubsub.listen('jobs', 'all', () => {});
    const a = pubsub.subscribe('job', 1);
    const b = pubsub.subscribe('job', 1);
    const c = pubsub.subscribe('jobLog', 1);
    expect(pubsub.subscriberCount).toBe(4);
    await a.return!();
    expect(pubsub.subscriberCount).toBe(3);
    off();
    await b.return!();
    await c.return!();
    expect(pubsub.subscriberCount).toBe(0);
  });

  it('listenerCount counts the subscribers of one topic/key only', async () => {
    const pubsub = new PubSub<Topics>();
    const a = pubsub.subscribe('job', 1);
    const off = pubsub.listen('job', '1', () => {});
    const other = pubsub.subscribe('job', 2);
    expect(pubsub.listenerCount('job', 1)).toBe(2);
    expect(pubsub.listenerCount('job', 2)).toBe(1);
    expect(pubsub.listenerCount('jobLog', 1)).toBe(0);
    await a.return!();
    off();
    expect(pubsub.listenerCount('job', 1)).toBe(0);
    await other.return!();
    expect(pubsub.listenerCount('job', 2)).toBe(0);
  });

  it('works with for await, and break unsubscribes', async () => {
    const pubsub = new PubSub<Topics>();
    const it = pubsub.subscribe('jobs', 'all');
    for (let i = 1; i <= 5; i++) pubsub.publish('jobs', 'all', i);
    const got: number[] = [];
    for await (const value of it) {
      got.push(value);
      if (value === 3) break;
    }
    expect(got).toEqual([1, 2, 3]);
    expect(pubsub.subscriberCount).toBe(0);
  });

  it('a slow reader allowed 100,000 unread payloads gets them all, in order (burst, then drain)', async () => {
    const pubsub = new PubSub<Topics>();
    const N = 100_000;
    const it = pubsub.subscribe('jobs', 'all', { maxUnread: N });
    for (let i = 0; i < N; i++) pubsub.publish('jobs', 'all', i);
    let expected = 0;
    for (let i = 0; i < N; i++) {
      const { value, done } = await it.next();
      if (done || value !== expected) throw new Error(`payload ${i}: got ${String(value)}, done ${done}`);
      expected++;
    }
    expect(expected).toBe(N);
    expect(await state(it.next())).toBe('pending');
    await it.return!();
  });

  it('a reader that stays behind a steady stream (two published per read) gets all 100,000 in order within its maxUnread', async () => {
    const pubsub = new PubSub<Topics>();
    const N = 100_000;
    const it = pubsub.subscribe('jobs', 'all', { maxUnread: N });
    let published = 0;
    let read = 0;
    while (read < N) {
      for (let k = 0; k < 2 && published < N; k++) pubsub.publish('jobs', 'all', published++);
      const { value } = await it.next();
      if (value !== read) throw new Error(`read ${read}: got ${String(value)}`);
      read++;
    }
    expect(read).toBe(N);
    await it.return!();
  });

  // Was a surprise: only one pending next() was remembered, so calling next() twice
  // without awaiting (allowed by the async-iterator protocol; `for await` never does it)
  // lost the first promise, which never settled, not even on return(). Pending next()
  // calls are now a FIFO, all resolved with done when the iterator ends.
  it('two next() calls made before any payload both settle, in order', async () => {
    const pubsub = new PubSub<Topics>();
    const it = pubsub.subscribe('jobs', 'all');
    const first = it.next();
    const second = it.next();
    pubsub.publish('jobs', 'all', 1);
    pubsub.publish('jobs', 'all', 2);
    expect(await state(first)).toEqual({ done: false, value: 1 });
    expect(await state(second)).toEqual({ done: false, value: 2 });
    await it.return!();
  });

  it('several pending next() calls all resolve done on return(), and on abort', async () => {
    const pubsub = new PubSub<Topics>();
    const it = pubsub.subscribe('jobs', 'all');
    const pending = [it.next(), it.next(), it.next()];
    pubsub.publish('jobs', 'all', 1);
    await it.return!();
    expect(await Promise.all(pending.map(state))).toEqual([
      { done: false, value: 1 },
      { done: true, value: undefined },
      { done: true, value: undefined },
    ]);
    const controller = new AbortController();
    const aborted = pubsub.subscribe('jobs', 'all', { signal: controller.signal });
    const waits = [aborted.next(), aborted.next()];
    controller.abort();
    expect(await Promise.all(waits.map(state))).toEqual([
      { done: true, value: undefined },
      { done: true, value: undefined },
    ]);
    expect(pubsub.subscriberCount).toBe(0);
  });

  it('after the pending next() calls are served, later payloads are buffered again in order', async () => {
    const pubsub = new PubSub<Topics>();
    const it = pubsub.subscribe('jobs', 'all');
    const first = it.next();
    const second = it.next();
    for (let i = 1; i <= 4; i++) pubsub.publish('jobs', 'all', i);
    expect([await first, await second].map((r) => r.value)).toEqual([1, 2]);
    expect((await it.next()).value).toBe(3);
    expect((await it.next()).value).toBe(4);
    expect(await state(it.next())).toBe('pending');
    await it.return!();
  });
});

describe('PubSub.subscribe: bounded for slow readers', () => {
  it('one payload more than maxUnread ends the subscription: what was unread is dropped, the next read rejects SlowConsumerError, then done', async () => {
    const pubsub = new PubSub<Topics>();
    const it = pubsub.subscribe('jobs', 'all', { maxUnread: 3 });
    pubsub.publish('jobs', 'all', 1);
    expect(await it.next()).toEqual({ done: false, value: 1 });
    for (let i = 2; i <= 4; i++) pubsub.publish('jobs', 'all', i);
    expect(pubsub.subscriberCount).toBe(1); // 3 unread: at the limit, not over it
    pubsub.publish('jobs', 'all', 5);
    expect(pubsub.subscriberCount).toBe(0);
    const error = await it.next().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SlowConsumerError);
    expect((error as SlowConsumerError).resumeOffset).toBeUndefined();
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it(`the default limit is ${MAX_UNREAD.toLocaleString('en')} unread payloads`, async () => {
    const pubsub = new PubSub<Topics>();
    const it = pubsub.subscribe('jobs', 'all');
    for (let i = 0; i < MAX_UNREAD; i++) pubsub.publish('jobs', 'all', i);
    expect(pubsub.listenerCount('jobs', 'all')).toBe(1);
    pubsub.publish('jobs', 'all', MAX_UNREAD);
    expect(pubsub.listenerCount('jobs', 'all')).toBe(0);
    await expect(it.next()).rejects.toBeInstanceOf(SlowConsumerError);
  });

  it('return() after an overflow ends quietly: nothing rejects', async () => {
    const pubsub = new PubSub<Topics>();
    const it = pubsub.subscribe('jobs', 'all', { maxUnread: 1 });
    pubsub.publish('jobs', 'all', 1);
    pubsub.publish('jobs', 'all', 2);
    expect(await it.return!()).toEqual({ done: true, value: undefined });
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('latestBy: a slow reader gets the newest payload of each key, keys in the order they first became unread', async () => {
    const pubsub = new PubSub<Topics>();
    const it = pubsub.subscribe('job', 1, { latestBy: (state) => state.id });
    for (const payload of [
      { id: 7, n: 1 },
      { id: 8, n: 1 },
      { id: 7, n: 2 },
      { id: 7, n: 3 },
    ])
      pubsub.publish('job', 1, payload);
    expect((await it.next()).value).toEqual({ id: 7, n: 3 });
    expect((await it.next()).value).toEqual({ id: 8, n: 1 });
    expect(await state(it.next())).toBe('pending');
    await it.return!();
  });

  it('latestBy: a million states of one key while the reader is away leave one to read, and no overflow', async () => {
    const pubsub = new PubSub<Topics>();
    const it = pubsub.subscribe('job', 1, { latestBy: (state) => state.id, maxUnread: 1 });
    for (let n = 1; n <= 1_000_000; n++) pubsub.publish('job', 1, { id: 1, n });
    expect(pubsub.listenerCount('job', 1)).toBe(1);
    expect(await it.next()).toEqual({ done: false, value: { id: 1, n: 1_000_000 } });
    expect(await state(it.next())).toBe('pending');
    await it.return!();
  });

  it('latestBy: a reader that is waiting gets each payload as it comes (nothing is replaced that was never unread)', async () => {
    const pubsub = new PubSub<Topics>();
    const it = pubsub.subscribe('job', 1, { latestBy: (state) => state.id });
    const first = it.next();
    pubsub.publish('job', 1, { id: 1, n: 1 });
    pubsub.publish('job', 1, { id: 1, n: 2 });
    expect((await first).value).toEqual({ id: 1, n: 1 });
    expect((await it.next()).value).toEqual({ id: 1, n: 2 });
    await it.return!();
  });
});
