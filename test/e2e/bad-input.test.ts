import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { borg } from '../helpers/borg.js';
import { collectWs, gql, gqlRaw } from '../helpers/graphql.js';
import { bearer } from '../helpers/server.js';
import { useServer } from '../helpers/use-server.js';

const ADD = `mutation Add($input: AddRepositoryInput!) {
  addRepository(input: $input) {
    __typename
    ... on AddRepositorySuccess { repository { id } }
    ... on Error { message }
    ... on ValidationError { field }
    ... on BorgError { msgid exitCode }
  }
}`;
const START = `mutation($r: String!) { startBackup(repository: $r) { __typename ... on Error { message } ... on StartBackupSuccess { job { id } } } }`;
const WATCH = `subscription($id: ID!) { jobProgress(id: $id) { id status exitCode errorMessage } }`;

describe('bad input gets typed errors, never a 500, a crash or a hang', () => {
  const { dir, server, client, restart } = useServer('bad-input');
  const sources = path.join(dir, 'src');
  const borgEnv = { BORG_BASE_DIR: path.join(dir, 'borg-test-base'), BORG_PASSPHRASE: 'right' };

  beforeAll(async () => {
    mkdirSync(sources, { recursive: true });
    writeFileSync(path.join(sources, 'file.txt'), 'hello');
  });

  const add = async (input: Record<string, unknown>) => (await gql<{ addRepository: Record<string, any> }>(server.graphqlUrl, ADD, { input })).addRepository;

  it.each([
    ['a relative repository path', { path: 'repos/x' }, 'path', /absolute/],
    ['an empty repository path', { path: '' }, 'path', /empty/],
    ['an empty name', { name: '  ' }, 'name', /empty/],
    ['no source paths', { sourcePaths: [] }, 'sourcePaths', /at least one/],
    ['a relative source path', { sourcePaths: ['src'] }, 'sourcePaths', /absolute/],
    ['a source path that does not exist', { sourcePaths: ['/nonexistent/borgql'] }, 'sourcePaths', /does not exist/],
    ['an unknown compression', { compression: 'gzip' }, 'compression', /unknown compression/],
    ['an encrypted init without passphrase', { initialize: true }, 'passphrase', /needs a passphrase/],
    ['an unknown encryption', { initialize: true, encryption: 'rot13', passphrase: 'x' }, 'encryption', /unknown encryption/],
  ])('addRepository refuses %s with a ValidationError', async (_what, override, field, message) => {
    const result = await add({ name: 'r', path: path.join(dir, 'repos', 'v'), sourcePaths: [sources], ...override });
    expect(result).toMatchObject({ __typename: 'ValidationError', field });
    expect(result.message).toMatch(message);
  });

  it('addRepository reports what borg says about a folder that is not a repository, or no folder at all', async () => {
    const plain = path.join(dir, 'plain-folder');
    mkdirSync(plain);
    expect(await add({ name: 'plain', path: plain, sourcePaths: [sources] })).toMatchObject({
      __typename: 'BorgError',
      msgid: 'Repository.InvalidRepository',
      exitCode: 2,
    });
    const missing = await add({ name: 'missing', path: path.join(dir, 'nope'), sourcePaths: [sources] });
    expect(missing).toMatchObject({ __typename: 'BorgError', msgid: 'Repository.DoesNotExist' });
    expect(missing.message).toMatch(/does not exist/);
  });

  it('addRepository reports a wrong passphrase and an existing repository on init', async () => {
    const repo = path.join(dir, 'repos', 'locked');
    expect((await borg(['init', '--make-parent-dirs', '--encryption=repokey-blake2', repo], borgEnv)).exitCode).toBe(0);
    const wrong = await add({ name: 'locked', path: repo, sourcePaths: [sources], passphrase: 'wrong' });
    expect(wrong).toMatchObject({ __typename: 'BorgError', msgid: 'PassphraseWrong' });
    expect(wrong.message).toMatch(/wrong passphrase/);
    const again = await add({ name: 'again', path: repo, sourcePaths: [sources], passphrase: 'right', initialize: true });
    expect(again).toMatchObject({ __typename: 'BorgError', msgid: 'Repository.AlreadyExists' });
    // nothing was registered by the failures
    const { repositories } = await gql<{ repositories: unknown[] }>(server.graphqlUrl, '{ repositories { id } }');
    expect(repositories).toHaveLength(0);
  });

  it('refuses a second repository with the same name or path', async () => {
    const repo = path.join(dir, 'repos', 'dup');
    expect((await add({ name: 'dup', path: repo, sourcePaths: [sources], initialize: true, encryption: 'none' })).__typename).toBe('AddRepositorySuccess');
    expect(await add({ name: 'dup', path: `${repo}2`, sourcePaths: [sources] })).toMatchObject({ __typename: 'ValidationError', field: 'name' });
    expect(await add({ name: 'dup2', path: `${repo}/`, sourcePaths: [sources] })).toMatchObject({ __typename: 'ValidationError', field: 'path' });
  });

  it('startBackup of an unknown or empty repository is a typed error', async () => {
    const unknown = await gql<{ startBackup: any }>(server.graphqlUrl, START, { r: '/no/such/repo' });
    expect(unknown.startBackup).toMatchObject({ __typename: 'NotFoundError', message: 'repository "/no/such/repo" not found' });
    const empty = await gql<{ startBackup: any }>(server.graphqlUrl, START, { r: ' ' });
    expect(empty.startBackup.__typename).toBe('ValidationError');
  });

  it('unknown and malformed job ids: null for queries, NotFoundError for cancel, an error for subscriptions', async () => {
    const { a, b } = await gql<{ a: unknown; b: unknown }>(server.graphqlUrl, '{ a: job(id: "abc") { id } b: job(id: "999999") { id } }');
    expect(a).toBeNull();
    expect(b).toBeNull();
    for (const id of ['abc', '999999', '-1']) {
      const { cancelBackup } = await gql<{ cancelBackup: any }>(
        server.graphqlUrl,
        'mutation($id: ID!) { cancelBackup(id: $id) { __typename ... on Error { message } } }',
        { id },
      );
      expect(cancelBackup.__typename).toBe('NotFoundError');
    }
    await expect(collectWs(client, WATCH, { id: '999999' })).rejects.toThrow(/job 999999 not found/);
  });

  it('out-of-range arguments are BAD_USER_INPUT errors with HTTP 200, not masked', async () => {
    for (const query of ['{ jobs(limit: -1) { id } }', '{ jobs(scheduledOnly: true, manualOnly: true) { id } }']) {
      const { status, body } = await gqlRaw(server.graphqlUrl, query);
      expect(status).toBe(200);
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('malformed requests get 4xx with a JSON body', async () => {
    const syntax = await gqlRaw(server.graphqlUrl, '{ jobs( ');
    expect(syntax.status).toBe(400);
    expect(syntax.body.errors?.[0]?.message).toMatch(/Syntax Error/);
    const unknownField = await gqlRaw(server.graphqlUrl, '{ nope }');
    expect(unknownField.status).toBe(400);
    const notJson = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer() }, body: '{"query": ' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toBeTypeOf('object');
  });

  it("a wrong passphrase at backup time ends FAILED with borg's message and exit code", async () => {
    const repo = path.join(dir, 'repos', 'changed');
    expect((await borg(['init', '--make-parent-dirs', '--encryption=repokey-blake2', repo], borgEnv)).exitCode).toBe(0);
    expect((await add({ name: 'changed', path: repo, sourcePaths: [sources], passphrase: 'right' })).__typename).toBe('AddRepositorySuccess');
    // the repository is replaced behind borgql's back by one with another passphrase
    rmSync(repo, { recursive: true });
    expect((await borg(['init', '--make-parent-dirs', '--encryption=repokey-blake2', repo], { ...borgEnv, BORG_PASSPHRASE: 'other' })).exitCode).toBe(0);
    const { startBackup } = await gql<{ startBackup: any }>(server.graphqlUrl, START, { r: repo });
    const final = (await collectWs<{ jobProgress: any }>(client, WATCH, { id: startBackup.job.id })).at(-1)?.jobProgress;
    expect(final).toMatchObject({ status: 'FAILED', exitCode: 2 });
    expect(final.errorMessage).toMatch(/^PassphraseWrong: wrong passphrase/);
  });

  it('borg missing from PATH: adding is a BorgError, a backup ends FAILED saying so', async () => {
    const repo = path.join(dir, 'repos', 'dup');
    // the same data dir, restarted with a borg that does not exist
    await restart({ BORG_BIN: '/nonexistent/borg' });
    const added = await add({ name: 'nobin', path: path.join(dir, 'repos', 'nobin'), sourcePaths: [sources], encryption: 'none', initialize: true });
    expect(added).toMatchObject({ __typename: 'BorgError', exitCode: null });
    expect(added.message).toBe('borg executable "/nonexistent/borg" not found (set BORG_BIN or install borgbackup)');
    const { startBackup } = await gql<{ startBackup: any }>(server.graphqlUrl, START, { r: repo });
    const final = (await collectWs<{ jobProgress: any }>(client, WATCH, { id: startBackup.job.id })).at(-1)?.jobProgress;
    expect(final).toMatchObject({ status: 'FAILED', exitCode: null, errorMessage: added.message });
  });
});
