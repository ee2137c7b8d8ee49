import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTree } from '../helpers/borg.js';
import { AddRepositoryDocument, ApiTokensDocument, JobStatusDocument } from '../helpers/typed-documents.js';
import { gql, gqlRaw } from '../helpers/graphql.js';
import { bearer, startServer, tempDir, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { onPostgres } from '../helpers/test-database.js';

/**
 * The `borgql` command line as a person runs it: a process of its own (from
 * the sources, through tsx) against a real server and real borg, its output
 * read from a pipe or from a pseudo-terminal (util-linux `script`).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'];
/** Time for a test that starts many CLI processes: each compiles the sources through tsx, seconds on a busy machine. */
const MANY_RUNS_MS = 180_000;
/** BORG_BIN of the test server: `borg create` waits while REPO.hold exists, so a job is surely running. */
const CREATE_HOLDER = fileURLToPath(new URL('../helpers/create-holder.sh', import.meta.url));

/** A URL nothing listens on: a port the kernel handed out and that was closed again. */
async function closedPortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the borgql command line', () => {
  const tmp = tempDir('cli');
  let server: TestServer;
  let nobody: string;

  function cli(args: string[], env: Record<string, string> = {}) {
    return execa(CLI[0]!, [...CLI.slice(1), ...args], {
      cwd: root,
      env: { BORGQL_URL: server.url, BORGQL_TOKEN: TEST_ADMIN_TOKEN, ...env },
      reject: false,
      stdin: 'ignore',
    });
  }

  async function run(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
    const { exitCode, stdout, stderr } = await cli(args, env);
    return { code: exitCode ?? -1, stdout, stderr };
  }

  /** Runs the CLI in a pseudo-terminal: what a person at a terminal sees, escape sequences included. */
  async function runInTerminal(args: string[]): Promise<CliRun> {
    const command = [...CLI, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
    const { exitCode, stdout, stderr } = await execa('script', ['-qfec', command, '/dev/null'], {
      cwd: root,
      env: { BORGQL_URL: server.url, BORGQL_TOKEN: TEST_ADMIN_TOKEN, COLUMNS: '160' },
      reject: false,
      stdin: 'ignore',
    });
    return { code: exitCode ?? -1, stdout, stderr };
  }

  async function addRepository(name: string, sourcePaths: string[]): Promise<string> {
    const repository = path.join(tmp.dir, 'repos', name);
    const { addRepository } = await gql(server.graphqlUrl, AddRepositoryDocument, {
      input: { name, path: repository, sourcePaths, encryption: 'none', initialize: true },
    });
    expect(addRepository.__typename).toBe('AddRepositorySuccess');
    return repository;
  }

  async function jobStatus(id: string) {
    return (await gql(server.graphqlUrl, JobStatusDocument, { id })).job;
  }

  let held: string;
  const small = path.join(tmp.dir, 'small');
  const big = path.join(tmp.dir, 'big');

  beforeAll(async () => {
    mkdirSync(small, { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(path.join(small, `f${i}.txt`), `file ${i}\n`.repeat(500));
    // a few thousand files: borg reports progress many times before it is done
    makeTree(big, 2000, 20_000);
    server = await startServer({ dataDir: path.join(tmp.dir, 'data'), env: { BORG_BIN: CREATE_HOLDER } });
    nobody = await closedPortUrl();
    await addRepository('small', [small]);
    await addRepository('big', [big]);
    held = await addRepository('held', [small]);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  it('backup --watch on a pipe prints plain progress lines with NN.N% and the outcome, exit 0', async () => {
    const { code, stdout, stderr } = await run(['backup', 'big', '--watch']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^job \d+ (PENDING|RUNNING) \d{1,2}\.\d% /);
    expect(lines.at(-1)).toMatch(/^job \d+ completed: archive borgql-\d+-\S+, .* read, .* new, 2000 files$/);
    // plain text only: no escape sequence, no carriage return
    expect(stdout).not.toMatch(/[\x1b\r]/);
  });

  it('backup --watch on a terminal draws a live bar (percent, size, MB/s, ETA, current file), exit 0', async () => {
    const { code, stdout } = await runInTerminal(['backup', 'big', '--watch']);
    expect(code, stdout).toBe(0);
    // cli-progress redraws its line in place: escape sequences, a bar, the figures
    expect(stdout).toContain('\x1b[');
    expect(stdout).toMatch(/job \d+ RUNNING \[[█░]+\] +\d{1,3}\.\d% \| [\d.]+ (B|kB|MB) \| [\d.]+ MB\/s \| ETA \S+ \|/);
    expect(stdout).toMatch(/job \d+ completed: archive borgql-/);
  });

  it('exit codes follow borg: 1 for a backup with warnings, 2 for a failed one', async () => {
    const vanishing = path.join(tmp.dir, 'vanishing');
    mkdirSync(vanishing);
    await addRepository('warns', [small, vanishing]);
    rmSync(vanishing, { recursive: true });
    const warned = await run(['backup', 'warns', '--watch']);
    expect(warned.code, warned.stdout + warned.stderr).toBe(1);
    expect(warned.stdout).toMatch(/job \d+ completed with warnings/);

    const gone = await addRepository('gone', [small]);
    rmSync(gone, { recursive: true });
    const failed = await run(['backup', 'gone', '--watch']);
    expect(failed.code).toBe(2);
    expect(failed.stdout).toMatch(/job \d+ failed \(borg exit code 2\): .*DoesNotExist/);
  });

  it('backup without --watch starts the job; watch <jobId> follows it to its exit code', async () => {
    const started = await run(['backup', 'small']);
    expect(started.code).toBe(0);
    const id = /^started job (\d+) /.exec(started.stdout)?.[1];
    expect(id, started.stdout).toBeDefined();
    const watched = await run(['watch', id!]);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(new RegExp(`job ${id} completed: archive borgql-${id}-`));
  });

  it('jobs --json prints one JSON array, newest first, each with id and status', async () => {
    const { code, stdout } = await run(['jobs', '--json', '--limit', '3']);
    expect(code).toBe(0);
    const jobs = JSON.parse(stdout) as { id: string; status: string }[];
    expect(jobs).toHaveLength(3);
    for (const job of jobs) expect(job).toEqual(expect.objectContaining({ id: expect.stringMatching(/^\d+$/), status: expect.any(String) }));
    const ids = jobs.map((job) => Number(job.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const table = await run(['jobs']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +STATUS/);
  });

  it('logs <jobId> prints every line of the log and nothing else; --follow the same for an ended job', async () => {
    const { jobs } = await gql<{ jobs: { id: string; logs: { lines: { content: string }[] } }[] }>(
      server.graphqlUrl,
      '{ jobs(limit: 1) { id logs(limit: 10000) { lines { content } } } }',
    );
    const [job] = jobs;
    const expected = job!.logs.lines.map((line) => `${line.content}\n`).join('');
    const printed = await run(['logs', job!.id]);
    expect(printed.code).toBe(0);
    expect(printed.stdout + '\n').toBe(expected);
    const followed = await run(['logs', job!.id, '--follow']);
    expect(followed.code).toBe(0);
    expect(followed.stdout + '\n').toBe(expected);
  });

  it('Ctrl-C during --watch stops watching, says so, and leaves the backup running', async () => {
    writeFileSync(`${held}.hold`, '');
    const watching = cli(['backup', 'held', '--watch']);
    let output = '';
    await new Promise<void>((resolve) =>
      watching.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/^job \d+ RUNNING/m.test(output)) resolve();
      }),
    );
    const id = /^job (\d+) /.exec(output)?.[1];
    watching.kill('SIGINT');
    const { exitCode, stderr } = await watching;
    expect(exitCode).toBe(130);
    expect(stderr.trim()).toBe(
      `stopped watching job ${id}; the job goes on in the server (borgql watch ${id} to follow it again, borgql cancel ${id} to stop it)`,
    );
    expect((await jobStatus(id!))?.status).toBe('RUNNING');
    rmSync(`${held}.hold`);
    await expect.poll(async () => (await jobStatus(id!))?.status, { timeout: 60_000, interval: 250 }).toBe('COMPLETED');
  });

  it('cancel <jobId> cancels a running job; watching it then exits 2', async () => {
    writeFileSync(`${held}.hold`, '');
    try {
      const started = await run(['backup', 'held']);
      const id = /^started job (\d+) /.exec(started.stdout)?.[1];
      await expect.poll(async () => (await jobStatus(id!))?.status, { timeout: 30_000, interval: 100 }).toBe('RUNNING');
      const cancelled = await run(['cancel', id!]);
      expect(cancelled.code, cancelled.stderr).toBe(0);
      expect(cancelled.stdout).toBe(`job ${id} cancelled (borg was stopped)`);
      const again = await run(['watch', id!]);
      expect(again.code).toBe(2);
      expect(again.stdout).toMatch(new RegExp(`^job ${id} cancelled`, 'm'));
    } finally {
      rmSync(`${held}.hold`, { force: true });
    }
  });

  it(
    'bad input: one clear line on stderr, no stack trace, exit 2',
    async () => {
      const cases: [string[], Record<string, string>, RegExp][] = [
        [
          ['jobs'],
          { BORGQL_URL: nobody },
          /^borgql: cannot reach borgql at http:\/\/127\.0\.0\.1:\d+ \(connection refused\): is the server running\? \(set BORGQL_URL\)$/,
        ],
        [['watch', '1'], { BORGQL_URL: nobody }, /^borgql: cannot reach borgql at http:\/\/127\.0\.0\.1:\d+ \(connection refused\)/],
        [['jobs'], { BORGQL_TOKEN: 'bq_not-a-token-of-this-server' }, /^borgql: the server refused the token: set BORGQL_TOKEN/],
        [['watch', '1'], { BORGQL_TOKEN: 'bq_not-a-token-of-this-server' }, /^borgql: the server refused the token/],
        [['watch', '9999'], {}, /^borgql: job 9999 not found$/],
        [['logs', '9999'], {}, /^borgql: no job 9999$/],
        [['cancel', '9999'], {}, /^borgql: job 9999 not found$/],
        [['watch', 'seven'], {}, /^borgql: a job id is a number, got "seven"$/],
        [['backup', 'no-such-repository'], {}, /^borgql: repository "no-such-repository" not found$/],
      ];
      for (const [args, env, message] of cases) {
        const { code, stdout, stderr } = await run(args, env);
        expect(code, `${args.join(' ')}: ${stderr}`).toBe(2);
        expect(stdout).toBe('');
        expect(stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
        expect(stderr.trimEnd(), args.join(' ')).toMatch(message);
      }
    },
    MANY_RUNS_MS,
  );

  // the offline path here opens the data folder's SQLite file; on PostgreSQL it would need the server's DATABASE_URL
  it.skipIf(onPostgres)(
    'token create works through the API, and offline on the database while the server runs; the server accepts the token at once',
    async () => {
      const online = await run(['token', 'create', '--name', 'nightly', '--role', 'Operator']);
      expect(online.code, online.stderr).toBe(0);
      expect(online.stderr).toMatch(/^created API token \d+ "nightly" \(OPERATOR\) through http:/);
      expect(online.stdout).toMatch(/^bq_[A-Za-z0-9_-]{43}$/);

      // the admin token is lost: no BORGQL_TOKEN, so the CLI goes to the server's database
      const offline = await run(['token', 'create', '--name', 'rescue', '--role', 'admin'], { BORGQL_TOKEN: '', BORGQL_DATA_DIR: server.dataDir });
      expect(offline.code, offline.stderr).toBe(0);
      expect(offline.stderr).toMatch(/^created API token (\d+) "rescue" \(ADMIN\) on the database;/);
      const rescue = offline.stdout.trim();
      const { apiTokens } = await gql(server.graphqlUrl, ApiTokensDocument, {}, bearer(rescue));
      expect(apiTokens.find((token) => token.name === 'rescue')).toMatchObject({ role: 'ADMIN', revokedAt: null });

      // the same when the server does not answer; then revoked offline: refused at once
      const unreachable = await run(['token', 'create', '--name', 'spare', '--role', 'VIEWER'], { BORGQL_URL: nobody, BORGQL_DATA_DIR: server.dataDir });
      expect(unreachable.code, unreachable.stderr).toBe(0);
      const spareId = /^created API token (\d+) "spare" \(VIEWER\) on the database/.exec(unreachable.stderr)?.[1];
      expect((await gqlRaw(server.graphqlUrl, '{ jobs(limit: 1) { id } }', {}, bearer(unreachable.stdout.trim()))).status).toBe(200);
      const revoked = await run(['token', 'revoke', spareId!], { BORGQL_URL: nobody, BORGQL_DATA_DIR: server.dataDir });
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(revoked.stdout).toBe(`revoked API token ${spareId} "spare" on the database`);
      expect((await gqlRaw(server.graphqlUrl, '{ jobs(limit: 1) { id } }', {}, bearer(unreachable.stdout.trim()))).status).toBe(401);

      const badRole = await run(['token', 'create', '--name', 'x', '--role', 'root']);
      expect(badRole).toMatchObject({ code: 2, stdout: '', stderr: 'borgql: --role takes one of VIEWER, OPERATOR, ADMIN (any case), got "root"' });
      const noDatabase = await run(['token', 'create', '--name', 'x', '--role', 'admin'], {
        BORGQL_URL: nobody,
        BORGQL_DATA_DIR: path.join(tmp.dir, 'nowhere'),
      });
      expect(noDatabase.code).toBe(2);
      expect(noDatabase.stderr).toMatch(/^borgql: no borgql database at \S+nowhere\/borgql\.db: set BORGQL_DATA_DIR/);
    },
    MANY_RUNS_MS,
  );
});
