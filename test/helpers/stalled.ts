import { resultLog, stallableWs as stallableBenchWs, type StallableSubscription, type StreamResult as BenchStreamResult } from '../../bench/lib/stalled-ws.js';
import { bearer } from './server.js';

export type { StallableSubscription };
/** A subscription result with its data read as untyped JSON (tests assert on its shape). */
export type StreamResult = BenchStreamResult<Record<string, any>>;

/** One operation over a raw graphql-transport-ws WebSocket whose TCP socket can be paused, as the test admin; `subscribe` adds another. */
export function stallableWs(wsUrl: string, query: string, variables: Record<string, unknown>) {
  return stallableBenchWs(wsUrl, bearer(), query, variables);
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
  const { results, push, received } = resultLog();
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
        if (event === 'next' && data) push(JSON.parse(data) as StreamResult);
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
