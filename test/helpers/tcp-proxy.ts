import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/** A TCP proxy in front of a server (PostgreSQL) whose link a test can cut and restore. */
export interface TcpProxy {
  /** the port it listens on (127.0.0.1) */
  port: number;
  /** Ends every open connection and refuses new ones (each is closed as soon as it is accepted), as a lost server would. */
  cut(): Promise<void>;
  /** Lets new connections through again. */
  restore(): Promise<void>;
  /** Stops the proxy and every connection through it. */
  close(): Promise<void>;
}

// The proxy runs in a thread of its own: a server in the test's thread blocks that thread while it waits
// for PostgreSQL (SyncPostgres), and a proxy there could then never forward the answer.
const PROXY_THREAD = `
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const open = new Set();
let cut = false;
const server = net.createServer((client) => {
  if (cut) return void client.destroy();
  const upstream = net.connect(workerData.port, workerData.host);
  for (const socket of [client, upstream]) {
    open.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      open.delete(socket);
      client.destroy();
      upstream.destroy();
    });
  }
  client.pipe(upstream);
  upstream.pipe(client);
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (command) => {
  if (command === 'cut' || command === 'close') {
    cut = true;
    for (const socket of open) socket.destroy();
  }
  if (command === 'restore') cut = false;
  if (command === 'close') server.close(() => parentPort.close());
  parentPort.postMessage({ done: command });
});
`;

/**
 * Starts a proxy on a free port of 127.0.0.1 that forwards every connection
 * to `target`. While cut it keeps its port (a client finds the same address
 * again once restored) but closes whatever it accepts at once.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const worker = new Worker(PROXY_THREAD, { eval: true, workerData: target });
  const [{ port }] = (await once(worker, 'message')) as [{ port: number }];
  const command = async (name: string) => {
    worker.postMessage(name);
    for (;;) {
      const [answer] = (await once(worker, 'message')) as [{ done?: string }];
      if (answer.done === name) return;
    }
  };
  return {
    port,
    cut: () => command('cut'),
    restore: () => command('restore'),
    async close() {
      await command('close');
      await worker.terminate();
    },
  };
}
