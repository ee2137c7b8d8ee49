import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { borg, borgProcesses, makeTree } from '../helpers/borg.js';
import { START_BACKUP } from '../helpers/documents.js';
import { collectSse, gqlRaw } from '../helpers/graphql.js';
import { rest } from '../helpers/rest.js';
import { TEST_ADMIN_TOKEN, bearer } from '../helpers/server.js';
import { useChildServer } from '../helpers/use-server.js';

/**
 * README "Security" and "Configuration": passphrases reach borg through its environment only,
 * never argv, API output or logs; tokens are never logged. Everything a
 * client or an operator can see is collected here and searched.
 */
describe('secrets stay secret', () => {
  const { dir, dataDir, server } = useChildServer('secrets', { LOG_LEVEL: 'trace' });
  const passphrase = `pass-${randomBytes(12).toString('hex')}`;
  const repository = path.join(dir, 'repos', 'secret');
  const sources = path.join(dir, 'src');
  let jobId = '';
  let apiSecret = '';
  let downloadUrl = '';
  /** every answer a client got */
  const seen: string[] = [];
  /** argv and environment of every borg process of this repository, sampled while they ran */
  const processes = new Map<number, { argv: string[]; environ: string }>();
  let sampling = true;

  const record = <T>(value: T): T => {
    seen.push(typeof value === 'string' ? value : JSON.stringify(value));
    return value;
  };
  const query = async <T = any>(document: string, variables: Record<string, unknown> = {}, token = TEST_ADMIN_TOKEN) =>
    record((await gqlRaw<T>(server.graphqlUrl, document, variables, bearer(token))).body).data as T;

  beforeAll(async () => {
    mkdirSync(sources, { recursive: true });
    makeTree(sources, 2000, 20_000); // ~40 MB: borg runs long enough to be seen
    writeFileSync(path.join(sources, 'notes.txt'), 'nothing secret in here');
    void (async () => {
      while (sampling) {
        for (const process of borgProcesses()) {
          // the server's borg (it inherits the server's environment), not the test's own
          if (process.argv.some((arg) => arg.includes(repository)) && process.environ.includes(`BORGQL_DATA_DIR=${dataDir}\0`)) {
            processes.set(process.pid, process);
          }
        }
        await sleep(5);
      }
    })();
  }, 60_000);

  afterAll(() => {
    sampling = false;
  });

  it('runs borg init, info and create with the passphrase, and a wrong one', async () => {
    const add = `mutation($input: AddRepositoryInput!) { addRepository(input: $input) {
      __typename ... on AddRepositorySuccess { repository { id name path hasPassphrase } } ... on Error { message } } }`;
    const added = await query(add, { input: { name: 'secret', path: repository, sourcePaths: [sources], passphrase, initialize: true } });
    expect(added.addRepository).toMatchObject({ __typename: 'AddRepositorySuccess', repository: { hasPassphrase: true } });
    // a repository of someone else's, opened with our passphrase: borg info refuses it
    const other = `${repository}-other`;
    expect(
      (await borg(['init', '--encryption=repokey-blake2', other], { BORG_PASSPHRASE: 'not ours', BORG_BASE_DIR: path.join(dir, 'borg-test') })).exitCode,
    ).toBe(0);
    const wrong = await query(add, { input: { name: 'wrong', path: other, sourcePaths: [sources], passphrase } });
    expect(wrong.addRepository.__typename).toBe('BorgError');

    const started = await query(START_BACKUP, { r: repository });
    jobId = started.startBackup.job.id;
    record(await collectSse(server.graphqlUrl, 'subscription($id: ID!) { jobProgress(id: $id) { status progress { currentFile } } }', { id: jobId }));
    const { job } = await query('query($id: ID!) { job(id: $id) { status } }', { id: jobId });
    expect(job.status).toBe('COMPLETED');
  });

  it('borg got the passphrase in its environment, never in argv (/proc/<pid>/cmdline)', () => {
    const commands = [...processes.values()].map((p) => p.argv.find((arg) => ['init', 'info', 'create'].includes(arg)));
    expect(new Set(commands)).toEqual(new Set(['init', 'info', 'create']));
    expect(processes.size).toBeGreaterThanOrEqual(4); // init, info, info of the other, create
    for (const { argv, environ } of processes.values()) {
      expect(argv.join(' ')).not.toContain(passphrase);
      expect(environ).toContain(`BORG_PASSPHRASE=${passphrase}`);
      // the server's own secret is not handed to borg
      expect(environ).not.toContain(TEST_ADMIN_TOKEN);
    }
  });

  it('API answers never contain it: GraphQL, REST, log pages and the download', async () => {
    record(
      await query(`{ repositories { id name path sourcePaths excludePatterns compression encryption hasPassphrase retention { keepDaily } }
      jobs(limit: 10) { id status errorMessage archiveName logs(limit: 10000) { lines { content level } } } }`),
    );
    const { __type } = await query<{ __type: { fields: { name: string }[] } }>('{ __type(name: "Repository") { fields { name } } }');
    expect(__type.fields.map((f) => f.name)).not.toContain('passphrase');
    for (const url of ['/api/backup/jobs', `/api/backup/status/${jobId}`, `/api/backup/logs/${jobId}/stream`]) {
      record((await rest(server.url, 'GET', url)).body);
    }
    downloadUrl = (await query('mutation($id: ID!) { logDownloadUrl(jobId: $id) }', { id: jobId })).logDownloadUrl;
    const log = record(await (await fetch(downloadUrl)).text());
    expect(log).toMatch(/^A .*notes\.txt$/m); // the whole log is there…
    for (const answer of seen) expect(answer).not.toContain(passphrase); // …and no passphrase anywhere
    expect(log).not.toMatch(/BORG_PASSPHRASE/);
  });

  it("the server's output (trace level) has no passphrase and no token, whatever clients sent", async () => {
    apiSecret = (await query('mutation { createApiToken(name: "ci", role: VIEWER) { ... on CreateApiTokenSuccess { secret } } }')).createApiToken.secret;
    // failures that could tempt a logger: bad tokens in headers, in connection params, in query strings
    await gqlRaw(server.graphqlUrl, '{ jobs { id } }', {}, bearer(`${apiSecret}x`));
    await rest(server.url, 'GET', `/api/backup/logs/${jobId}/download?token=${apiSecret}`, { token: null });
    await rest(server.url, 'GET', `/api/backup/logs/${jobId}/download?token=${new URL(downloadUrl).searchParams.get('token')}x`, { token: null });
    await rest(server.url, 'POST', '/api/backup/start', { rawBody: `{"repository": "${passphrase}`, token: apiSecret });
    await gqlRaw(server.graphqlUrl, `{ jobs(repository: "${passphrase}") { id } nope }`, {}, bearer(apiSecret));
    await sleep(200);
    const output = server.output();
    expect(output).toMatch(/borgql listening on/);
    const downloadToken = new URL(downloadUrl).searchParams.get('token') as string;
    for (const secret of [passphrase, TEST_ADMIN_TOKEN, apiSecret, downloadToken]) expect(output).not.toContain(secret);
  });
});
