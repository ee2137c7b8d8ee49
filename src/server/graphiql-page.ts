import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { GraphiQLOptions } from 'graphql-yoga';
import { LruMap } from './lru-map.js';

/** Reads the options on stdin, writes the page on stdout. */
const RENDER = `
const { renderGraphiQL } = require(process.argv[1]);
let input = '';
process.stdin.setEncoding('utf8').on('data', (chunk) => (input += chunk)).on('end', () => process.stdout.write(renderGraphiQL(JSON.parse(input))));
`;

/** Far above a render's 0.5 s here (the child peaks at about 125 MB, all returned when it exits). */
const RENDER_TIMEOUT_MS = 30_000;

function renderInChild(module: string, options: GraphiQLOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // no environment: the renderer needs none, and the server's holds its secrets; a stuck renderer is killed
    // (a page view then fails with a 500 rather than waiting for ever; the next view tries again)
    const child = spawn(process.execPath, ['-e', RENDER, module], { stdio: ['pipe', 'pipe', 'ignore'], env: {}, timeout: RENDER_TIMEOUT_MS });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', reject);
    child.once('close', (code, signal) =>
      code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`the GraphiQL renderer ended with ${signal ?? `code ${code}`}`)),
    );
    child.stdin.end(JSON.stringify(options));
  });
}

/**
 * yoga's `renderGraphiQL` with GraphiQL's assets inlined (backup servers
 * often have no internet), at a fraction of the memory: importing
 * `@graphql-yoga/render-graphiql` into the server (as before) kept about
 * 35–40 MB of RSS for good from the first page view (its 9 MB bundle as
 * module source and string constants, and a new 9 MB string per view), and
 * rendering it in a worker thread kept as much (the thread's heap is freed,
 * but the allocator keeps the pages: measured, BENCHMARKS.md idle). So the
 * page is rendered once per distinct options by a short-lived child process
 * ({@link RENDER}), whose memory all goes back to the system when it exits,
 * and kept as its bytes (about 9 MB); each view streams those bytes without
 * copying them. A failed render is not kept: the next view tries again.
 */
export function graphiqlPageRenderer(): (options: GraphiQLOptions) => Promise<ReadableStream<Uint8Array>> {
  const module = createRequire(import.meta.url).resolve('@graphql-yoga/render-graphiql');
  // yoga passes the same options on every view; a bound all the same, should they ever vary per request
  const pages = new LruMap<string, Promise<Buffer>>(2);
  return async (options) => {
    const key = JSON.stringify(options);
    let page = pages.get(key);
    if (!page) {
      page = renderInChild(module, options);
      pages.set(key, page);
      page.catch(() => pages.peek(key) === page && pages.delete(key));
    }
    return Readable.toWeb(Readable.from([await page])) as ReadableStream<Uint8Array>;
  };
}
