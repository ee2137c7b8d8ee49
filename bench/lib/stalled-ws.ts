import type { Socket } from 'node:net';
import WebSocket from 'ws';

/** A GraphQL result as a subscription delivered it. */
export interface StreamResult<Data = Record<string, unknown>> {
  data?: Data;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/**
 * A subscription whose client can stop reading: its TCP socket is paused,
 * so the server's writes back up in the kernel buffers and then in the
 * server, as with a client that hangs or sits behind a slow link.
 */
export interface StallableSubscription {
  /** results received so far, in order */
  readonly results: StreamResult[];
  /** resolves once `count` results arrived */
  received(count: number): Promise<void>;
  /** stops reading from the connection */
  pause(): void;
  /** reads again */
  resume(): void;
  /** resolves with every result once the server completed the operation, or reported an error that ended it */
  readonly ended: Promise<StreamResult[]>;
  close(): void;
}

/** Results as they arrive, and promises for "at least `count` arrived". */
export function resultLog(): { results: StreamResult[]; push: (result: StreamResult) => void; received: (count: number) => Promise<void> } {
  const results: StreamResult[] = [];
  const waiting: { count: number; resolve: () => void }[] = [];
  return {
    results,
    push: (result) => {
      results.push(result);
      for (let i = waiting.length - 1; i >= 0; i--) {
        if (results.length >= waiting[i]!.count) waiting.splice(i, 1)[0]!.resolve();
      }
    },
    received: (count) => (results.length >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve }))),
  };
}

/**
 * One operation over a raw graphql-transport-ws WebSocket (the `ws`
 * package: graphql-ws's client hides its socket), authenticated with
 * `connectionParams` (e.g. `{ authorization: "Bearer …" }`); `subscribe`
 * starts another on the same connection.
 */
export async function stallableWs(
  wsUrl: string,
  connectionParams: Record<string, unknown>,
  query: string,
  variables: Record<string, unknown>,
): Promise<StallableSubscription & { subscribe(query: string, variables: Record<string, unknown>): void }> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  await new Promise<void>((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const { results, push, received } = resultLog();
  let acknowledged!: () => void;
  const ack = new Promise<void>((resolve) => (acknowledged = resolve));
  const ended = new Promise<StreamResult[]>((resolve, reject) => {
    socket.on('message', (raw) => {
      const message = JSON.parse(
        Buffer.isBuffer(raw) ? raw.toString('utf8') : Buffer.concat(Array.isArray(raw) ? raw : [Buffer.from(raw)]).toString('utf8'),
      ) as { type: string; payload?: unknown };
      if (message.type === 'connection_ack') acknowledged();
      else if (message.type === 'next') push(message.payload as StreamResult);
      else if (message.type === 'error') {
        push({ errors: message.payload as StreamResult['errors'] });
        resolve(results);
      } else if (message.type === 'complete') resolve(results);
    });
    socket.once('close', (code, reason) => reject(new Error(`WebSocket closed (${code} ${String(reason)}) before the operation ended`)));
  });
  ended.catch(() => undefined); // whoever closes on purpose does not await it
  socket.send(JSON.stringify({ type: 'connection_init', payload: connectionParams }));
  await ack;
  let operations = 0;
  // further operations get ids 2, 3…: the results of all are in `results`, and `ended` is the first to end
  const subscribe = (query: string, variables: Record<string, unknown>) =>
    socket.send(JSON.stringify({ id: String(++operations), type: 'subscribe', payload: { query, variables } }));
  subscribe(query, variables);
  // ws keeps its net.Socket here; pausing it stops reading at the TCP level
  const tcp = (socket as unknown as { _socket: Socket })._socket;
  return { results, received, pause: () => tcp.pause(), resume: () => tcp.resume(), ended, close: () => socket.terminate(), subscribe };
}
