/**
 * A small synchronous, typed event emitter. The domain announces what
 * happened through one (jobs/job-events.ts) without knowing who listens;
 * src/events/wiring.ts forwards the events to the pubsub, and in-process
 * followers (job counts, the archive cache) listen directly. Listeners run
 * in the order they were added, synchronously within emit(): an event is
 * delivered before the emitter's caller goes on.
 */
export class Emitter<Events extends Record<string, unknown>> {
  readonly #listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  /** Calls `listener` for every `event` until the returned function is called. */
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void {
    let listeners = this.#listeners.get(event);
    if (!listeners) this.#listeners.set(event, (listeners = new Set()));
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }

  /** Delivers `payload` to every listener of `event`, now. */
  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const listeners = this.#listeners.get(event);
    if (!listeners) return;
    for (const listener of listeners) (listener as (payload: Events[E]) => void)(payload);
  }
}
