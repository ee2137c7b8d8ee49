import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { GraphiQLOptions } from 'graphql-yoga';
import { LruMap } from './lru-map.js';

/**
 * Renders in a thread of its own: the thread imports the 9 MB bundle,
 * renders the page, hands its bytes over and exits, and its heap goes
 * with it. CommonJS because an eval'd worker is a script.
 */
const RENDER_IN_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { renderGraphiQL } = require(workerData.module);
const page = new TextEncoder().encode(renderGraphiQL(workerData.options));
parentPort.postMessage(page, [page.buffer]);
`;

function renderInThread(module: string, options: GraphiQLOptions): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(RENDER_IN_THREAD, { eval: true, workerData: { module, options } });
    worker.once('message', (page: Uint8Array) => resolve(page));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the GraphiQL renderer thread exited (code ${code}) without a page`)));
  });
}

/**
 * yoga's `renderGraphiQL` with GraphiQL's assets inlined (backup servers
 * often have no internet), at a fraction of the memory: importing
 * `@graphql-yoga/render-graphiql` into the server kept about 40 MB of heap
 * for good from the first page view (an ES module is never unloaded; its
 * 9 MB bundle is held as source and as string constants, and each view
 * built a new 9 MB string). Here the page is rendered once per distinct
 * options in a short-lived thread ({@link RENDER_IN_THREAD}) and kept as
 * its UTF-8 bytes (about 9 MB); each view gets a copy, so no response can
 * touch the kept page. A failed render is not kept: the next view tries again.
 */
export function graphiqlPageRenderer(): (options: GraphiQLOptions) => Promise<Uint8Array<ArrayBuffer>> {
  const module = createRequire(import.meta.url).resolve('@graphql-yoga/render-graphiql');
  // yoga passes the same options on every view; a bound all the same, should they ever vary per request
  const pages = new LruMap<string, Promise<Uint8Array>>(2);
  return async (options) => {
    const key = JSON.stringify(options);
    let page = pages.get(key);
    if (!page) {
      page = renderInThread(module, options);
      pages.set(key, page);
      page.catch(() => pages.peek(key) === page && pages.delete(key));
    }
    return new Uint8Array(await page);
  };
}
