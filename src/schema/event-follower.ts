import type { EventRecord } from '../domain/event-types.js';
import { MAX_UNREAD, SlowConsumerError } from '../events/pubsub.js';
import { REPLAY_PAGE } from './log-follower.js';

/** Where an {@link EventFollower} reads the event log. */
export interface EventSource {
  /** the events after sequence `after`, oldest first, at most `limit` */
  read(after: number, limit: number): Promise<EventRecord[]>;
  /** calls `onEvent` with every event committed from now on; returns the unsubscribe function */
  listen(onEvent: (event: EventRecord) => void): () => void;
}

const DONE: IteratorResult<EventRecord> = { done: true, value: undefined };

/**
 * One `events` subscriber's way through the event log, as LogFollower goes
 * through a job's log: the stored events after its cursor, a page at a time
 * as the client takes them, then the new ones as they are committed, each
 * once, in order.
 *
 * It listens from construction on. Events committed during the replay are
 * queued too (a database read is asynchronous: one committed while a read
 * runs may or may not be in it) and skipped when the replay already handed
 * them out; should that queue pass {@link MAX_UNREAD} it is dropped and the
 * replay simply reads further, since those events are in the log. Once live,
 * more than MAX_UNREAD events held for the client ends it with a
 * SlowConsumerError whose `resumeOffset` is the last cursor handed out.
 */
export class EventFollower implements AsyncIterableIterator<EventRecord> {
  #last: number;
  #page: EventRecord[] = [];
  #pageAt = 0;
  #live: EventRecord[] = [];
  #replaying = true;
  /** the queue was dropped during the replay: read the log again before going live */
  #dropped = false;
  #inFlight = false;
  #state: 'open' | 'overflowed' | 'ended' = 'open';
  #wake: (() => void) | null = null;
  #pulling: Promise<IteratorResult<EventRecord>> = Promise.resolve(DONE);
  readonly #unlisten: () => void;

  constructor(
    private readonly source: EventSource,
    after: number,
  ) {
    this.#last = after;
    this.#unlisten = source.listen((event) => this.#onEvent(event));
  }

  next(): Promise<IteratorResult<EventRecord>> {
    this.#pulling = this.#pulling.then(
      () => this.#pull(),
      () => this.#pull(),
    );
    return this.#pulling;
  }

  return(): Promise<IteratorResult<EventRecord>> {
    this.#end();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async #pull(): Promise<IteratorResult<EventRecord>> {
    this.#inFlight = false;
    for (;;) {
      if (this.#state === 'ended') return DONE;
      if (this.#state === 'overflowed') {
        this.#end();
        throw new SlowConsumerError(
          `more than ${MAX_UNREAD} events waited to be sent: the subscriber reads too slowly; resume with after: "${this.#last}"`,
          this.#last,
        );
      }
      if (this.#pageAt < this.#page.length) return this.#handOut(this.#page[this.#pageAt++] as EventRecord);
      if (this.#replaying) {
        this.#dropped = false;
        this.#page = await this.source.read(this.#last, REPLAY_PAGE);
        this.#pageAt = 0;
        if (this.#page.length === 0 && !this.#dropped) this.#replaying = false;
        continue;
      }
      const event = this.#live.shift();
      if (event) {
        if (event.sequence > this.#last) return this.#handOut(event);
        continue;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #handOut(event: EventRecord): IteratorResult<EventRecord> {
    this.#last = event.sequence;
    this.#inFlight = true;
    return { done: false, value: event };
  }

  #onEvent(event: EventRecord): void {
    if (this.#state !== 'open') return;
    this.#live.push(event);
    if (this.#live.length + (this.#inFlight ? 1 : 0) > MAX_UNREAD) {
      if (this.#replaying) {
        this.#live = [];
        this.#dropped = true;
      } else {
        this.#state = 'overflowed';
        this.#release();
      }
    }
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #release(): void {
    this.#unlisten();
    this.#page = [];
    this.#pageAt = 0;
    this.#live = [];
  }

  #end(): void {
    this.#state = 'ended';
    this.#release();
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
