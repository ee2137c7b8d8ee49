import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { borg } from '../helpers/borg.js';
import { gql, wsClient } from '../helpers/graphql.js';
import { followJob } from '../helpers/restore.js';
import { startServer, tempDir, type TestServer } from '../helpers/server.js';

const START_CHECK = `mutation($r: String!, $v: Boolean) { startCheck(repository: $r, verifyData: $v) {
  __typename ... on StartCheckSuccess { job { id verifyData } } ... on Error { message } } }`;

/** The largest segment file of a repository: the one that holds the file data. */
function largestSegment(repository: string): string {
  const dir = path.join(repository, 'data', '0');
  return readdirSync(dir)
    .map((name) => path.join(dir, name))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
}

describe('borg check as a job (real borg)', () => {
  const tmp = tempDir('check');
  const cliEnv = { BORG_BASE_DIR: path.join(tmp.dir, 'cli-base'), BORG_PASSPHRASE: '' };
  const original = path.join(tmp.dir, 'original');
  const damaged = path.join(tmp.dir, 'damaged');
  let server: TestServer;
  let client: Client;

  beforeAll(async () => {
    const source = path.join(tmp.dir, 'src');
    mkdirSync(source);
    writeFileSync(path.join(source, 'data.bin'), randomBytes(3_000_000));
    expect((await borg(['init', '--encryption=none', original], cliEnv)).exitCode).toBe(0);
    expect((await borg(['create', `${original}::one`, source], cliEnv)).exitCode).toBe(0);
    // a copy the server meets for the first time (the original stays untouched)
    cpSync(original, damaged, { recursive: true });
    server = await startServer({ dataDir: path.join(tmp.dir, 'data') });
    client = wsClient(server.wsUrl);
    const { addRepository } = await gql(server.graphqlUrl, 'mutation($input: AddRepositoryInput!) { addRepository(input: $input) { __typename } }', {
      input: { name: 'damaged', path: damaged, sourcePaths: [source], encryption: 'none' },
    });
    expect(addRepository.__typename).toBe('AddRepositorySuccess');
  }, 120_000);

  afterAll(async () => {
    await client?.dispose();
    await server?.stop();
    tmp.cleanup();
  });

  it('a healthy repository: COMPLETED with no problems', async () => {
    const { startCheck } = await gql(server.graphqlUrl, START_CHECK, { r: damaged });
    const final = (await followJob(client, startCheck.job.id)).at(-1)!;
    expect(final).toMatchObject({ kind: 'CHECK', status: 'COMPLETED', problemsFound: 0, errorMessage: null });
  }, 60_000);

  it('corrupt bytes in a segment: FAILED with the problems borg found and its first message', async () => {
    const segment = largestSegment(damaged);
    const bytes = readFileSync(segment);
    for (let i = 5000; i < 5100; i++) bytes[i] = bytes[i]! ^ 0xff;
    writeFileSync(segment, bytes);
    const { startCheck } = await gql(server.graphqlUrl, START_CHECK, { r: damaged, v: true });
    expect(startCheck.job.verifyData).toBe(true);
    const final = (await followJob(client, startCheck.job.id)).at(-1)!;
    expect(final.status).toBe('FAILED');
    expect(final.problemsFound).toBeGreaterThan(0);
    expect(final.errorMessage).toMatch(/^borg check found \d+ problems? \(first: Data integrity error: Segment entry checksum mismatch/);
    const { anyJob } = await gql(server.graphqlUrl, 'query($id: ID!) { anyJob(id: $id) { logs(limit: 1000) { lines { content } } } }', {
      id: startCheck.job.id,
    });
    expect(anyJob.logs.lines.map((l: { content: string }) => l.content)).toContain('Finished full repository check, errors found.');
  }, 60_000);

  it('an unknown repository is a NotFoundError', async () => {
    const { startCheck } = await gql(server.graphqlUrl, START_CHECK, { r: '/nowhere' });
    expect(startCheck.__typename).toBe('NotFoundError');
  });
});
