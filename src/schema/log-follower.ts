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

/** How often the store is read again while a line is missing: a job of another node stores its lines every second. */
export const GAP_POLL_MS = 150;
/** After this long without progress the store is read once a second only (the other node may be retrying a failed write). */
const FAST_POLL_FOR_MS = 5000;
const SLOW_POLL_MS = 1000;

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
 * A job of another node (README "Running several nodes") reaches the store
 * only when that node stores its lines (every second), while its live lines
 * arrive at once over Redis: a live line that does not follow the last one
 * handed out is held, and the store is read again every {@link GAP_POLL_MS}
 * until the lines in between are there; once the log is complete, the store
 * is read until it holds every line up to the highest number seen (or its
 * stored count). So no line is skipped and none repeated. A job of this
 * process never has a gap (its unstored lines are read from memory): its
 * lines are handed out in the turn they arrive, as before.
 *
 * It listens from construction on, so a caller may look up the job after
 * creating it and miss no line in between.
 */
export class LogFollower implements AsyncIterableIterator<LogLine> {
  /** number of the last line handed out (the client's offset) */
  #last: number;
  #page: LogLine[] = [];
  #pageAt = 0;
  /** live lines not handed out yet, numbers rising (with gaps for another node's job); null while replaying from the store */
  #live: LogLine[] | null = null;
  #liveAt = 0;
  /** the highest line number heard live: the log has at least this many lines */
  #highest = 0;
  #inFlight = false;
  #logComplete = false;
  #state: 'open' | 'overflowed' | 'ended' = 'open';
  #wake: (() => void) | null = null;
  /** ms spent reading the store again without finding the missing lines */
  #polledFor = 0;
  /** waiting to read the store again (see #poll) */
  #polling = false;
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
      const live = this.#live;
      if (live === null) {
        if (this.#readStore() > 0) continue;
        if (!this.#logComplete) {
          // caught up with the store: from now on appended lines are queued
          this.#live = [];
          continue;
        }
      } else {
        while (this.#liveAt < live.length && live[this.#liveAt]!.lineNumber <= this.#last) this.#liveAt++;
        const line = live[this.#liveAt];
        if (line?.lineNumber === this.#last + 1) {
          this.#liveAt++;
          if (this.#liveAt === live.length) {
            this.#live = [];
            this.#liveAt = 0;
          }
          return this.#handOut(line);
        }
        if (line === undefined && !this.#logComplete && this.#last >= this.#highest) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          continue;
        }
        // a gap (a line heard but not handed out: held, or heard while replaying), or the end of a
        // complete log: the lines missing are (or soon will be) in the store
        if (this.#readStore() > 0) continue;
      }
      if (this.#logComplete && this.#last >= this.#highest) return this.#finish();
      await this.#poll();
    }
  }

  /** Reads the next page from the store into #page; returns its length. Also learns the stored count, which the log has at least. */
  #readStore(): number {
    const page = this.source.read(this.#last, REPLAY_PAGE);
    this.#page = page.lines;
    this.#pageAt = 0;
    if (page.totalLines > this.#highest) this.#highest = page.totalLines;
    return page.lines.length;
  }

  /**
   * Waits until it is time to read the store again (or the log completes, or
   * the follower ends). New live lines do not wake it: a node sends a burst
   * of lines in many messages, and each would cost a read of the store.
   */
  async #poll(): Promise<void> {
    const delay = this.#polledFor < FAST_POLL_FOR_MS ? GAP_POLL_MS : SLOW_POLL_MS;
    this.#polledFor += delay;
    let timer: NodeJS.Timeout | undefined;
    this.#polling = true;
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      timer = setTimeout(() => this.#wakeUp(), delay);
    });
    this.#polling = false;
    clearTimeout(timer);
  }

  #handOut(line: LogLine): IteratorResult<LogLine> {
    this.#last = line.lineNumber;
    this.#polledFor = 0;
    this.#inFlight = true;
    return { done: false, value: line };
  }

  #onLine(line: LogLine | null): void {
    if (line === null) return this.complete();
    if (line.lineNumber > this.#highest) this.#highest = line.lineNumber;
    const live = this.#live;
    if (live === null || this.#state !== 'open') return;
    if (line.lineNumber <= (live.at(-1)?.lineNumber ?? this.#last)) return;
    live.push(line);
    const behind = live.length - this.#liveAt + (this.#page.length - this.#pageAt) + (this.#inFlight ? 1 : 0);
    if (behind > MAX_UNREAD) {
      if (live[this.#liveAt]!.lineNumber !== this.#last + 1) {
        // held behind a gap, not behind the client: drop them and replay, they reach the store
        this.#live = null;
        this.#liveAt = 0;
      } else {
        this.#state = 'overflowed';
        this.#release();
      }
    }
    if (!this.#polling || this.#state !== 'open') this.#wakeUp();
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
