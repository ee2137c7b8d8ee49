import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokensDocument } from '../helpers/typed-documents.js';
import { gql } from '../helpers/graphql.js';
import { startServer, tempDir } from '../helpers/server.js';
import { onPostgres } from '../helpers/test-database.js';

/**
 * `borgql backup` on a fresh clone with nothing running: no BORGQL_URL, no
 * token, no registered repository. The CLI registers the repository and runs
 * the job in a server of its own on the data folder. Real borg, each run a
 * process of its own (from the sources, through tsx). These runs expect
 * nothing to answer at the default URL, http://127.0.0.1:4000.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'];
/** Time for a test that starts several CLI processes: each compiles the sources through tsx, seconds on a busy machine. */
const MANY_RUNS_MS = 180_000;
/** BORG_BIN whose `borg create` waits while REPO.hold exists, so a job is surely running. */
const CREATE_HOLDER = fileURLToPath(new URL('../helpers/create-holder.sh', import.meta.url));
const PASSPHRASE = 'correct horse battery staple, embedded';

async function closedPortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

// the embedded server opens the data folder's own database, as `borgql serve` does with no DATABASE_URL;
// the CLI processes here get no DATABASE_URL, so on the PostgreSQL pass there is nothing of this to run
describe.skipIf(onPostgres)("borgql backup with no server running (SQLite: the data folder's own database)", () => {
  const tmp = tempDir('cli-embedded');
  const source = path.join(tmp.dir, 'Documents');
  const borgBase = path.join(tmp.dir, 'borg-base');

  /** The environment of a person on a fresh clone: nothing borgql-specific set but the data folder. */
  function environment(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
    return { BORGQL_URL: '', BORGQL_TOKEN: '', BORGQL_DATA_DIR: dataDir, BORG_BASE_DIR: borgBase, BORG_PASSPHRASE: PASSPHRASE, ...extra };
  }

  function cli(args: string[], env: Record<string, string>) {
    return execa(CLI[0]!, [...CLI.slice(1), ...args], { cwd: root, env, reject: false, stdin: 'ignore' });
  }

  beforeAll(() => {
    mkdirSync(source, { recursive: true });
    for (let i = 0; i < 30; i++) writeFileSync(path.join(source, `note${i}.txt`), `note ${i}\n`.repeat(300));
  });

  afterAll(() => tmp.cleanup());

  it(
    'one command initialises a repository, backs up with progress lines on a pipe and exits 0; the same command again backs up incrementally',
    async () => {
      const dataDir = path.join(tmp.dir, 'data');
      const repository = path.join(tmp.dir, 'new-repo');
      const command = ['backup', repository, '--source', source, '--init', '--watch'];

      const first = await cli(command, environment(dataDir));
      expect(first.exitCode, first.stderr).toBe(0);
      expect(first.stderr).toMatch(/^borgql: no server at http:\/\/127\.0\.0\.1:4000; job 1 runs in this process on \S+data \(Ctrl-C cancels it\)$/m);
      expect(first.stderr).toMatch(/^borgql: created the data folder's first admin API token; it is shown only this once, store it now: bq_\S+$/m);
      expect(first.stderr).toContain(`registered repository 1 "new-repo" (${repository}), initialised`);
      const lines = first.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^job 1 (PENDING|RUNNING) \d{1,2}\.\d% /);
      expect(lines.at(-1)).toMatch(/^job 1 completed: archive borgql-1-\S+, .* read, .* new, 30 files$/);
      expect(first.stdout).not.toMatch(/[\x1b\r]/);

      const second = await cli(command, environment(dataDir));
      expect(second.exitCode, second.stderr).toBe(0);
      expect(second.stderr).not.toContain('registered repository');
      expect(second.stderr).not.toContain('first admin API token');
      expect(second.stdout.trimEnd().split('\n').at(-1)).toMatch(/^job 2 completed: archive borgql-2-\S+, .* read, .* new, 30 files$/);

      // the repository is encrypted with the environment's passphrase and holds both archives
      const archives = await execa('borg', ['list', '--short', repository], { env: { BORG_PASSPHRASE: PASSPHRASE, BORG_BASE_DIR: borgBase } });
      expect(archives.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^borgql-1-/), expect.stringMatching(/^borgql-2-/)]);
      for (const output of [first.stdout, first.stderr, second.stdout, second.stderr]) expect(output).not.toContain(PASSPHRASE);

      // each run's own token is revoked when it ends
      const server = await startServer({ dataDir });
      try {
        const { apiTokens } = await gql(server.graphqlUrl, ApiTokensDocument, {});
        const runTokens = apiTokens.filter((token) => token.name === 'borgql command (embedded server)');
        expect(runTokens).toHaveLength(2);
        for (const token of runTokens) expect(token.revokedAt).not.toBeNull();
      } finally {
        await server.stop();
      }
    },
    MANY_RUNS_MS,
  );

  it('Ctrl-C cancels the backup in embedded mode, says so, and exits 2', async () => {
    const dataDir = path.join(tmp.dir, 'data-cancel');
    const repository = path.join(tmp.dir, 'held-repo');
    writeFileSync(`${repository}.hold`, '');
    const running = cli(
      ['backup', repository, '--source', source, '--init', '--encryption', 'none', '--watch'],
      environment(dataDir, { BORG_BIN: CREATE_HOLDER }),
    );
    let output = '';
    await new Promise<void>((resolve) =>
      running.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/^job \d+ RUNNING/m.test(output)) resolve();
      }),
    );
    running.kill('SIGINT');
    const { exitCode, stdout, stderr } = await running;
    expect(exitCode).toBe(2);
    expect(stderr).toContain('cancelling job 1: its server runs in this command and stops with it');
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^job 1 cancelled/);
  });

  it(
    'errors stay one line: an explicit BORGQL_URL that does not answer, a data folder another server holds, an unknown repository without --source',
    async () => {
      const dataDir = path.join(tmp.dir, 'data-errors');
      const repository = path.join(tmp.dir, 'other-repo');
      const withSource = ['backup', repository, '--source', source, '--init', '--encryption', 'none', '--watch'];

      const nobody = await closedPortUrl();
      const unreachable = await cli(withSource, environment(dataDir, { BORGQL_URL: nobody }));
      expect(unreachable.exitCode).toBe(2);
      expect(unreachable.stderr).toMatch(
        /^borgql: cannot reach borgql at http:\/\/127\.0\.0\.1:\d+ \(connection refused\): is the server running\? \(set BORGQL_URL\)$/,
      );

      const unknown = await cli(['backup', repository, '--watch'], environment(dataDir));
      expect(unknown.exitCode).toBe(2);
      expect(unknown.stderr.trimEnd()).toBe(`borgql: repository "${repository}" not found`);

      const server = await startServer({ dataDir });
      try {
        const held = await cli(withSource, environment(dataDir));
        expect(held.exitCode).toBe(2);
        expect(held.stderr.trimEnd()).toBe(
          'borgql: another borgql server holds the data folder and does not answer at http://127.0.0.1:4000: set BORGQL_URL to its URL (and BORGQL_TOKEN)',
        );
      } finally {
        await server.stop();
      }
    },
    MANY_RUNS_MS,
  );
});
