import { joinEntries } from './event-codec.js';

/** Entries per message at most: a burst of log lines becomes a few messages, none of them large. */
export const MAX_BATCH_ENTRIES = 500;
/** Characters per message at most, roughly (a message holds at least one entry, however long). */
export const MAX_BATCH_CHARS = 256 * 1024;

/**
 * Collects the encoded pubsub publishes of one turn of the event loop and
 * sends them as one message, in order. borg prints thousands of file lines a
 * second; one Redis message per line would cost each node a parse and a
 * message event per line. A batch is sent at the end of the turn
 * (setImmediate), or at once when it is full.
 */
export class TopicBatcher {
  #entries: string[] = [];
  #chars = 0;
  #scheduled: NodeJS.Immediate | null = null;

  constructor(private readonly send: (body: string) => void) {}

  add(encoded: string): void {
    this.#entries.push(encoded);
    this.#chars += encoded.length + 1;
    if (this.#entries.length >= MAX_BATCH_ENTRIES || this.#chars >= MAX_BATCH_CHARS) this.flush();
    else this.#scheduled ??= setImmediate(() => this.flush());
  }

  /** Sends what waits now. */
  flush(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    if (this.#entries.length === 0) return;
    const body = joinEntries(this.#entries);
    this.#entries = [];
    this.#chars = 0;
    this.send(body);
  }
}
