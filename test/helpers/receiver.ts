import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a {@link Receiver} got. */
export interface ReceivedRequest {
  method: string;
  /** path and query */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server on a loopback port that records every request: the webhook receiver of the tests. */
export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** the requests to one path (the query left out) */
  to(path: string): ReceivedRequest[];
  /** how a path answers: a status per request in turn (the last one repeats), default 200 */
  answer(path: string, statuses: number[], headers?: Record<string, string>): void;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1, port 0. */
export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const answers = new Map<string, { statuses: number[]; headers: Record<string, string> }>();
  const pathOf = (url: string) => url.split('?')[0] as string;
  const server = createServer((request, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = request.url ?? '/';
      requests.push({ method: request.method ?? '', url, headers: request.headers, body: Buffer.concat(chunks).toString() });
      const answer = answers.get(pathOf(url));
      const status = answer ? (answer.statuses.length > 1 ? (answer.statuses.shift() as number) : (answer.statuses[0] as number)) : 200;
      response.writeHead(status, answer?.headers ?? {}).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    to: (path) => requests.filter((request) => pathOf(request.url) === path),
    answer: (path, statuses, headers = {}) => void answers.set(path, { statuses: [...statuses], headers }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
