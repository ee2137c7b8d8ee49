import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddRepositoryDocument } from '../helpers/typed-documents.js';
import { gql } from '../helpers/graphql.js';
import { startServer, tempDir, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';

/** `borgql restore` as a person runs it: a process of its own against a real server, real borg, a real archive. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'];

describe('borgql restore', () => {
  const tmp = tempDir('cli-restore');
  const source = path.join(tmp.dir, 'source');
  let server: TestServer;
  let archive: string;

  async function run(args: string[]) {
    const { exitCode, stdout, stderr } = await execa(CLI[0]!, [...CLI.slice(1), ...args], {
      cwd: root,
      env: { BORGQL_URL: server.url, BORGQL_TOKEN: TEST_ADMIN_TOKEN },
      reject: false,
      stdin: 'ignore',
    });
    return { code: exitCode ?? -1, stdout, stderr };
  }

  /** Where borg extract puts a source file: archive paths are absolute paths without their leading slash. */
  function restored(destination: string, file: string): string {
    return path.join(destination, path.relative('/', path.join(source, file)));
  }

  beforeAll(async () => {
    mkdirSync(path.join(source, 'docs'), { recursive: true });
    writeFileSync(path.join(source, 'docs', 'letter.txt'), 'Dear borg,\n'.repeat(2000));
    writeFileSync(path.join(source, 'other.txt'), 'not asked for\n');
    server = await startServer({ dataDir: path.join(tmp.dir, 'data') });
    const { addRepository } = await gql(server.graphqlUrl, AddRepositoryDocument, {
      input: { name: 'docs', path: path.join(tmp.dir, 'repo'), sourcePaths: [source], encryption: 'none', initialize: true },
    });
    expect(addRepository.__typename).toBe('AddRepositorySuccess');
    const backup = await run(['backup', 'docs', '--watch']);
    expect(backup.code, backup.stderr).toBe(0);
    archive = /completed: archive (\S+),/.exec(backup.stdout)![1]!;
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  it('restore --watch on a pipe prints progress lines and the outcome, exit 0; the file is the one backed up', async () => {
    const destination = path.join(tmp.dir, 'restored');
    const { code, stdout, stderr } = await run(['restore', 'docs', archive, destination, '--watch']);
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^job \d+ (PENDING|RUNNING) \d{1,3}\.\d% /);
    expect(lines.at(-1)).toMatch(new RegExp(`^job \\d+ completed: ${archive} restored to ${destination}, .* written, \\d+ items$`));
    expect(stdout).not.toMatch(/[\x1b\r]/);
    expect(readFileSync(restored(destination, 'docs/letter.txt'), 'utf8')).toBe(readFileSync(path.join(source, 'docs', 'letter.txt'), 'utf8'));
  });

  it('--path restores only that path; --dry-run writes nothing; without --watch it prints the job', async () => {
    const some = path.join(tmp.dir, 'some');
    const only = path.relative('/', path.join(source, 'docs'));
    const partial = await run(['restore', 'docs', archive, some, '--path', only, '--watch']);
    expect(partial.code, partial.stderr).toBe(0);
    expect(existsSync(restored(some, 'docs/letter.txt'))).toBe(true);
    expect(existsSync(restored(some, 'other.txt'))).toBe(false);

    const dry = path.join(tmp.dir, 'dry');
    const dryRun = await run(['restore', 'docs', archive, dry, '--dry-run', '--watch']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(existsSync(restored(dry, 'docs/letter.txt'))).toBe(false);

    const started = await run(['restore', 'docs', archive, path.join(tmp.dir, 'later')]);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/^started restore job \d+ /);
  });

  it('a restore into a folder that is not empty is refused in one line without --overwrite, exit 2; an unknown archive exits 2', async () => {
    const full = path.join(tmp.dir, 'restored');
    const refused = await run(['restore', 'docs', archive, full]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^borgql: /);

    const overwritten = await run(['restore', 'docs', archive, full, '--overwrite', '--watch']);
    expect(overwritten.code, overwritten.stderr).toBe(0);

    const unknown = await run(['restore', 'docs', 'no-such-archive', path.join(tmp.dir, 'nowhere'), '--watch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout + unknown.stderr).toContain('no-such-archive');
  });
});
