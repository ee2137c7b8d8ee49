import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ClusterBus, ControlMessage, ControlOrigin } from './cluster-bus.js';
import { decodeEntries, encodeEntry, type TopicEntry } from './event-codec.js';
import { openRedis, redisTarget } from './redis-connection.js';
import { StartupError } from '../db/startup-error.js';
import { TopicBatcher } from './redis-batcher.js';

/** What a {@link RedisBus} needs besides the URL. */
export interface RedisBusOptions {
  url: string;
  /** BORGQL_REDIS_PREFIX: every channel is `<prefix>:<name>` */
  prefix: string;
  nodeName: string;
  /** where a lost or returned connection and undecodable messages are reported (never the URL's password) */
  warn(message: string, error?: unknown): void;
}

/** The channel names of a cluster: one for every topic payload (so one node's messages keep their order), one for control messages. */
export function clusterChannels(prefix: string): { topics: string; control: string } {
  return { topics: `${prefix}:topics`, control: `${prefix}:control` };
}

/**
 * The {@link ClusterBus} over Redis pub/sub, and the pubsub topics of every
 * node (topics.ts) carried across on the same connections.
 *
 * Two connections: a subscribed one cannot publish. Each message starts with
 * this process's random instance id and a sequence number: a node skips its
 * own messages without decoding them (by instance, not node name: two
 * processes given one name by mistake still hear each other), and a receiver
 * that sees a number skipped knows it missed messages of that process.
 *
 * While Redis is away nothing is queued: what the node publishes meanwhile
 * is lost for the other nodes (their subscribers recover from the database:
 * see {@link RedisBus.onResync}), its own subscribers get everything, and no
 * error reaches the code that published. `connected` says which state it is
 * in (for /healthz).
 */
export class RedisBus implements ClusterBus {
  readonly shared = true;
  readonly nodeName: string;
  /** random per process: tells this process's messages from those of another with the same node name */
  readonly instanceId = randomBytes(8).toString('hex');
  readonly #channels: { topics: string; control: string };
  readonly #controlListeners = new Set<(message: ControlMessage, origin: ControlOrigin) => void>();
  readonly #topicListeners = new Set<(entries: TopicEntry[]) => void>();
  readonly #resyncListeners = new Set<() => void>();
  /** the last sequence number seen per other process */
  readonly #lastSeen = new Map<string, number>();
  #sequence = 0;
  /** messages were dropped since the publisher was last connected: tell the others once it is back */
  #droppedSince = false;
  #publisher: Redis | null = null;
  #subscriber: Redis | null = null;
  #subscriberUp = false;
  #closed = false;
  readonly #batcher: TopicBatcher;

  constructor(private readonly options: RedisBusOptions) {
    this.nodeName = options.nodeName;
    this.#channels = clusterChannels(options.prefix);
    this.#batcher = new TopicBatcher((batch) => this.#send(this.#channels.topics, batch));
  }

  /** Whether both connections to Redis are up: while false, what this node publishes does not reach the others. */
  get connected(): boolean {
    return !this.#closed && this.#subscriberUp && this.#publisher?.status === 'ready';
  }

  /**
   * Opens both connections and subscribes; a StartupError (one line, no
   * password) when Redis cannot be reached or refuses the login.
   */
  async connect(): Promise<void> {
    const { url } = this.options;
    // closing the connections ourselves is no loss worth a warning
    const warn = (message: string, error?: unknown) => this.#closed || this.options.warn(message, error);
    this.#publisher = await openRedis(url, `borgql-${this.nodeName}-pub`, {
      onLost: (error) => warn('lost the connection to Redis: events of this node do not reach the other nodes until it is back', error),
      onReady: () => {
        warn('the connection to Redis is back');
        // an empty message: the others see the numbers skipped meanwhile and catch up from the database
        if (this.#droppedSince) this.#send(this.#channels.topics, '[]');
      },
    });
    try {
      this.#subscriber = await openRedis(url, `borgql-${this.nodeName}-sub`, {
        onLost: (error) => {
          this.#subscriberUp = false;
          if (this.#closed) return;
          warn('lost the connection to Redis: events of other nodes do not reach this one until it is back', error);
        },
        onReady: () => void this.#subscribe(true),
      });
    } catch (error) {
      this.#publisher.disconnect();
      throw error;
    }
    this.#subscriber.on('message', (channel: string, message: string) => this.#receive(channel, message));
    try {
      await this.#subscribe(false);
    } catch (error) {
      // e.g. an ACL user without the pub/sub permission (NOPERM)
      this.#publisher.disconnect();
      this.#subscriber.disconnect();
      const reason = error instanceof Error ? error.message : String(error);
      throw new StartupError(
        `Redis at ${redisTarget(url)} refused the subscription to ${this.#channels.topics} (${reason}): check the user's permissions in REDIS_URL`,
        {
          cause: error,
        },
      );
    }
  }

  /** Closes both connections; later sends are dropped. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#batcher.flush();
    this.#closed = true;
    this.#subscriberUp = false;
    const quit = (client: Redis | null) => client?.quit().catch(() => client.disconnect());
    await Promise.all([quit(this.#publisher), quit(this.#subscriber)]);
  }

  send(message: ControlMessage): void {
    // this node's listeners at once (on the next turn, like localBus), whatever the state of Redis
    setImmediate(() => this.#deliverControl(message, { from: this.nodeName }));
    this.#send(this.#channels.control, JSON.stringify({ from: this.nodeName, message }));
  }

  onControl(listener: (message: ControlMessage, origin: ControlOrigin) => void): () => void {
    this.#controlListeners.add(listener);
    return () => void this.#controlListeners.delete(listener);
  }

  /** Sends one pubsub publish of this node to the others (batched with the others of this turn, in order). */
  forward(entry: TopicEntry): void {
    if (this.#closed) return;
    this.#batcher.add(encodeEntry(entry));
  }

  /** Calls `listener` with the publishes of other nodes, a batch at a time, in each node's order. */
  onTopics(listener: (entries: TopicEntry[]) => void): () => void {
    this.#topicListeners.add(listener);
    return () => void this.#topicListeners.delete(listener);
  }

  /**
   * Calls `listener` when messages of other nodes may have been lost: the
   * subscription came back after an outage, or a node's sequence skipped
   * numbers (its own connection was down). Whoever follows a job of another
   * node then reads its state from the database.
   */
  onResync(listener: () => void): () => void {
    this.#resyncListeners.add(listener);
    return () => void this.#resyncListeners.delete(listener);
  }

  async #subscribe(again: boolean): Promise<void> {
    const subscriber = this.#subscriber;
    if (!subscriber || this.#closed) return;
    try {
      await subscriber.subscribe(this.#channels.topics, this.#channels.control);
    } catch (error) {
      // the connection broke again: its next 'ready' subscribes again
      if (!again) throw error;
      return;
    }
    this.#subscriberUp = true;
    if (again) {
      this.options.warn('the connection to Redis is back');
      this.#resync();
    }
  }

  /** Publishes `body` behind this process's id and next sequence number; dropped (and counted) while the publisher is away. */
  #send(channel: string, body: string): void {
    if (this.#closed) return;
    this.#sequence += 1;
    const publisher = this.#publisher;
    if (publisher?.status !== 'ready') {
      this.#droppedSince = true;
      return;
    }
    this.#droppedSince = false;
    publisher.publish(channel, `${this.instanceId} ${this.#sequence} ${body}`).catch(() => {
      // lost with the connection: the receivers see the gap in the numbers
      this.#droppedSince = true;
    });
  }

  #receive(channel: string, message: string): void {
    if (this.#closed || message.startsWith(this.instanceId)) return;
    const idEnd = message.indexOf(' ');
    const sequenceEnd = message.indexOf(' ', idEnd + 1);
    if (idEnd <= 0 || sequenceEnd <= idEnd) return this.options.warn(`dropped a message on ${channel} that is not borgql's`);
    const instance = message.slice(0, idEnd);
    const sequence = Number(message.slice(idEnd + 1, sequenceEnd));
    const last = this.#lastSeen.get(instance);
    // a repeat (a command resent after a reconnect) is dropped; a skip means messages were lost
    if (last !== undefined && sequence <= last) return;
    this.#lastSeen.set(instance, sequence);
    if (last !== undefined && sequence > last + 1) this.#resync();
    const body = message.slice(sequenceEnd + 1);
    try {
      if (channel === this.#channels.topics) {
        const entries = decodeEntries(body);
        if (entries.length > 0) for (const listener of this.#topicListeners) listener(entries);
      } else if (channel === this.#channels.control) {
        const { from, message: control } = JSON.parse(body) as { from: string; message: ControlMessage };
        if (typeof from === 'string' && typeof control?.type === 'string') this.#deliverControl(control, { from });
      }
    } catch (error) {
      this.options.warn(`dropped a message on ${channel} that could not be read`, error);
    }
  }

  #deliverControl(message: ControlMessage, origin: ControlOrigin): void {
    for (const listener of this.#controlListeners) {
      try {
        listener(message, origin);
      } catch (error) {
        this.options.warn(`a listener of the cluster message ${message.type} failed`, error);
      }
    }
  }

  #resync(): void {
    for (const listener of this.#resyncListeners) listener();
  }
}
