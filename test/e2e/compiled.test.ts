import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { ADD_REPOSITORY, START_BACKUP } from '../helpers/documents.js';
import { gqlRaw } from '../helpers/graphql.js';
import { bearer, tempDir } from '../helpers/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// `npm start` runs the JavaScript `npm run build` writes (tsconfig.build.json).
// Built here into a folder of its own next to dist/ (same depth, so paths the
// code resolves from its own location, prisma/migrations and package.json,
// work the same), leaving dist/ to whoever runs `npm start` meanwhile.
describe('the compiled server (what npm start runs)', () => {
  const tmp = tempDir('compiled');
  const outDir = mkdtempSync(path.join(root, '.test-build-'));
  let server: ChildServer | undefined;

  beforeAll(() => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: root, stdio: 'inherit' });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(outDir, { recursive: true, force: true });
    tmp.cleanup();
  }, 60_000);

  it('starts, migrates, answers GraphQL and serves GraphiQL offline', async () => {
    server = await spawnServer(path.join(tmp.dir, 'data'), {}, path.join(outDir, 'main.js'));
    const { status, body } = await gqlRaw(server.graphqlUrl, '{ jobs(limit: 1) { id } repositories { id } }', {}, bearer());
    expect(status, server.output()).toBe(200);
    expect(body.data).toEqual({ jobs: [], repositories: [] });
    // the page is rendered by a child process on the first view (src/server/graphiql-page.ts)
    const page = await fetch(server.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>borgql<\/title>[\s\S]*YogaGraphiQL\.renderYogaGraphiQL/);
  });

  it('runs a backup, its pre-scan in a worker thread loaded from the compiled prescan-worker.js, and stops cleanly', async () => {
    const source = path.join(tmp.dir, 'source');
    mkdirSync(source);
    for (let i = 0; i < 10; i++) writeFileSync(path.join(source, `f${i}`), Buffer.alloc(1000, i));
    const repository = path.join(tmp.dir, 'repo');
    const input = { name: 'compiled', path: repository, sourcePaths: [source], encryption: 'none', initialize: true };
    const run = async <T>(query: string, variables: Record<string, unknown>) => {
      const { body } = await gqlRaw<T>(server!.graphqlUrl, query, variables, bearer());
      expect(body.errors, server!.output()).toBeUndefined();
      return body.data as T;
    };
    await run(ADD_REPOSITORY, { input });
    const started = await run<{ startBackup: { job: { id: string } } }>(START_BACKUP, { r: repository });
    type Job = { status: string; progress: { totalExpectedSize: number | null }; logs: { lines: { content: string }[] } };
    const job = async () =>
      (
        await run<{ job: Job }>('query($id: ID!) { job(id: $id) { status progress { totalExpectedSize } logs { lines { content } } } }', {
          id: started.startBackup.job.id,
        })
      ).job;
    await expect.poll(async () => (await job()).status, { timeout: 60_000, interval: 200 }).toBe('COMPLETED');
    const final = await job();
    expect(final.logs.lines.map((line) => line.content)).toContain('pre-scan: 10 files, 10000 bytes to read');
    expect(final.progress.totalExpectedSize).toBe(10_000);
    server!.child.kill('SIGTERM');
    expect(await server!.exited, server!.output()).toBe(0);
  });
});
