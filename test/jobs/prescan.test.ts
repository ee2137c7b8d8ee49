// prescanSources: the denominator of a job's percent. Real files in a temp dir.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileExcludes } from '../../src/borg/patterns.js';
import { prescanSources } from '../../src/jobs/prescan.js';
import { PrescanThreads, prescanInWorker } from '../../src/jobs/prescan-threads.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'borgql-prescan-'));
afterAll(() => {
  // make everything removable again (the unreadable-folder test locks one)
  spawnSync('chmod', ['-R', 'u+rwx', tmp]);
  rmSync(tmp, { recursive: true, force: true });
});

const none = () => false;
let counter = 0;
/** A fresh folder with `files` (relative path → size in bytes). */
function tree(files: Record<string, number>): string {
  const root = path.join(tmp, `t${++counter}`);
  mkdirSync(root, { recursive: true });
  for (const [rel, size] of Object.entries(files)) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, Buffer.alloc(size, 0x61));
  }
  return root;
}

describe('prescanSources', () => {
  it('sums the sizes of regular files at every depth', () => {
    const root = tree({ 'a.txt': 10, 'd/b.bin': 200, 'd/e/f/c': 3000, 'd/e/empty': 0 });
    mkdirSync(path.join(root, 'empty-dir'));
    expect(prescanSources([root], none)).toEqual({ bytes: 3210, files: 4 });
  });

  it('adds several sources; a source that is a file counts itself', () => {
    const one = tree({ x: 5, 'y/z': 7 });
    const two = tree({ w: 11 });
    expect(prescanSources([one, path.join(two, 'w')], none)).toEqual({ bytes: 23, files: 3 });
  });

  it('ignores a missing source and still counts the others', () => {
    const root = tree({ a: 100 });
    expect(prescanSources([path.join(tmp, 'does-not-exist'), root, '/definitely/not/here'], none)).toEqual({ bytes: 100, files: 1 });
  });

  it('skips excluded files and does not enter excluded folders (borg patterns)', () => {
    const root = tree({ 'keep.txt': 1, 'drop.o': 10, 'cache/big': 1000, 'cache/sub/more': 1000, 'src/main.c': 100, 'src/main.o': 10 });
    const rel = root.replace(/^\/+/, '');
    const isExcluded = compileExcludes(['*.o', `${rel}/cache`]);
    expect(prescanSources([root], isExcluded)).toEqual({ bytes: 101, files: 2 });
  });

  it('a trailing-slash pattern keeps the folder but not its content', () => {
    const root = tree({ 'cache/a': 1000, 'cache/b/c': 1000, 'other/x': 5 });
    const isExcluded = compileExcludes([`${root}/cache/`]);
    expect(prescanSources([root], isExcluded)).toEqual({ bytes: 5, files: 1 });
  });

  it('an excluded source is skipped entirely, file or folder', () => {
    const root = tree({ 'a/x': 10, b: 20 });
    const isExcluded = compileExcludes([`pp:${root}/a`, `pf:${root}/b`]);
    expect(prescanSources([path.join(root, 'a'), path.join(root, 'b')], isExcluded)).toEqual({ bytes: 0, files: 0 });
  });

  it('asks the matcher with absolute paths below the source', () => {
    const root = tree({ 'd/f': 1 });
    const asked: string[] = [];
    prescanSources([root], (p) => {
      asked.push(p);
      return false;
    });
    expect(asked.sort()).toEqual([root, path.join(root, 'd'), path.join(root, 'd', 'f')]);
  });

  it('does not follow symlinks, to files or folders, inside the tree or as a source (borg stores the link)', () => {
    const target = tree({ big: 5000, 'dir/inner': 5000 });
    const root = tree({ real: 1 });
    symlinkSync(path.join(target, 'big'), path.join(root, 'file-link'));
    symlinkSync(path.join(target, 'dir'), path.join(root, 'dir-link'));
    symlinkSync(path.join(tmp, 'nowhere'), path.join(root, 'dangling'));
    symlinkSync(root, path.join(root, 'loop'));
    expect(prescanSources([root], none)).toEqual({ bytes: 1, files: 1 });
    expect(prescanSources([path.join(root, 'dir-link'), path.join(root, 'file-link')], none)).toEqual({ bytes: 0, files: 0 });
  });

  it('skips special files (a FIFO is not read by borg create without --read-special)', () => {
    const root = tree({ a: 3 });
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    expect(prescanSources([root], none)).toEqual({ bytes: 3, files: 1 });
  });

  it('counts a folder of many files', () => {
    const files: Record<string, number> = {};
    for (let i = 0; i < 1500; i++) files[`d${i % 3}/f${i}`] = i % 7;
    const root = tree(files);
    let bytes = 0;
    for (let i = 0; i < 1500; i++) bytes += i % 7;
    expect(prescanSources([root], none)).toEqual({ bytes, files: 1500 });
  });

  describe('an unreadable folder', () => {
    let root: string;
    beforeAll(() => {
      root = tree({ 'open/a': 7, 'locked/secret': 1000, 'locked/deeper/more': 1000, b: 3 });
      // readable for an unprivileged user, except `locked`
      for (let p = root; p.startsWith(tmp); p = path.dirname(p)) chmodSync(p, 0o755);
      chmodSync(tmp, 0o755);
      chmodSync(path.join(root, 'locked'), 0o000);
    });

    it.skipIf(process.getuid?.() === 0)('is skipped, the rest is counted', () => {
      expect(prescanSources([root], none)).toEqual({ bytes: 10, files: 2 });
    });

    // root reads everything, so the same scan runs in a child process as `nobody`: the
    // module, stripped of its types, and a script calling it are copied next to the tree,
    // so the checkout may be where nobody can read (cloned into /root, a private mktemp -d)
    it.runIf(process.getuid?.() === 0)('is skipped, the rest is counted (scan run as nobody)', (context) => {
      const scriptDir = path.join(tmp, 'as-nobody');
      mkdirSync(scriptDir, { mode: 0o755 });
      const source = readFileSync(fileURLToPath(new URL('../../src/jobs/prescan.ts', import.meta.url)), 'utf8');
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      });
      // node: built-ins only, or the copy would miss a module
      expect(outputText).not.toMatch(/from '\.{1,2}\//);
      writeFileSync(path.join(scriptDir, 'prescan.mjs'), outputText, { mode: 0o644 });
      writeFileSync(
        path.join(scriptDir, 'scan.mjs'),
        `import { prescanSources } from './prescan.mjs';
        process.stdout.write(JSON.stringify(prescanSources([process.argv[2]], () => false)));`,
        { mode: 0o644 },
      );
      const asNobody = (args: string[]) =>
        spawnSync(process.execPath, args, { uid: 65534, gid: 65534, encoding: 'utf8', cwd: scriptDir, env: { PATH: process.env.PATH ?? '', HOME: scriptDir } });
      // node itself and the temp folder must be reachable for nobody; elsewhere this cannot run
      const preflight = asNobody(['-e', `require('fs').accessSync(${JSON.stringify(path.join(scriptDir, 'scan.mjs'))}, require('fs').constants.R_OK)`]);
      if (preflight.error || preflight.status !== 0) {
        console.warn(`skipped: user nobody cannot run ${process.execPath} on ${scriptDir}: ${preflight.error?.message ?? preflight.stderr.trim()}`);
        return context.skip();
      }
      const child = asNobody([path.join(scriptDir, 'scan.mjs'), root]);
      expect(child.stderr).toBe('');
      expect(JSON.parse(child.stdout)).toEqual({ bytes: 10, files: 2 });
    });
  });

  it('stops on abort: no folder is read after the signal fires', () => {
    const root = tree({ 'd1/a': 1, 'd1/b': 1, 'd2/a': 1, 'd3/a': 1, top: 100 });
    const controller = new AbortController();
    // abort while the first folder (the source itself) is being listed
    const result = prescanSources(
      [root],
      (p) => {
        if (p !== root) controller.abort();
        return false;
      },
      controller.signal,
    );
    // the listing in progress completes (its files count), nothing below it is read
    expect(result).toEqual({ bytes: 100, files: 1 });
  });

  it('an already aborted signal reads no folder (file sources are still counted)', () => {
    const root = tree({ 'd/a': 1, f: 50 });
    expect(prescanSources([root, path.join(root, 'f')], none, AbortSignal.abort())).toEqual({ bytes: 50, files: 1 });
  });

  // Was a bug: every hard link of a file was counted, but borg 1.2 reads and counts a
  // hard-linked file once (measured with borg 1.2.4: two links to a 1 MB file → nfiles 1,
  // original_size 1,000,488), so trees of hard links (rsnapshot, rsync --link-dest, package
  // stores) got an N-times total. The pre-scan now counts a file with nlink > 1 once per (dev, ino).
  it('counts a hard-linked file once, as borg does', () => {
    const root = tree({ original: 1000 });
    linkSync(path.join(root, 'original'), path.join(root, 'second-link'));
    mkdirSync(path.join(root, 'sub'));
    linkSync(path.join(root, 'original'), path.join(root, 'sub', 'third-link'));
    expect(prescanSources([root], none)).toEqual({ bytes: 1000, files: 1 });
  });

  it('counts a hard link once across sources, and once when a source is itself one of the links', () => {
    const root = tree({ 'a/original': 300, 'b/other': 7 });
    linkSync(path.join(root, 'a', 'original'), path.join(root, 'b', 'link'));
    expect(prescanSources([path.join(root, 'a'), path.join(root, 'b')], none)).toEqual({ bytes: 307, files: 2 });
    expect(prescanSources([path.join(root, 'b', 'link'), root], none)).toEqual({ bytes: 307, files: 2 });
  });

  it('a hard link that is excluded does not hide the included one', () => {
    const root = tree({ 'skip/original': 40, keep: 2 });
    linkSync(path.join(root, 'skip', 'original'), path.join(root, 'also'));
    const rel = root.replace(/^\/+/, '');
    expect(prescanSources([root], compileExcludes([`${rel}/skip`]))).toEqual({ bytes: 42, files: 2 });
  });

  it('an abort during a long listing stops after the current batch of files', () => {
    const files: Record<string, number> = {};
    for (let i = 0; i < 2000; i++) files[`f${i}`] = 1;
    const root = tree(files);
    const controller = new AbortController();
    let asked = 0;
    const result = prescanSources(
      [root],
      () => {
        if (++asked === 2) controller.abort(); // the first entry below the source
        return false;
      },
      controller.signal,
    );
    expect(result.files).toBeGreaterThan(0);
    expect(result.files).toBeLessThan(2000);
    expect(result.bytes).toBe(result.files);
  });
});

describe('prescanInWorker', () => {
  const running = () => new AbortController().signal;

  it('gives the result of prescanSources, with the patterns compiled in the thread', async () => {
    const root = tree({ 'keep.txt': 1, 'drop.o': 10, 'cache/big': 1000, 'src/main.c': 100 });
    const excludePatterns = ['*.o', `sh:${root}/cache`];
    const expected = prescanSources([root], compileExcludes(excludePatterns));
    expect(expected).toEqual({ bytes: 101, files: 2 });
    expect(await prescanInWorker({ sources: [root], excludePatterns }, running())).toEqual(expected);
  });

  // Was a bug: the scan matched on the main thread, and a pattern that backtracks
  // catastrophically held the event loop for seconds per file.
  it('leaves the event loop free while a pattern backtracks, and an abort ends it with null', async () => {
    // ~40 s of backtracking for this one name in V8
    const root = tree({ [`${'x'.repeat(30)}1`]: 1 });
    const controller = new AbortController();
    let ticks = 0;
    const timer = setInterval(() => {
      if (++ticks === 5) controller.abort();
    }, 20);
    try {
      expect(await prescanInWorker({ sources: [root], excludePatterns: ['re:(x+x+)+y'] }, controller.signal)).toBeNull();
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBe(5);
  });

  it('an already aborted signal starts no thread', async () => {
    expect(await prescanInWorker({ sources: [tree({ a: 1 })], excludePatterns: [] }, AbortSignal.abort())).toBeNull();
  });

  it('rejects when the thread fails', async () => {
    await expect(prescanInWorker({ sources: 5 as unknown as string[], excludePatterns: [] }, running())).rejects.toThrow(TypeError);
  });
});

// Was a cost: a thread was started per scan (50–100 ms of CPU, more than scanning a few
// thousand files) beside every job's borg. A finished scan's thread now waits for the next.
describe('PrescanThreads', () => {
  const running = () => new AbortController().signal;
  const threads = new PrescanThreads();
  afterAll(() => threads.close());

  it('runs scans one after another in one thread; a thread aborted mid-scan is not used again', async () => {
    const before = threads.started;
    const root = tree({ a: 1, 'd/b': 2, 'c.o': 4 });
    expect(await threads.scan({ sources: [root], excludePatterns: [] }, running())).toEqual({ bytes: 7, files: 3 });
    expect(await threads.scan({ sources: [root], excludePatterns: ['*.o'] }, running())).toEqual({ bytes: 3, files: 2 });
    expect(threads.started - before).toBe(1);
    expect(threads.idle).toBe(1);
    const controller = new AbortController();
    const stuck = threads.scan({ sources: [tree({ [`${'x'.repeat(30)}1`]: 1 })], excludePatterns: ['re:(x+x+)+y'] }, controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect(await stuck).toBeNull();
    expect(threads.idle).toBe(0);
    expect(await threads.scan({ sources: [root], excludePatterns: [] }, running())).toEqual({ bytes: 7, files: 3 });
    expect(threads.started - before).toBe(2);
  });

  it('gives scans running at once a thread each', async () => {
    await threads.close();
    const before = threads.started;
    const [one, two] = await Promise.all([
      threads.scan({ sources: [tree({ a: 5 })], excludePatterns: [] }, running()),
      threads.scan({ sources: [tree({ b: 6, c: 1 })], excludePatterns: [] }, running()),
    ]);
    expect([one, two]).toEqual([
      { bytes: 5, files: 1 },
      { bytes: 7, files: 2 },
    ]);
    expect(threads.started - before).toBe(2);
    expect(threads.idle).toBe(2);
  });

  it('keeps a thread whose scan failed: the failure was the request, not the thread', async () => {
    await threads.close();
    const before = threads.started;
    await expect(threads.scan({ sources: 5 as unknown as string[], excludePatterns: [] }, running())).rejects.toThrow(TypeError);
    expect(await threads.scan({ sources: [tree({ a: 2 })], excludePatterns: [] }, running())).toEqual({ bytes: 2, files: 1 });
    expect(threads.started - before).toBe(1);
  });

  it('ends a thread that waited its idle time', async () => {
    const quick = new PrescanThreads({ idleMs: 50 });
    try {
      expect(await quick.scan({ sources: [tree({ a: 1 })], excludePatterns: [] }, running())).toEqual({ bytes: 1, files: 1 });
      expect(quick.idle).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(quick.idle).toBe(0);
    } finally {
      await quick.close();
    }
  });
});
