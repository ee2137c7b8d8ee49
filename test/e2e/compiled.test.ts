import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
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

  it('starts, migrates, answers GraphQL, serves GraphiQL offline, and stops cleanly', async () => {
    server = await spawnServer(path.join(tmp.dir, 'data'), {}, path.join(outDir, 'main.js'));
    const { status, body } = await gqlRaw(server.graphqlUrl, '{ jobs(limit: 1) { id } repositories { id } }', {}, bearer());
    expect(status, server.output()).toBe(200);
    expect(body.data).toEqual({ jobs: [], repositories: [] });
    // GraphiQL's bundle is imported on the first page view (src/server/graphql.ts)
    const page = await fetch(server.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>borgql<\/title>[\s\S]*YogaGraphiQL\.renderYogaGraphiQL/);
    server.child.kill('SIGTERM');
    expect(await server.exited, server.output()).toBe(0);
  });
});
