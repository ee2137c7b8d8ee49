import { resultLog, stallableWs as stallableBenchWs, type StallableSubscription, type StreamResult as BenchStreamResult } from '../../bench/lib/stalled-ws.js';
import { openSse, sseMessages } from './graphql.js';
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
  const reader = await openSse(url, query, variables, {}, controller.signal);
  const { results, push, received } = resultLog();
  let paused = false;
  let unpause: (() => void) | null = null;
  // undici stops reading the socket once its body queue is full: not calling read() stalls the TCP connection
  const whileUnpaused = async () => {
    while (paused) await new Promise<void>((resolve) => (unpause = resolve));
  };
  const ended = (async () => {
    for await (const { event, data } of sseMessages(reader, whileUnpaused)) {
      if (event === 'complete') {
        await reader.cancel();
        return results;
      }
      if (event === 'next' && data) push(JSON.parse(data) as StreamResult);
    }
    throw new Error('the SSE stream ended without a complete event');
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
