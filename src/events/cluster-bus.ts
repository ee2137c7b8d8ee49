/**
 * Messages between the nodes of a cluster that are not subscription
 * payloads: requests one node makes of another, and facts every node must
 * act on. Each is small and idempotent: a node may receive one twice (a
 * reconnect) or act on it after the database already told it.
 */
export type ControlMessage =
  /** a job was created PENDING for a repository of `node`: that node claims it now instead of at its next poll */
  | { type: 'jobQueued'; jobId: number; node: string }
  /** a cancel of a job running (or queued) on `node`, recorded in the database as cancelRequestedAt */
  | { type: 'cancel'; jobId: number; node: string }
  /** an API token was revoked: every node ends that token's sessions */
  | { type: 'tokenRevoked'; tokenId: number }
  /** a schedule was created, changed or removed: the node of its repositories re-arms it */
  | { type: 'scheduleChanged'; scheduleId: number }
  /** a request for `node` (src/cluster/node-calls.ts): run `method` with `args` there, answer with a reply of the same id */
  | { type: 'call'; id: string; node: string; method: string; args: unknown }
  /** the answer to the call `id`: its result, or the error it threw (a domain error is rebuilt as one on the caller) */
  | { type: 'reply'; id: string; ok: true; result: unknown }
  | { type: 'reply'; id: string; ok: false; error: CallError };

/** An error thrown by a call's method, as it crosses nodes: its class name, message and typed fields (never a stack). */
export interface CallError {
  name: string;
  message: string;
  /** the typed fields of the domain errors (field, msgid, exitCode, jobId, status, node) */
  details?: Record<string, string | number | null>;
}

/** What a listener of {@link ClusterBus.onControl} gets besides the message. */
export interface ControlOrigin {
  /** the sending node's name */
  from: string;
}

/**
 * The control channel between nodes. With REDIS_URL it is Redis pub/sub
 * under BORGQL_REDIS_PREFIX; without, a node is alone and the bus is
 * {@link localBus}: messages reach this node's own listeners only, so code
 * that sends a request to "the node of this repository" works unchanged
 * when that node is this one.
 */
export interface ClusterBus {
  /** this node's name (BORGQL_NODE_NAME) */
  readonly nodeName: string;
  /** whether messages reach other nodes (Redis is configured) */
  readonly shared: boolean;
  /** Sends to every node, this one included (listeners filter by their own name where it matters). */
  send(message: ControlMessage): void;
  /** Calls `listener` for every message until the returned function is called. */
  onControl(listener: (message: ControlMessage, origin: ControlOrigin) => void): () => void;
}

/** The bus of a node without Redis: delivers each message to this node's listeners, on the next turn like Redis would. */
export function localBus(nodeName: string): ClusterBus {
  const listeners = new Set<(message: ControlMessage, origin: ControlOrigin) => void>();
  return {
    nodeName,
    shared: false,
    send(message) {
      setImmediate(() => {
        for (const listener of listeners) listener(message, { from: nodeName });
      });
    },
    onControl(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
