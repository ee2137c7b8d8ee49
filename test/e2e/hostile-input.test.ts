import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { START_BACKUP } from '../helpers/documents.js';
import { collectWs, gql, wsClient } from '../helpers/graphql.js';
import { useServer } from '../helpers/use-server.js';
import { SQLITE_ONLY, onPostgres } from '../helpers/test-database.js';

const RESULT = `__typename ... on Error { message } ... on ValidationError { field } ... on BorgError { msgid }
  ... on AddRepositorySuccess { repository { id path excludePatterns } }`;
const ADD = `mutation($input: AddRepositoryInput!) { addRepository(input: $input) { ${RESULT} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateRepositoryInput!) { updateRepository(id: $id, input: $input) { ${RESULT} } }`;

/**
 * A ProxyCommand that creates `<data dir>/<name>` when ssh runs it. No "/",
 * ":" or "{}" (borg's location syntax and placeholders would cut or refuse
 * it): the folder comes from the server's own BORGQL_DATA_DIR, which borg
 * and ssh inherit.
 */
const proxy = (name: string) => `-oProxyCommand=env$IFS-C$IFS$BORGQL_DATA_DIR$IFS'touch'$IFS'${name}'`;

/** Locations that made borg start ssh with an option of the caller's (each proven to run the command with borg 1.2.4 and OpenSSH 9.2). */
const HOSTILE = [
  // the two probes, as reported
  '-oProxyCommand=touch$IFS/tmp/mark@h:repo',
  'ssh://-oProxyCommand=touch$IFS/tmp/mark@h/repo',
  // the same, writing a marker where this test can see it
  `ssh://${proxy('mark-ssh-host')}/repo`,
  `ssh://${proxy('mark-ssh-user')}@h/repo`,
  `${proxy('mark-scp-user')}@h:repo`,
  `${proxy('mark-scp-host')}:repo`,
  'ssh://user@-oProxyCommand=x/repo',
  'ssh://us;er@h/x',
];

describe('hostile repository input: borg and ssh never run what a caller wrote', () => {
  const { dir, dataDir, server } = useServer('hostile-input');
  const sources = path.join(dir, 'src');
  let id = '';

  beforeAll(async () => {
    mkdirSync(sources, { recursive: true });
    writeFileSync(path.join(sources, 'file.txt'), 'hello');
    const added = await add({ name: 'good', path: path.join(dir, 'repos', 'good'), sourcePaths: [sources], encryption: 'none', initialize: true });
    expect(added.__typename).toBe('AddRepositorySuccess');
    id = added.repository.id;
  });

  const add = async (input: Record<string, unknown>) => (await gql<{ addRepository: any }>(server.graphqlUrl, ADD, { input })).addRepository;
  const update = async (input: Record<string, unknown>) => (await gql<{ updateRepository: any }>(server.graphqlUrl, UPDATE, { id, input })).updateRepository;
  const markers = () => readdirSync(dataDir).filter((name) => name.startsWith('mark'));

  it.each(HOSTILE)('addRepository and updateRepository refuse %j as a ValidationError on path', async (hostile) => {
    expect(await add({ name: 'hostile', path: hostile, sourcePaths: [sources] })).toMatchObject({ __typename: 'ValidationError', field: 'path' });
    expect(await update({ path: hostile })).toMatchObject({ __typename: 'ValidationError', field: 'path' });
    expect(markers()).toEqual([]);
    expect(existsSync('/tmp/mark@h')).toBe(false);
  });

  it('valid remote locations pass validation and reach borg, which cannot connect (BorgError)', async () => {
    for (const location of ['ssh://borgql@127.0.0.1:1/./repo', 'ssh://[::1]:1/repo']) {
      const answer = await add({ name: 'remote', path: location, sourcePaths: [sources] });
      expect(answer).toMatchObject({ __typename: 'BorgError' });
    }
  });

  it.each([
    ['name', { name: 'two\nlines' }, /control characters/],
    ['name', { name: 'bell\u0007' }, /control characters/],
    ['path', { path: '/srv/repo\0x' }, /control characters/],
    ['path', { path: '/srv/repo\nx' }, /control characters/],
    ['path', { path: '/srv/{hostname}' }, /placeholders/],
    ['sourcePaths', { sourcePaths: ['/tmp\0/x'] }, /NUL/],
    ['excludePatterns', { excludePatterns: ['*.tmp\0'] }, /control character/],
    ['excludePatterns', { excludePatterns: ['sh:**/cache\n'] }, /control character/],
    ['compression', { compression: 'obfuscate,1,lz4\0' }, /unknown compression/],
    ['compression', { compression: 'zstd,99' }, /unknown compression/],
    ['passphrase', { passphrase: 'secret\0' }, /NUL/],
    ['timezone', { timezone: 'UTC\0' }, /unknown time zone/],
    // the shorthand's cron is checked as createSchedule checks it, under that field's name
    ['cron', { schedule: '0 3 * * *\0' }, /invalid cron expression/],
  ] as const)('a control character or impossible value in %s is a ValidationError on add and on update', async (field, input, message) => {
    const added = await add({ name: 'ctl', path: path.join(dir, 'repos', 'good'), sourcePaths: [sources], ...input });
    expect(added).toMatchObject({ __typename: 'ValidationError', field });
    expect(added.message).toMatch(message);
    const updated = await update(input);
    expect(updated).toMatchObject({ __typename: 'ValidationError', field });
    expect(updated.message).toMatch(message);
    expect(JSON.stringify([added, updated])).not.toContain('secret');
  });

  it('the refused values were not stored: the repository still backs up with its own settings', async () => {
    const { repositories } = await gql<{ repositories: any[] }>(server.graphqlUrl, '{ repositories { id name path excludePatterns compression } }');
    expect(repositories).toEqual([{ id, name: 'good', path: path.join(dir, 'repos', 'good'), excludePatterns: [], compression: 'lz4' }]);
  });

  // an older version wrote the row into its SQLite file: no older version ever ran on PostgreSQL
  it.skipIf(onPostgres)(`a hostile location stored before this check (an older version) fails its job without reaching ssh (${SQLITE_ONLY})`, async () => {
    const stored = `ssh://${proxy('mark-stored')}/repo`;
    const db = new Database(path.join(dataDir, 'borgql.db'));
    db.prepare('UPDATE Repository SET path = ? WHERE id = ?').run(stored, Number(id));
    db.close();
    const client = wsClient(server.wsUrl);
    try {
      const { startBackup } = await gql<{ startBackup: { job: { id: string } } }>(server.graphqlUrl, START_BACKUP, { r: id });
      const states = await collectWs<{ jobProgress: { status: string; errorMessage: string | null } }>(
        client,
        'subscription($id: ID!) { jobProgress(id: $id) { status errorMessage } }',
        { id: startBackup.job.id },
      );
      const final = states.at(-1)?.jobProgress;
      expect(final?.status).toBe('FAILED');
      expect(final?.errorMessage).toMatch(/refusing repository location .*ssh host "-oProxyCommand=/);
      expect(markers()).toEqual([]);
    } finally {
      await client.dispose();
    }
  });
});
