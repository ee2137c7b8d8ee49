import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSse, gql } from '../helpers/graphql.js';
import { expectSameTree } from '../helpers/restore.js';
import { startServer, tempDir, type TestServer } from '../helpers/server.js';

/**
 * README "Restore" as a newcomer copies it: the GraphQL operations run in
 * order (only the example paths and the archive name replaced), and the
 * curl script restores with real curl and jq. (test/e2e/readme.test.ts
 * validates every GraphQL block of the README against the schema.)
 */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Restore\n'), readme.indexOf('\n## ', readme.indexOf('## Restore\n') + 1));
const blocks = (language: string) => [...section.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]!);
const operation = (name: string) => blocks('graphql').find((text) => new RegExp(`^(query|mutation|subscription) ${name}\\b`, 'm').test(text))!;

describe('README "Restore" against a real server', () => {
  const tmp = tempDir('readme-restore');
  const repositoryPath = path.join(tmp.dir, 'backups', 'home');
  const sourcePath = path.join(tmp.dir, 'Documents');
  const restorePath = path.join(tmp.dir, 'restore', 'documents');
  let server: TestServer;
  let archive: string;
  const withPaths = (text: string) =>
    text
      .replaceAll('/srv/backups/home', repositoryPath)
      .replaceAll('home/me/Documents', sourcePath.slice(1))
      .replaceAll('/srv/restore/documents', restorePath)
      .replaceAll('ARCHIVE', archive);

  beforeAll(async () => {
    mkdirSync(sourcePath, { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(path.join(sourcePath, `note-${i}.txt`), `note ${i}\n`.repeat(100));
    server = await startServer({ dataDir: path.join(tmp.dir, 'data') });
    await gql(server.graphqlUrl, 'mutation($input: AddRepositoryInput!) { addRepository(input: $input) { __typename } }', {
      input: { name: 'home', path: repositoryPath, sourcePaths: [sourcePath], encryption: 'none', initialize: true },
    });
    const { startBackup } = await gql(server.graphqlUrl, 'mutation($r: String!) { startBackup(repository: $r) { ... on StartBackupSuccess { job { id } } } }', {
      r: repositoryPath,
    });
    expect(startBackup.job.id).toBe('1');
    const done = await collectSse<{ jobUpdates: { status: string } }>(server.graphqlUrl, 'subscription { jobUpdates(id: "1") { status } }');
    expect(done.at(-1)?.jobUpdates.status).toBe('COMPLETED');
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  it('browse, restore, watch and check as written', async () => {
    archive = '';
    const { repositoryByReference } = await gql(server.graphqlUrl, withPaths(operation('Archives')));
    const [first] = repositoryByReference.archives;
    archive = first.name;
    expect(first.stats.nfiles).toBe(20);
    expect(first.contents.entries).toHaveLength(20);
    expect(first.contents.entries[0]).toMatchObject({ path: `${sourcePath.slice(1)}/note-0.txt`, type: 'FILE' });

    const { startRestore } = await gql(server.graphqlUrl, withPaths(operation('StartRestore')));
    expect(startRestore).toMatchObject({ __typename: 'StartRestoreSuccess', job: { id: '2' } });
    const updates = await collectSse<{ jobUpdates: { kind: string; status: string; progress: { percent: number } } }>(
      server.graphqlUrl,
      operation('WatchRestore'),
    );
    expect(updates.at(-1)?.jobUpdates).toMatchObject({ kind: 'RESTORE', status: 'COMPLETED', progress: { percent: 100 } });
    expectSameTree(sourcePath, path.join(restorePath, sourcePath.slice(1)));

    const { startCheck } = await gql(server.graphqlUrl, withPaths(operation('Check')));
    expect(startCheck.__typename).toBe('StartCheckSuccess');
    const checked = await collectSse<{ jobUpdates: { status: string } }>(
      server.graphqlUrl,
      `subscription { jobUpdates(id: "${startCheck.job.id}") { status } }`,
    );
    expect(checked.at(-1)?.jobUpdates.status).toBe('COMPLETED');
  }, 60_000);

  it('the curl script restores the newest archive', async () => {
    const { createApiToken } = await gql(
      server.graphqlUrl,
      'mutation { createApiToken(name: "script", role: OPERATOR) { ... on CreateApiTokenSuccess { secret } } }',
    );
    const script = blocks('sh').find((block) => block.includes('# restore:'))!;
    const destination = path.join(tmp.dir, 'restore', 'by-script');
    // asynchronously: the server answers the script from this process
    const { stdout, stderr } = await promisify(execFile)(
      'sh',
      ['-c', withPaths(script).replaceAll(restorePath, destination).replaceAll('http://127.0.0.1:4000', server.url)],
      {
        env: { ...process.env, BORGQL_TOKEN: createApiToken.secret },
      },
    );
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({ status: 'completed', progress: 100, error_message: null });
    expectSameTree(sourcePath, path.join(destination, sourcePath.slice(1)));
  }, 60_000);
});
