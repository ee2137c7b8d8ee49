import { describe, expect, it } from 'vitest';
import { PubSub } from '../../src/events/pubsub.js';
import { currentThenChanges } from '../../src/schema/streams.js';

type Topics = { job: { step: number; last?: boolean } };

/** A stream over a real pubsub, and how many listeners the topic still has. */
function setUp(current: () => Promise<Topics['job']>) {
  const pubsub = new PubSub<Topics>();
  const changes = pubsub.subscribe('job', 1);
  const stream = currentThenChanges(changes, current, (state) => state.last === true);
  return { pubsub, stream, listeners: () => pubsub.listenerCount('job', 1) };
}

describe('currentThenChanges', () => {
  it('delivers the current state, then every change up to the last, then ends and unsubscribes', async () => {
    const { pubsub, stream, listeners } = setUp(async () => ({ step: 0 }));
    expect(await stream.next()).toEqual({ done: false, value: { step: 0 } });
    pubsub.publish('job', 1, { step: 1 });
    pubsub.publish('job', 1, { step: 2, last: true });
    pubsub.publish('job', 1, { step: 3 });
    expect(await stream.next()).toEqual({ done: false, value: { step: 1 } });
    expect(await stream.next()).toEqual({ done: false, value: { step: 2, last: true } });
    expect(listeners()).toBe(0);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('ends after a current state that is already the last', async () => {
    const { stream, listeners } = setUp(async () => ({ step: 5, last: true }));
    expect(await stream.next()).toEqual({ done: false, value: { step: 5, last: true } });
    expect(listeners()).toBe(0);
    expect((await stream.next()).done).toBe(true);
  });

  it('unsubscribes when reading the current state fails, and passes the error on', async () => {
    const { stream, listeners } = setUp(async () => {
      throw new Error('no such job');
    });
    await expect(stream.next()).rejects.toThrow('no such job');
    expect(listeners()).toBe(0);
    expect((await stream.next()).done).toBe(true);
  });

  it('return() while waiting on a quiet job unsubscribes at once and ends the waiting read', async () => {
    const { stream, listeners } = setUp(async () => ({ step: 0 }));
    await stream.next();
    const waiting = stream.next();
    expect(listeners()).toBe(1);
    await stream.return!();
    expect(listeners()).toBe(0);
    expect(await waiting).toEqual({ done: true, value: undefined });
  });
});
