// closeWhenStalled: a streaming HTTP response (SSE) whose client stopped
// reading is closed; one whose client reads, however slowly, is not.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeWhenStalled } from '../../src/server/stalled-clients.js';

const CHUNK = Buffer.alloc(64 * 1024, 'x');

/** Writes `bytes` as Fastify writes a stream: the next chunk only after `drain` when write() said to wait. */
function stream(response: ServerResponse, bytes: number): void {
  let left = bytes;
  const more = () => {
    while (left > 0 && !response.destroyed) {
      left -= CHUNK.length;
      if (!response.write(CHUNK)) return void response.once('drain', more);
    }
    if (!response.destroyed) response.end();
  };
  more();
}

describe('closeWhenStalled', () => {
  let server: Server | undefined;
  let client: Socket | undefined;
  afterEach(async () => {
    client?.destroy();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  /** A server streaming `bytes` per request under closeWhenStalled(2 s); resolves how each response ended. */
  async function start(bytes: number): Promise<{ ended: Promise<'finished' | 'destroyed'>; port: number }> {
    let settle!: (how: 'finished' | 'destroyed') => void;
    const ended = new Promise<'finished' | 'destroyed'>((resolve) => (settle = resolve));
    server = createServer((_request, response) => {
      closeWhenStalled(response, 2);
      response.once('finish', () => settle('finished'));
      response.once('close', () => settle(response.writableFinished ? 'finished' : 'destroyed'));
      stream(response, bytes);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { ended, port: (server.address() as AddressInfo).port };
  }

  it('closes a response whose client stopped reading', async () => {
    const { ended, port } = await start(1e9);
    client = connect(port, '127.0.0.1', () => client!.write('GET / HTTP/1.1\r\nHost: test\r\n\r\n'));
    client.pause(); // never reads: the kernel buffers fill, then the response's own
    expect(await ended).toBe('destroyed');
  });

  it('lets a client that reads slowly but steadily take the whole response, over several checks', async () => {
    const { ended, port } = await start(24 * 1024 * 1024);
    client = connect(port, '127.0.0.1', () => client!.write('GET / HTTP/1.1\r\nHost: test\r\n\r\n'));
    // 256 KiB, then a pause of 50 ms: the server waits for drain often, and the transfer spans several checks.
    // (Slower readers are fine at the real timeout: the kernel wakes a writer only once a third of its
    // send buffer, up to 4 MiB on loopback, is free again, so "drained" is seen in steps of up to ~1.3 MiB.)
    let sinceBreak = 0;
    client.on('data', (data: Buffer) => {
      sinceBreak += data.length;
      if (sinceBreak < 256 * 1024) return;
      sinceBreak = 0;
      client!.pause();
      setTimeout(() => client!.resume(), 50);
    });
    expect(await ended).toBe('finished');
  });
});
