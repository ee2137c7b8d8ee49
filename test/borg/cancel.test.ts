import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  borgEnvironment,
  createArgs,
  initArgs,
  listArgs,
  parseArchiveList,
  runBorg,
  runBorgJson,
  startBorg,
  type BorgEvent,
  type BorgRunResult,
} from '../../src/borg/index.js';

// Cancelling a real `borg create` of one big random file (unencrypted, no
// compression: the fastest borg gets, so signals must land while it reads).
const bin = process.env.BORG_BIN ?? 'borg';
const SIZE_MB = 256;
let dir: string;
let inherited: NodeJS.ProcessEnv;
const env = (repo: string) => borgEnvironment({ path: repo }, inherited);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'borgql-cancel-'));
  inherited = { PATH: process.env.PATH, HOME: dir, BORG_BASE_DIR: join(dir, 'base') };
  mkdirSync(join(dir, 'big'));
  // Fresh random bytes per block: repeated blocks would dedup and make borg too fast to catch.
  const fd = openSync(join(dir, 'big/random.bin'), 'w');
  const block = Buffer.allocUnsafe(8 << 20);
  for (let i = 0; i < SIZE_MB / 8; i++) writeSync(fd, randomFillSync(block));
  closeSync(fd);
  for (const name of ['repo-term', 'repo-int']) {
    const r = await runBorg({ bin, args: initArgs(join(dir, name), 'none'), env: env(join(dir, name)) });
    expect(r.outcome.kind).toBe('success');
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts a create and calls `whenBusy` once borg reports the first chunked bytes. */
function createUntilBusy(repo: string, whenBusy: (signal: (s: NodeJS.Signals) => boolean) => void): Promise<BorgRunResult> {
  let fired = false;
  const events: BorgEvent[] = [];
  const p = startBorg({
    bin,
    args: createArgs({ repoPath: repo, archiveName: 'big', sourcePaths: ['big'], compression: 'none', lockWaitSeconds: 1 }),
    env: env(repo),
    cwd: dir,
    onEvent: (e) => {
      events.push(e);
      if (!fired && e.type === 'archive_progress' && (e.originalSize ?? 0) > 0) {
        fired = true;
        whenBusy((s) => p.signal(s));
      }
    },
  });
  return p.result.then((r) => {
    expect(fired).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'log_message', level: 'ERROR' });
    return r;
  });
}

async function expectUnlocked(repo: string, considerCheckpoints: boolean) {
  expect(existsSync(join(repo, 'lock.exclusive'))).toBe(false);
  const list = await runBorgJson({ bin, args: listArgs(repo, 1, { considerCheckpoints }), env: env(repo) }, parseArchiveList);
  return list.map((a) => a.name);
}

describe('cancelling borg create', () => {
  it('SIGINT then SIGTERM → signalled at once, no archive, lock released', async () => {
    const t0 = Date.now();
    let signalledAt = 0;
    const r = await createUntilBusy(join(dir, 'repo-term'), (signal) => {
      expect(signal('SIGINT')).toBe(true);
      setTimeout(() => {
        signalledAt = Date.now();
        signal('SIGTERM');
      }, 200);
    });
    // SIGTERM normally wins (143); if the file finished within 200 ms, SIGINT's exit 2 is also a cancel.
    expect(r.outcome.kind).toBe('signalled');
    expect(r.outcome).toMatchObject({ signal: r.exitCode === 143 ? 'SIGTERM' : 'SIGINT' });
    expect(r.stdout).toBe('');
    expect(Date.now() - signalledAt).toBeLessThan(3000);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(await expectUnlocked(join(dir, 'repo-term'), false)).toEqual([]);
  });

  it('one SIGINT → borg finishes the file, exits 2 with "Got Ctrl-C", keeps a checkpoint', async () => {
    const r = await createUntilBusy(join(dir, 'repo-int'), (signal) => signal('SIGINT'));
    expect(r.exitCode).toBe(2);
    expect(r.outcome).toEqual({ kind: 'signalled', exitCode: 2, signal: 'SIGINT', message: 'borg was stopped by SIGINT' });
    expect(r.stdout).toBe('');
    expect(await expectUnlocked(join(dir, 'repo-int'), false)).toEqual([]);
    expect(await expectUnlocked(join(dir, 'repo-int'), true)).toEqual(['big.checkpoint']);
  });
});
