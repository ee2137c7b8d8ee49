import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running the module `name` (without extension) beside
 * `importMetaUrl`. Compiled (dist/), it is a plain .js file; from the
 * TypeScript sources (vitest, tsx), the thread first registers tsx's loader,
 * which a worker does not get from vitest. (src/jobs/prescan.ts starts its
 * thread the same way without this helper: it imports Node built-ins only,
 * because test/jobs/prescan.test.ts runs a copy of it.)
 */
export function startModuleWorker(importMetaUrl: string, name: string, options: WorkerOptions): Worker {
  if (importMetaUrl.endsWith('.js')) return new Worker(new URL(`./${name}.js`, importMetaUrl), options);
  // tsx's ESM build of its API (the CommonJS one cannot register from an eval'd script)
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const entry = new URL(`./${name}.ts`, importMetaUrl).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
