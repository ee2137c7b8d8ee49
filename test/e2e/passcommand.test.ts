import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { borg } from '../helpers/borg.js';
import { JOB_STATUS, JOB_STATUS_UPDATES, START_BACKUP } from '../helpers/documents.js';
import { collectSse, gql } from '../helpers/graphql.js';
import { startServer, tempDir, type TestServer } from '../helpers/server.js';
import { onPostgres } from '../helpers/test-database.js';

const REPOSITORY_FIELDS =
  '__typename ... on AddRepositorySuccess { repository { id passcommand hasPassphrase } } ... on ValidationError { message field } ... on Error { message }';
const ADD = `mutation($input: AddRepositoryInput!) { addRepository(input: $input) { ${REPOSITORY_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateRepositoryInput!) { updateRepository(id: $id, input: $input) { ${REPOSITORY_FIELDS} } }`;

/**
 * BORG_PASSCOMMAND per repository, limited to the command prefixes the
 * operator allowed (BORGQL_PASSCOMMAND_PREFIXES): an ADMIN is not root, so
 * nothing else may run. `getpass` notes every run in a marker file (with
 * the BORG_PASSPHRASE it saw), which proves when it ran and when it did not.
 */
describe('passcommand', () => {
  const tmp = tempDir('passcommand');
  const dataDir = path.join(tmp.dir, 'data');
  const sources = path.join(tmp.dir, 'src');
  const passDir = path.join(tmp.dir, 'pass');
  const getpass = path.join(tmp.dir, 'bin', 'getpass');
  const runs = path.join(tmp.dir, 'getpass-runs.log');
  const touched = path.join(tmp.dir, 'touched');
  const passphrases = { home: `home-${randomBytes(9).toString('hex')}`, other: `other-${randomBytes(9).toString('hex')}` };
  const both = `${getpass};cat ${passDir}/`;
  const home = { name: 'home', path: path.join(tmp.dir, 'repos', 'home'), passcommand: `${getpass} home` };
  const other = { name: 'other', path: path.join(tmp.dir, 'repos', 'other'), passcommand: `cat ${passDir}/other` };
  let server: TestServer | null = null;
  let homeId = '';
  let umask = 0;

  const start = async (prefixes: string) => {
    await server?.stop();
    server = await startServer({ dataDir, env: { BORGQL_PASSCOMMAND_PREFIXES: prefixes } });
  };
  const query = <T = any>(document: string, variables: Record<string, unknown> = {}) => gql<T>(server!.graphqlUrl, document, variables);
  const getpassRuns = () => (existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').filter(Boolean) : []);
  const backup = async (repository: string) => {
    const started = await query(START_BACKUP, { r: repository });
    const id = started.startBackup.job.id as string;
    await collectSse(server!.graphqlUrl, JOB_STATUS_UPDATES, { id });
    return (await query(JOB_STATUS, { id })).job as { status: string; errorMessage: string | null };
  };

  beforeAll(async () => {
    // a fresh installation in a data folder that exists, readable by all, under the usual umask
    umask = process.umask(0o022);
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    mkdirSync(sources, { recursive: true });
    writeFileSync(path.join(sources, 'file.txt'), 'data');
    mkdirSync(passDir);
    writeFileSync(path.join(passDir, 'home'), `${passphrases.home}\n`);
    writeFileSync(path.join(passDir, 'other'), `${passphrases.other}\n`);
    mkdirSync(path.dirname(getpass));
    writeFileSync(getpass, `#!/bin/sh\nprintf '%s %s\\n' "$*" "\${BORG_PASSPHRASE-unset}" >> '${runs}'\nexec cat '${passDir}/'"$1"\n`, { mode: 0o755 });
    await start(both);
  });

  afterAll(async () => {
    await server?.stop();
    process.umask(umask);
    tmp.cleanup();
  });

  it('runs borg init, info and create with an allowed passcommand, without BORG_PASSPHRASE; a fresh data folder gets 0600 files', async () => {
    const added = await query(ADD, { input: { ...home, sourcePaths: [sources], initialize: true } });
    expect(added.addRepository).toMatchObject({ __typename: 'AddRepositorySuccess', repository: { passcommand: home.passcommand, hasPassphrase: false } });
    homeId = added.addRepository.repository.id;
    expect(getpassRuns().length).toBeGreaterThanOrEqual(2); // init, info
    expect(new Set(getpassRuns())).toEqual(new Set(['home unset']));
    // the key borg init made is protected by what the command printed
    const info = await borg(['info', '--json', home.path], { BORG_PASSPHRASE: passphrases.home, BORG_BASE_DIR: path.join(tmp.dir, 'borg-test') });
    expect(info.exitCode, info.stderr).toBe(0);
    const before = getpassRuns().length;
    expect(await backup(home.path)).toEqual({ status: 'COMPLETED', errorMessage: null });
    expect(getpassRuns().length).toBeGreaterThan(before);
    const { repository } = await query('query($id: ID!) { repository(id: $id) { archives { name } } }', { id: homeId });
    expect(repository.archives).toHaveLength(1);
    const modes = Object.fromEntries(
      readdirSync(dataDir)
        .filter((name) => /^borgql\.db|\.key$/.test(name))
        .map((name) => [name, (statSync(path.join(dataDir, name)).mode & 0o777).toString(8)]),
    );
    const keyFiles = { 'secrets.key': '600', 'download-token.key': '600' };
    // on PostgreSQL the data folder holds the key files only
    expect(modes).toEqual(
      onPostgres ? keyFiles : { 'borgql.db': '600', 'borgql.db-wal': '600', 'borgql.db-shm': '600', ...keyFiles, 'borgql.db-server.lock': '600' },
    );
  });

  it('takes any prefix of the list, e.g. cat with a folder; a failing command is a BorgError', async () => {
    const added = await query(ADD, { input: { ...other, sourcePaths: [sources], initialize: true } });
    expect(added.addRepository).toMatchObject({ __typename: 'AddRepositorySuccess', repository: { passcommand: other.passcommand } });
    expect(await backup(other.path)).toEqual({ status: 'COMPLETED', errorMessage: null });
    const failing = await query(ADD, {
      input: { name: 'missing', path: path.join(tmp.dir, 'repos', 'missing'), sourcePaths: [sources], passcommand: `cat ${passDir}/missing`, initialize: true },
    });
    expect(failing.addRepository).toEqual({
      __typename: 'BorgError',
      message: expect.stringMatching(/^PasscommandFailure: the repository's passcommand failed \(passcommand supplied in BORG_PASSCOMMAND failed/),
    });
  });

  it('refuses other commands, "..", spaces, quotes and options with a ValidationError, and runs nothing', async () => {
    const runsBefore = getpassRuns().length;
    const refused = [
      `touch ${touched}`,
      `/bin/sh -c touch ${touched}`,
      `${getpass} ../pass/home`,
      `${getpass} sub/../../pass/home`,
      `cat ${passDir}/../pass/home`,
      `${getpass} home extra`,
      `${getpass} home\ttouch`,
      `${getpass} 'home'`,
      `${getpass} "home"`,
      `${getpass} -x`,
      `${getpass}`,
      `${getpass}x home`,
    ];
    for (const [index, passcommand] of refused.entries()) {
      const answer = await query(ADD, {
        input: { name: `bad${index}`, path: path.join(tmp.dir, 'repos', `bad${index}`), sourcePaths: [sources], passcommand, initialize: true },
      });
      expect([passcommand, answer.addRepository]).toEqual([
        passcommand,
        { __typename: 'ValidationError', field: 'passcommand', message: expect.stringMatching(/BORGQL_PASSCOMMAND_PREFIXES|one plain argument/) },
      ]);
      const update = await query(UPDATE, { id: homeId, input: { passcommand } });
      expect(update.updateRepository).toMatchObject({ __typename: 'ValidationError', field: 'passcommand' });
    }
    const bothGiven = await query(ADD, {
      input: {
        name: 'both',
        path: path.join(tmp.dir, 'repos', 'both'),
        sourcePaths: [sources],
        passcommand: home.passcommand,
        passphrase: 'x',
        initialize: true,
      },
    });
    expect(bothGiven.addRepository).toMatchObject({
      __typename: 'ValidationError',
      field: 'passcommand',
      message: 'a repository has a passphrase or a passcommand, not both',
    });
    expect(getpassRuns().length).toBe(runsBefore);
    expect(existsSync(touched)).toBe(false);
    expect(existsSync(path.join(tmp.dir, 'repos', 'bad0'))).toBe(false); // no borg init either
    const { repositories } = await query('{ repositories { name passcommand } }');
    expect(repositories).toEqual([
      { name: 'home', passcommand: home.passcommand },
      { name: 'other', passcommand: other.passcommand },
    ]);
  });

  it('a passphrase replaces the passcommand and the other way round, each checked with borg info first', async () => {
    const wrong = await query(UPDATE, { id: homeId, input: { passphrase: 'not it' } });
    expect(wrong.updateRepository).toMatchObject({ __typename: 'BorgError', message: expect.stringMatching(/^PassphraseWrong/) });
    const toPassphrase = await query(UPDATE, { id: homeId, input: { passphrase: passphrases.home } });
    expect(toPassphrase.updateRepository).toMatchObject({ repository: { passcommand: null, hasPassphrase: true } });
    const runsBefore = getpassRuns().length;
    expect((await backup(home.path)).status).toBe('COMPLETED');
    expect(getpassRuns().length).toBe(runsBefore);
    const toPasscommand = await query(UPDATE, { id: homeId, input: { passcommand: home.passcommand } });
    expect(toPasscommand.updateRepository).toMatchObject({ repository: { passcommand: home.passcommand, hasPassphrase: false } });
    expect(getpassRuns().length).toBe(runsBefore + 1); // borg info ran it
  });

  it('a passcommand the operator no longer allows fails its job and does not run', async () => {
    await start(`cat ${passDir}/`);
    const runsBefore = getpassRuns().length;
    const job = await backup(home.path);
    expect(job.status).toBe('FAILED');
    expect(job.errorMessage).toMatch(
      /^the passcommand of repository "home" is refused: passcommand must start with a prefix the operator allowed in BORGQL_PASSCOMMAND_PREFIXES/,
    );
    expect(getpassRuns().length).toBe(runsBefore);
    expect((await backup(other.path)).status).toBe('COMPLETED');
  });

  it('without BORGQL_PASSCOMMAND_PREFIXES a passcommand is refused, saying how to enable it', async () => {
    await start('');
    const answer = await query(ADD, {
      input: { name: 'later', path: path.join(tmp.dir, 'repos', 'later'), sourcePaths: [sources], passcommand: `cat ${passDir}/other` },
    });
    expect(answer.addRepository).toEqual({
      __typename: 'ValidationError',
      field: 'passcommand',
      message: expect.stringMatching(
        /^passcommands are not enabled on this server: the operator allows passcommands by listing command prefixes in BORGQL_PASSCOMMAND_PREFIXES/,
      ),
    });
  });
});
