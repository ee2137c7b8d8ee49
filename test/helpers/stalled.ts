import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { bearer } from './server.js';

/** A GraphQL result as a subscription delivered it. */
export interface StreamResult {
  data?: Record<string, any>;
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
  /** stops reading from the socket */
  pause(): void;
  /** reads again */
  resume(): void;
  /** resolves with every result once the server completed the operation (or reported an error that ended it) */
  readonly ended: Promise<StreamResult[]>;
  close(): void;
}

function waiter(results: StreamResult[]): { notify: () => void; received: (count: number) => Promise<void> } {
  const waiting: { count: number; resolve: () => void }[] = [];
  return {
    notify: () => {
      for (const w of [...waiting]) {
        if (results.length >= w.count) waiting.splice(waiting.indexOf(w), 1), w.resolve();
      }
    },
    received: (count) => (results.length >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve }))),
  };
}

/** One operation over a raw graphql-transport-ws WebSocket (the `ws` package), as the test admin. */
export async function stallableWs(wsUrl: string, query: string, variables: Record<string, unknown>): Promise<StallableSubscription> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  await new Promise<void>((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const results: StreamResult[] = [];
  const { notify, received } = waiter(results);
  let acknowledged!: () => void;
  const ack = new Promise<void>((resolve) => (acknowledged = resolve));
  const ended = new Promise<StreamResult[]>((resolve, reject) => {
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { type: string; payload?: unknown };
      if (message.type === 'connection_ack') acknowledged();
      else if (message.type === 'next') results.push(message.payload as StreamResult), notify();
      else if (message.type === 'error') results.push({ errors: message.payload as StreamResult['errors'] }), notify(), resolve(results);
      else if (message.type === 'complete') resolve(results);
    });
    socket.once('close', (code, reason) => reject(new Error(`WebSocket closed (${code} ${String(reason)}) before the operation ended`)));
  });
  ended.catch(() => undefined); // a test that closes on purpose does not await it
  socket.send(JSON.stringify({ type: 'connection_init', payload: bearer() }));
  await ack;
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
  // ws keeps its net.Socket here; pausing it stops reading at the TCP level
  const tcp = (socket as unknown as { _socket: Socket })._socket;
  return {
    results,
    received,
    pause: () => tcp.pause(),
    resume: () => tcp.resume(),
    ended,
    close: () => socket.terminate(),
  };
}

/** One operation over yoga's SSE (fetch), as the test admin; pausing stops reading the response body. */
export async function stallableSse(url: string, query: string, variables: Record<string, unknown>): Promise<StallableSubscription> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...bearer() },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  if (response.status !== 200 || !response.body) throw new Error(`SSE failed with HTTP ${response.status}`);
  const reader = response.body.getReader();
  const results: StreamResult[] = [];
  const { notify, received } = waiter(results);
  let paused = false;
  let unpause: (() => void) | null = null;
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      // undici stops reading the socket once its body queue is full: not calling read() stalls the TCP connection
      while (paused) await new Promise<void>((resolve) => (unpause = resolve));
      const { done, value } = await reader.read();
      if (done) throw new Error('the SSE stream ended without a complete event');
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(message)?.[1];
        const data = /^data: (.*)$/m.exec(message)?.[1];
        if (event === 'complete') {
          await reader.cancel();
          return results;
        }
        if (event === 'next' && data) results.push(JSON.parse(data) as StreamResult), notify();
      }
    }
  })();
  ended.catch(() => undefined);
  return {
    results,
    received,
    pause: () => (paused = true),
    resume: () => {
      paused = false;
      unpause?.();
    },
    ended,
    close: () => controller.abort(),
  };
}
