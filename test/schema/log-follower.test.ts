// LogFollower: one jobLogs subscriber's replay (paged from the store as it is
// read) and live lines, bounded: more than MAX_UNREAD behind ends it with
// SlowConsumerError and the offset to resume from.
import { describe, expect, it } from 'vitest';
import type { LogLine, LogPage } from '../../src/logs/log-store.js';
import { MAX_UNREAD, SlowConsumerError } from '../../src/events/pubsub.js';
import { LogFollower, REPLAY_PAGE } from '../../src/schema/log-follower.js';

/** An in-memory log with the LogStore's read() and the pubsub's listen(), counting what reads materialised. */
class FakeLog {
  lines: LogLine[] = [];
  listeners = new Set<(line: LogLine | null) => void>();
  linesRead = 0;
  largestRead = 0;

  append(count: number): void {
    for (let i = 0; i < count; i++) {
      const line: LogLine = { lineNumber: this.lines.length + 1, content: `line ${this.lines.length + 1}`, level: null, time: null };
      this.lines.push(line);
      for (const listener of this.listeners) listener(line);
    }
  }

  close(): void {
    for (const listener of this.listeners) listener(null);
  }

  follow(offset = 0): LogFollower {
    return new LogFollower(
      {
        read: (from, limit): LogPage => {
          const lines = this.lines.slice(from, from + limit);
          this.linesRead += lines.length;
          this.largestRead = Math.max(this.largestRead, lines.length);
          return { lines, totalLines: this.lines.length, hasMore: from + lines.length < this.lines.length };
        },
        listen: (onLine) => {
          this.listeners.add(onLine);
          return () => this.listeners.delete(onLine);
        },
      },
      offset,
    );
  }
}

/** Reads `count` lines and returns their numbers. */
async function take(follower: LogFollower, count: number): Promise<number[]> {
  const numbers: number[] = [];
  for (let i = 0; i < count; i++) {
    const { done, value } = await follower.next();
    if (done) break;
    numbers.push(value.lineNumber);
  }
  return numbers;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (error: unknown) => error,
  );
}

describe('LogFollower', () => {
  it('replays a finished million-line log a page at a time, reading only what the reader takes', async () => {
    const log = new FakeLog();
    log.append(1_000_000);
    const follower = log.follow(0);
    follower.complete();
    expect(await take(follower, 1000)).toEqual(range(1, 1000));
    expect(log.linesRead).toBeLessThanOrEqual(1000 + REPLAY_PAGE);
    expect(log.largestRead).toBeLessThanOrEqual(REPLAY_PAGE);
    let last = 1000;
    for (;;) {
      const { done, value } = await follower.next();
      if (done) break;
      if (value.lineNumber !== last + 1) throw new Error(`line ${value.lineNumber} after ${last}`);
      last = value.lineNumber;
    }
    expect(last).toBe(1_000_000);
  });

  it('starts after its offset and goes live once caught up: every line once, in order, then done when the log closes', async () => {
    const log = new FakeLog();
    log.append(600);
    const follower = log.follow(100);
    const reading = take(follower, 10_000);
    await new Promise((resolve) => setImmediate(resolve));
    log.append(700);
    log.close();
    expect(log.listeners.size).toBe(0); // at once: nothing more will come
    expect(await reading).toEqual(range(101, 1300));
  });

  it('lines appended while it replays are not queued (the replay reaches them in the store): a long replay is never behind', async () => {
    const log = new FakeLog();
    log.append(REPLAY_PAGE * 3);
    const follower = log.follow(0);
    expect(await take(follower, 1)).toEqual([1]);
    log.append(MAX_UNREAD * 2); // while it is still replaying
    const rest = await take(follower, REPLAY_PAGE * 3 + MAX_UNREAD * 2 - 1);
    expect(rest).toEqual(range(2, REPLAY_PAGE * 3 + MAX_UNREAD * 2));
    log.close();
    expect(await follower.next()).toEqual({ done: true, value: undefined });
  });

  it(`a live reader more than ${MAX_UNREAD.toLocaleString('en')} lines behind is ended: its lines are dropped at once, its next read rejects with the offset of the last line it got`, async () => {
    const log = new FakeLog();
    const follower = log.follow(0);
    const first = follower.next();
    await new Promise((resolve) => setImmediate(resolve)); // it read the empty log: caught up, live
    log.append(3);
    expect((await first).value?.lineNumber).toBe(1);
    expect(await take(follower, 1)).toEqual([2]);
    // behind: line 2 handed out and not yet written (no next() since), line 3 queued, and what comes now
    log.append(MAX_UNREAD - 2);
    expect(log.listeners.size).toBe(1);
    log.append(1);
    expect(log.listeners.size).toBe(0);
    const error = await rejection(follower.next());
    expect(error).toBeInstanceOf(SlowConsumerError);
    expect((error as SlowConsumerError).resumeOffset).toBe(2);
    expect(await follower.next()).toEqual({ done: true, value: undefined });
    // resuming there gives the rest exactly
    const resumed = log.follow((error as SlowConsumerError).resumeOffset);
    resumed.complete();
    expect(await take(resumed, MAX_UNREAD * 2)).toEqual(range(3, MAX_UNREAD + 2));
  });

  it('a reader that keeps up with a long live log is never ended', async () => {
    const log = new FakeLog();
    const follower = log.follow(0);
    expect(await take(follower, 0)).toEqual([]);
    const reading = take(follower, 100_000);
    for (let i = 0; i < 100; i++) {
      log.append(1000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await reading).toEqual(range(1, 100_000));
  });

  it('return() while waiting for a line ends the wait and stops listening', async () => {
    const log = new FakeLog();
    const follower = log.follow(0);
    const waiting = follower.next();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await follower.return()).toEqual({ done: true, value: undefined });
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(log.listeners.size).toBe(0);
  });

  it('two next() calls made at once get consecutive lines', async () => {
    const log = new FakeLog();
    log.append(2);
    const follower = log.follow(0);
    follower.complete();
    const [a, b, c] = await Promise.all([follower.next(), follower.next(), follower.next()]);
    expect([a.value?.lineNumber, b.value?.lineNumber, c.done]).toEqual([1, 2, true]);
  });
});
