import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  archiveInfoArgs,
  BorgCommandError,
  borgEnvironment,
  compactArgs,
  createArgs,
  initArgs,
  listArgs,
  parseArchiveInfo,
  parseArchiveList,
  parseCreateSummary,
  pruneArgs,
  runBorg,
  runBorgJson,
  startBorg,
  type BorgEvent,
} from '../../src/borg/index.js';

// Real borg in a temp folder (no mocks). BORG_BASE_DIR keeps borg's cache/config there too.
const bin = process.env.BORG_BIN ?? 'borg';
let dir: string;
let repo: string;
let inherited: NodeJS.ProcessEnv;
const PASS = 'correct horse';

const run = (args: string[], passphrase: string | null = PASS, onEvent?: (e: BorgEvent, raw: string) => void) =>
  runBorg({ bin, args, env: borgEnvironment({ path: repo, passphrase }, inherited), cwd: dir, onEvent });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'borgql-process-'));
  repo = join(dir, 'repo');
  inherited = { PATH: process.env.PATH, HOME: dir, BORG_BASE_DIR: join(dir, 'base') };
  for (const sub of ['src/a', 'src/b']) mkdirSync(join(dir, sub), { recursive: true });
  for (let i = 0; i < 20; i++) writeFileSync(join(dir, `src/${i % 2 ? 'a' : 'b'}/f${i}.txt`), `file ${i}\n`.repeat(100 * (i + 1)));
  const init = await run(initArgs(repo, 'repokey-blake2'));
  expect(init.outcome).toMatchObject({ kind: 'success' });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('startBorg with the real borg', () => {
  it('create: events arrive in order, summary parsed, list/info agree', async () => {
    const events: BorgEvent[] = [];
    const raws: string[] = [];
    const p = startBorg({
      bin,
      // every item (folders included), not only the default added/modified/error lines
      args: createArgs({ repoPath: repo, archiveName: 'first', sourcePaths: ['src'], lockWaitSeconds: 1, listFilter: '*' }),
      env: borgEnvironment({ path: repo, passphrase: PASS }, inherited),
      cwd: dir,
      onEvent: (e, raw) => {
        events.push(e);
        raws.push(raw);
      },
    });
    expect(p.pid).toBeGreaterThan(0);
    // detached: borg leads its own process group, so group signals reach it and its children.
    const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
    expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])).toBe(p.pid);
    const r = await p.result;

    expect(r.outcome).toEqual({ kind: 'success', exitCode: 0, message: 'borg finished successfully' });
    expect(r.exitCode).toBe(0);
    expect(r.durationMs).toBeGreaterThan(0);
    expect(p.signal('SIGINT')).toBe(false); // exited: never signal a pid that may be reused
    expect(events.every((e) => e.type !== 'text')).toBe(true);
    expect(raws.every((l) => l.startsWith('{') && !l.includes('\n'))).toBe(true);

    const progress = events.filter((e) => e.type === 'archive_progress');
    expect(progress.filter((e) => e.finished)).toHaveLength(1);
    expect(progress.findIndex((e) => e.finished)).toBe(progress.length - 1);
    const files = events.filter((e) => e.type === 'file_status');
    expect(
      files
        .filter((f) => f.status === 'A')
        .map((f) => f.path)
        .sort(),
    ).toEqual(Array.from({ length: 20 }, (_, i) => `src/${i % 2 ? 'a' : 'b'}/f${i}.txt`).sort());
    expect(files.filter((f) => f.status === 'd').map((f) => f.path)).toContain('src');
    // archive_progress starts before any chunk and cache.commit ends the run.
    expect(events.findIndex((e) => e.type === 'archive_progress')).toBeLessThan(events.findIndex((e) => e.type === 'file_status'));
    expect(events.at(-1)).toMatchObject({ type: 'progress_message', msgid: 'cache.commit', finished: true });

    const summary = parseCreateSummary(r.stdout);
    expect(summary).toMatchObject({ archiveName: 'first', nfiles: 20 });
    // original_size = file bytes + borg's item metadata stream (a few hundred bytes here).
    const fileBytes = Array.from({ length: 20 }, (_, i) => `file ${i}\n`.length * 100 * (i + 1)).reduce((a, b) => a + b);
    expect(summary!.originalSize).toBeGreaterThanOrEqual(fileBytes);
    expect(summary!.originalSize).toBeLessThan(fileBytes + 4096);
    expect(summary!.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(summary!.start!) - Date.now())).toBeLessThan(120_000);

    const env = borgEnvironment({ path: repo, passphrase: PASS }, inherited);
    const list = await runBorgJson({ bin, args: listArgs(repo, 1), env }, parseArchiveList);
    expect(list.map((a) => [a.name, a.id])).toEqual([['first', summary!.archiveId]]);
    const info = await runBorgJson({ bin, args: archiveInfoArgs(repo, 'first', 1), env }, parseArchiveInfo);
    // borg info counts file data only; create --json also counted the metadata stream.
    expect(info).toMatchObject({ name: 'first', nfiles: 20, originalSize: fileBytes, start: summary!.start });
  });

  it('wrong or missing passphrase → PassphraseWrong, never a prompt', async () => {
    const wrong = await run(listArgs(repo, 1), 'wrong');
    expect(wrong.outcome).toMatchObject({ kind: 'error', exitCode: 2, msgid: 'PassphraseWrong' });
    expect(wrong.outcome.message).toMatch(/^PassphraseWrong: wrong passphrase \(/);
    const none = await run(listArgs(repo, 1), null);
    expect(none.outcome).toMatchObject({ kind: 'error', msgid: 'PassphraseWrong' });
    const env = borgEnvironment({ path: repo, passphrase: 'wrong' }, inherited);
    const err = await runBorgJson({ bin, args: listArgs(repo, 1), env }, parseArchiveList).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BorgCommandError);
    expect(err).toMatchObject({ msgid: 'PassphraseWrong', exitCode: 2 });
  });

  it('missing repository and bad option → readable errors', async () => {
    const missing = await run(listArgs(join(dir, 'nope'), 1));
    expect(missing.outcome).toMatchObject({ kind: 'error', msgid: 'Repository.DoesNotExist' });
    const bogus = await run(['create', '--log-json', '--bogus', `${repo}::x`, 'src']);
    expect(bogus.outcome).toEqual({ kind: 'error', exitCode: 2, msgid: null, message: 'invalid borg arguments: unrecognized arguments: --bogus' });
  });

  it('prune and compact argv are accepted; compact reports freed space', async () => {
    expect((await run(createArgs({ repoPath: repo, archiveName: 'second', sourcePaths: ['src/a'] }))).outcome.kind).toBe('success');
    const pruneLog: string[] = [];
    const prune = await run(pruneArgs(repo, { keepLast: 1 }, 1), PASS, (e) => {
      if (e.type === 'log_message') pruneLog.push(e.message);
    });
    expect(prune.outcome.kind).toBe('success');
    expect(pruneLog.some((m) => m.startsWith('Keeping archive (rule: secondly #1):') && m.includes('second'))).toBe(true);
    expect(pruneLog.some((m) => m.startsWith('Pruning archive (1/1):') && m.includes('first'))).toBe(true);
    const compactLog: string[] = [];
    const compact = await run(compactArgs(repo, 1), PASS, (e) => {
      if (e.type === 'log_message') compactLog.push(e.message);
    });
    expect(compact.outcome.kind).toBe('success');
    expect(compactLog.some((m) => /^compaction freed about .* repository space\.$/.test(m))).toBe(true);
  });

  it('a missing executable resolves with an error outcome (no throw, no hang)', async () => {
    const p = startBorg({ bin: join(dir, 'no-such-borg'), args: ['--version'], env: { PATH: '' } });
    expect(p.pid).toBeUndefined();
    expect(p.signal('SIGTERM')).toBe(false);
    const r = await p.result;
    expect(r).toMatchObject({ exitCode: null, signal: null, stdout: '' });
    expect(r.outcome).toEqual({
      kind: 'error',
      exitCode: null,
      msgid: null,
      message: `borg executable "${join(dir, 'no-such-borg')}" not found (set BORG_BIN or install borgbackup)`,
    });
  });

  it('an onEvent that throws does not stop delivery or lose the outcome; the error is reported', async () => {
    let seen = 0;
    const p = startBorg({
      bin,
      args: createArgs({ repoPath: repo, archiveName: 'listener', sourcePaths: ['src'] }),
      cwd: dir,
      env: borgEnvironment({ path: repo, passphrase: PASS }, inherited),
      onEvent: () => {
        seen++;
        throw new Error('listener bug');
      },
    });
    const r = await p.result;
    expect(seen).toBeGreaterThan(20); // every file_status line still arrived
    expect(r.outcome.kind).toBe('success');
    expect(parseCreateSummary(r.stdout)?.archiveName).toBe('listener');
    expect(r.listenerError).toEqual(new Error('listener bug'));
    const ok = await run(listArgs(repo, 1));
    expect(ok).not.toHaveProperty('listenerError');
  });
});
