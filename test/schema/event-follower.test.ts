import { describe, expect, it } from 'vitest';
import type { EventRecord } from '../../src/domain/event-types.js';
import { MAX_UNREAD, SlowConsumerError } from '../../src/events/pubsub.js';
import { EventFollower, type EventSource } from '../../src/schema/event-follower.js';

/** An event log in memory; `commit` stores an event, then announces it, as the outbox does. */
function memoryLog(stored: number) {
  const events: EventRecord[] = [];
  const listeners = new Set<(event: EventRecord) => void>();
  const make = (sequence: number): EventRecord => ({ sequence, type: 'JOB_STARTED', jobId: sequence, repositoryId: 1, occurredAt: new Date(0), payload: '{}' });
  for (let sequence = 1; sequence <= stored; sequence++) events.push(make(sequence));
  let beforeRead = () => {};
  const source: EventSource = {
    read: async (after, limit) => {
      beforeRead();
      const page = events.filter((event) => event.sequence > after).slice(0, limit);
      await Promise.resolve();
      return page;
    },
    listen: (onEvent) => {
      listeners.add(onEvent);
      return () => void listeners.delete(onEvent);
    },
  };
  return {
    source,
    listeners,
    commit: () => {
      const event = make(events.length + 1);
      events.push(event);
      listeners.forEach((listener) => listener(event));
    },
    /** runs before each read (an event committed while a page is read) */
    onRead: (hook: () => void) => (beforeRead = hook),
  };
}

async function take(follower: EventFollower, count: number): Promise<number[]> {
  const sequences: number[] = [];
  for (let i = 0; i < count; i++) sequences.push(((await follower.next()).value as EventRecord).sequence);
  return sequences;
}

describe('EventFollower: the event log after a cursor, then live', () => {
  it('replays page after page, then follows, each event once, in order, even when events are committed during the reads', async () => {
    const log = memoryLog(600);
    let reads = 0;
    log.onRead(() => {
      if (++reads <= 3) log.commit();
    });
    const follower = new EventFollower(log.source, 100);
    expect(await take(follower, 503)).toEqual(Array.from({ length: 503 }, (_, i) => 101 + i));
    log.commit();
    expect(await take(follower, 1)).toEqual([604]);
    await follower.return();
    expect(log.listeners.size).toBe(0);
  });

  it('a live reader more than MAX_UNREAD behind ends with SLOW_CONSUMER and the cursor to resume after', async () => {
    const log = memoryLog(2);
    const follower = new EventFollower(log.source, 0);
    expect(await take(follower, 2)).toEqual([1, 2]);
    // caught up: the next read waits for live events
    const waiting = follower.next();
    // let that read find the log empty and go live before the next commit
    await new Promise((resolve) => setTimeout(resolve, 0));
    log.commit();
    expect((await waiting).value?.sequence).toBe(3);
    for (let i = 0; i <= MAX_UNREAD; i++) log.commit();
    expect(log.listeners.size).toBe(0);
    const error = await follower.next().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SlowConsumerError);
    expect((error as SlowConsumerError).resumeOffset).toBe(3);
    expect((error as Error).message).toContain('after: "3"');
  });
});
