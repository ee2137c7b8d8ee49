import { randomUUID } from 'node:crypto';
import { JobNotCancellableError, NodeUnreachableError, NotFoundError, RepositoryBorgError, RepositoryBusyError, ValidationError } from '../domain/errors.js';
import type { CallError, ClusterBus, ControlMessage } from '../events/cluster-bus.js';

/** A method other nodes may call on this one; its args arrive as JSON and its result leaves as JSON. */
export type CallHandler = (args: unknown) => Promise<unknown>;

export interface NodeCallsOptions {
  /** how long a call waits for its reply (default 30 s: a call may run `borg init` and `borg info` on a slow disk) */
  timeoutMs?: number;
  /** whether a node may answer at all (its lease is live): a dead node is refused at once instead of after the timeout */
  isAlive?: (node: string) => Promise<boolean>;
}

/**
 * Request and reply between nodes over the cluster bus: `call(node, method,
 * args)` runs a handler registered on that node and resolves with its
 * result. Borg runs where a repository's data is (DESIGN "Scale-out"), so an
 * API request for another node's repository that needs borg goes there.
 * A call to this node runs its handler directly. The typed errors of the
 * domain cross intact (a ValidationError stays one with its field); any
 * other error arrives as a plain Error with its message.
 */
export class NodeCalls {
  readonly #handlers = new Map<string, CallHandler>();
  readonly #pending = new Map<string, { settle: (message: Extract<ControlMessage, { type: 'reply' }>) => void }>();
  readonly #stopListening: () => void;

  constructor(
    private readonly bus: ClusterBus,
    private readonly options: NodeCallsOptions = {},
  ) {
    this.#stopListening = bus.onControl((message) => {
      if (message.type === 'call' && message.node === bus.nodeName) void this.#answer(message);
      else if (message.type === 'reply') this.#pending.get(message.id)?.settle(message);
    });
  }

  /** Lets other nodes call `method` here. */
  handle(method: string, handler: CallHandler): void {
    this.#handlers.set(method, handler);
  }

  /**
   * Runs `method` on `node`.
   * @throws NodeUnreachableError when the node is not alive or gives no reply in time
   * @throws the handler's error (domain errors rebuilt as their class)
   */
  async call<T>(node: string, method: string, args: unknown): Promise<T> {
    if (node === this.bus.nodeName) return (await this.#run(method, args)) as T;
    if (this.options.isAlive && !(await this.options.isAlive(node))) {
      throw new NodeUnreachableError(`node "${node}" is not running (its lease expired); its repositories are reachable only through it`, node);
    }
    const id = randomUUID();
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const reply = await new Promise<Extract<ControlMessage, { type: 'reply' }> | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      this.#pending.set(id, {
        settle: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      });
      this.bus.send({ type: 'call', id, node, method, args });
    }).finally(() => this.#pending.delete(id));
    if (!reply) throw new NodeUnreachableError(`node "${node}" did not answer within ${Math.round(timeoutMs / 1000)} s`, node);
    if (reply.ok) return reply.result as T;
    throw rebuild(reply.error);
  }

  /** Stops answering and listening (shutdown); calls still waiting end with NodeUnreachableError at their timeout. */
  stop(): void {
    this.#stopListening();
  }

  async #run(method: string, args: unknown): Promise<unknown> {
    const handler = this.#handlers.get(method);
    if (!handler) throw new Error(`node "${this.bus.nodeName}" has no method ${method} (another borgql version?)`);
    return handler(args);
  }

  async #answer(message: Extract<ControlMessage, { type: 'call' }>): Promise<void> {
    try {
      const result = await this.#run(message.method, message.args);
      this.bus.send({ type: 'reply', id: message.id, ok: true, result: result ?? null });
    } catch (error) {
      this.bus.send({ type: 'reply', id: message.id, ok: false, error: flatten(error) });
    }
  }
}

/** The wire form of an error: class name, message, typed fields; never a stack or a cause (they may name internals). */
function flatten(error: unknown): CallError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const typed = error as Error & Partial<Record<'field' | 'msgid' | 'status' | 'node', string | null> & Record<'exitCode' | 'jobId', number | null>>;
  const details: Record<string, string | number | null> = {};
  for (const key of ['field', 'msgid', 'exitCode', 'jobId', 'status', 'node'] as const) if (typed[key] !== undefined) details[key] = typed[key];
  return { name: error.name, message: error.message, details };
}

/** The caller's copy of a remote error: the same domain class when it is one, so typed results stay typed. */
function rebuild({ name, message, details = {} }: CallError): Error {
  const text = (key: string) => (typeof details[key] === 'string' ? details[key] : null);
  const number = (key: string) => (typeof details[key] === 'number' ? details[key] : null);
  switch (name) {
    case 'ValidationError':
      return new ValidationError(message, text('field'));
    case 'NotFoundError':
      return new NotFoundError(message);
    case 'BorgError':
      return new RepositoryBorgError(message, text('msgid'), number('exitCode'));
    case 'RepositoryBusyError':
      return new RepositoryBusyError(message, number('jobId') ?? 0);
    case 'JobNotCancellableError':
      return new JobNotCancellableError(message, text('status') ?? '');
    case 'NodeUnreachableError':
      return new NodeUnreachableError(message, text('node') ?? '');
    default:
      return new Error(message);
  }
}
