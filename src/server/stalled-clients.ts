import type { ServerResponse } from 'node:http';

/**
 * How often a subscription connection is checked for a client that stopped
 * reading: twice per timeout, so one is closed between half the timeout and
 * the whole of it after its last successful read.
 */
export function stallCheckIntervalMs(timeoutSeconds: number): number {
  return (timeoutSeconds * 1000) / 2;
}

/**
 * Closes a streaming HTTP response (an SSE or multipart subscription) whose
 * client stopped reading: its writes have not drained at two checks in a
 * row. What waits to be sent is already bounded (Fastify waits for `drain`
 * before it pulls the next event), but the subscription would stay open
 * for as long as the client does not read, holding its own backlog; a
 * WebSocket gets the same treatment from graphql-ws's ping/pong.
 */
export function closeWhenStalled(response: ServerResponse, timeoutSeconds: number): void {
  let stalled = false;
  const check = setInterval(() => {
    if (!response.writableNeedDrain) {
      stalled = false;
      return;
    }
    if (stalled) response.destroy();
    stalled = true;
  }, stallCheckIntervalMs(timeoutSeconds));
  check.unref();
  response.on('drain', () => (stalled = false));
  response.once('close', () => clearInterval(check));
}
