// A data folder or database the server cannot use stops the start with one
// line naming the path and the cause, and exit code 1. Was a bug: a
// read-only data folder ended the start with a raw stack trace.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, resolveMigrationsDir } from '../../src/db/migrate.js';
import { runServerToExit, spawnServer } from '../helpers/child-server.js';
import { tempDir } from '../helpers/server.js';
import { SQLITE_ONLY, onPostgres } from '../helpers/test-database.js';

/** The start failed with exactly one line (no stack trace) matching `line`. */
function expectOneLine(result: { code: number | string; output: string }, line: RegExp) {
  expect(result.code, result.output).toBe(1);
  expect(result.output.trim().split('\n'), result.output).toHaveLength(1);
  expect(result.output.trim()).toMatch(line);
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

type ReadOnly = { wrapper: string[]; undo: () => void } | { skip: string };

/**
 * Makes `folder` read-only for the server. root writes through file modes,
 * so as root the server runs in a private mount namespace where the folder
 * is a read-only bind mount, or else the folder is made immutable.
 */
function readOnly(folder: string): ReadOnly {
  if (process.getuid?.() !== 0) {
    spawnSync('chmod', ['0555', folder]);
    return { wrapper: [], undo: () => spawnSync('chmod', ['0755', folder]) };
  }
  const mountScript = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"';
  const probe = spawnSync('unshare', ['-m', 'sh', '-c', mountScript, 'sh', folder, 'true'], { encoding: 'utf8' });
  if (probe.status === 0) return { wrapper: ['unshare', '-m', 'sh', '-c', mountScript, 'sh', folder], undo: () => undefined };
  const immutable = spawnSync('chattr', ['+i', folder], { encoding: 'utf8' });
  if (immutable.status === 0) return { wrapper: [], undo: () => spawnSync('chattr', ['-i', folder]) };
  return {
    skip: `no way to make a folder read-only for root here (unshare -m: ${probe.stderr.trim() || probe.error}; chattr +i: ${immutable.stderr.trim() || immutable.error})`,
  };
}

describe('start-up errors are one line and exit 1', () => {
  const tmp = tempDir('start-errors');
  const undo: (() => void)[] = [];
  afterAll(() => {
    for (const step of undo) step();
    tmp.cleanup();
  });

  it('a data folder path that is a file, or below a file', async () => {
    const file = path.join(tmp.dir, 'a-file');
    writeFileSync(file, 'not a folder');
    expectOneLine(
      await runServerToExit(file),
      new RegExp(`^borgql: cannot create the data folder \\(BORGQL_DATA_DIR\\) ${escape(file)}: a file of that name exists$`),
    );
    expectOneLine(
      await runServerToExit(path.join(file, 'data')),
      /^borgql: cannot create the data folder \(BORGQL_DATA_DIR\) .*\/a-file\/data: a part of the path is a file$/,
    );
  });

  it.skipIf(onPostgres)(`a database file that is not a database (${SQLITE_ONLY})`, async () => {
    const dataDir = path.join(tmp.dir, 'not-a-database');
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, 'borgql.db'), 'these bytes are not a SQLite header, and there are more than a hundred of them in this file: '.repeat(3));
    expectOneLine(
      await runServerToExit(dataDir),
      new RegExp(
        `^borgql: ${escape(dataDir)}/borgql\\.db is not a SQLite database \\(file is not a database\\): move it away, or point DATABASE_URL or BORGQL_DATA_DIR elsewhere$`,
      ),
    );
  });

  for (const existing of [false, true]) {
    it(`a read-only data folder${existing ? ' holding a database' : ', empty'}`, async (context) => {
      const dataDir = path.join(tmp.dir, existing ? 'read-only-with-database' : 'read-only-empty');
      mkdirSync(dataDir);
      if (existing) applyMigrations(path.join(dataDir, 'borgql.db'), resolveMigrationsDir());
      const setup = readOnly(dataDir);
      if ('skip' in setup) {
        console.warn(`skipped: ${setup.skip}`);
        return context.skip();
      }
      undo.push(setup.undo);
      const result = await runServerToExit(dataDir, {}, setup.wrapper);
      setup.undo();
      expectOneLine(
        result,
        new RegExp(
          `^borgql: the data folder \\(BORGQL_DATA_DIR\\) ${escape(dataDir)} is not writable \\((read-only file system|operation not permitted.*|permission denied)\\): borgql keeps its database and job logs there$`,
        ),
      );
    });
  }

  it('a port another process listens on', async () => {
    const first = await spawnServer(path.join(tmp.dir, 'port-holder'));
    try {
      const port = new URL(first.url).port;
      const result = await runServerToExit(path.join(tmp.dir, 'port-taker'), { PORT: port });
      expect(result.code, result.output).toBe(1);
      expect(result.output).toMatch(new RegExp(`^borgql: cannot listen on 127\\.0\\.0\\.1:${port}: address already in use \\(set PORT and HOST\\)$`, 'm'));
    } finally {
      await first.stop();
    }
  });
});
