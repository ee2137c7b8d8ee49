import type { LogLine, LogPage } from '../logs/log-store.js';
import { MAX_UNREAD, SlowConsumerError } from '../events/pubsub.js';

/**
 * Lines read from the store per replay step. Small: a subscriber that
 * stopped reading in the middle of a replay holds its current page, and a
 * page is read only once the previous one was written to the client.
 */
export const REPLAY_PAGE = 250;

/** Where a {@link LogFollower} reads one job's log. */
export interface LogSource {
  /** the lines after the first `offset`, at most `limit` (LogStore.read: synchronous, so no line can slip in between a read and going live) */
  read(offset: number, limit: number): LogPage;
  /** calls `onLine` with every line appended from now on, and with null once the log is complete; returns the unsubscribe function */
  listen(onLine: (line: LogLine | null) => void): () => void;
}

const DONE: IteratorResult<LogLine> = { done: true, value: undefined };

/**
 * One `jobLogs` subscriber's way through a job's log: the stored lines after
 * its offset, read a page at a time as the client takes them, then the new
 * lines as they are appended, every line once, in order.
 *
 * "Behind" is what the server holds for this client and has not written to
 * its connection: the unread rest of the current page, the live lines queued
 * since, and the line handed out whose write has not completed (the next
 * `next()` call means it was written: the transports pull one line at a
 * time, after the previous one's write). While it replays, lines appended
 * meanwhile are not queued (they are in the store, and the replay reaches
 * them), so a long replay never counts as behind; live lines are queued only
 * once it caught up. More than {@link MAX_UNREAD} behind ends the follower:
 * its queue is dropped at once, and its next `next()` (after the client took
 * what was already on its way) rejects with a {@link SlowConsumerError}
 * whose `resumeOffset` is the number of the last line it handed out.
 *
 * It listens from construction on, so a caller may look up the job after
 * creating it and miss no line in between.
 */
export class LogFollower implements AsyncIterableIterator<LogLine> {
  /** number of the last line handed out (the client's offset) */
  #last: number;
  #page: LogLine[] = [];
  #pageAt = 0;
  /** live lines not handed out yet; null while replaying from the store */
  #live: LogLine[] | null = null;
  #liveAt = 0;
  #inFlight = false;
  #logComplete = false;
  #state: 'open' | 'overflowed' | 'ended' = 'open';
  #wake: (() => void) | null = null;
  #pulling: Promise<IteratorResult<LogLine>> = Promise.resolve(DONE);
  readonly #unlisten: () => void;

  constructor(
    private readonly source: LogSource,
    offset: number,
  ) {
    this.#last = offset;
    this.#unlisten = source.listen((line) => this.#onLine(line));
  }

  /**
   * The log gets no more lines (it was closed, or the job ended before the
   * subscription): what is queued or stored is still handed out, then done.
   * Listening stops now, not at the client's next read: a client that
   * stopped reading holds no listener on a finished job.
   */
  complete(): void {
    this.#logComplete = true;
    this.#unlisten();
    this.#wakeUp();
  }

  next(): Promise<IteratorResult<LogLine>> {
    // a next() called before the previous one settled waits for it: lines are handed out one at a time
    this.#pulling = this.#pulling.then(
      () => this.#pull(),
      () => this.#pull(),
    );
    return this.#pulling;
  }

  return(): Promise<IteratorResult<LogLine>> {
    this.#end();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async #pull(): Promise<IteratorResult<LogLine>> {
    this.#inFlight = false;
    for (;;) {
      if (this.#state === 'ended') return DONE;
      if (this.#state === 'overflowed') {
        this.#end();
        throw new SlowConsumerError(
          `more than ${MAX_UNREAD} log lines waited to be sent: the subscriber reads too slowly; resume with offset ${this.#last}`,
          this.#last,
        );
      }
      if (this.#pageAt < this.#page.length) return this.#handOut(this.#page[this.#pageAt++]!);
      if (this.#live === null) {
        const page = this.source.read(this.#last, REPLAY_PAGE);
        this.#page = page.lines;
        this.#pageAt = 0;
        if (page.lines.length > 0) continue;
        // caught up with the store: from now on appended lines are queued
        if (this.#logComplete) return this.#finish();
        this.#live = [];
        continue;
      }
      if (this.#liveAt < this.#live.length) {
        const line = this.#live[this.#liveAt++]!;
        if (this.#liveAt === this.#live.length) {
          this.#live = [];
          this.#liveAt = 0;
        }
        return this.#handOut(line);
      }
      if (this.#logComplete) return this.#finish();
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #handOut(line: LogLine): IteratorResult<LogLine> {
    this.#last = line.lineNumber;
    this.#inFlight = true;
    return { done: false, value: line };
  }

  #onLine(line: LogLine | null): void {
    if (line === null) return this.complete();
    const live = this.#live;
    if (live === null || this.#state !== 'open') return;
    if (line.lineNumber <= (live.at(-1)?.lineNumber ?? this.#last)) return;
    live.push(line);
    const behind = live.length - this.#liveAt + (this.#page.length - this.#pageAt) + (this.#inFlight ? 1 : 0);
    if (behind > MAX_UNREAD) {
      this.#state = 'overflowed';
      this.#release();
    }
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #finish(): IteratorResult<LogLine> {
    this.#end();
    return DONE;
  }

  /** Stops listening and drops every line held (the client's position stays in #last). */
  #release(): void {
    this.#unlisten();
    this.#page = [];
    this.#pageAt = 0;
    this.#live = null;
    this.#liveAt = 0;
  }

  #end(): void {
    this.#state = 'ended';
    this.#release();
    this.#wakeUp();
  }
}
