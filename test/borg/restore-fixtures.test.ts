import { describe, expect, it } from 'vitest';
import { checkArgs, deleteArchiveArgs, extractArgs, listContentsArgs, normalizeArchivePath, type BorgEvent } from '../../src/borg/index.js';
import { fixtureEvents, fixtureLines, fixtureOutcome } from './fixtures.js';

const ofType = <T extends BorgEvent['type']>(events: BorgEvent[], type: T) => events.filter((e): e is Extract<BorgEvent, { type: T }> => e.type === type);

describe('borg extract and check as recorded (test/fixtures/borg/README.md)', () => {
  it('extract --progress: progress_percent lines (msgid extract) carry bytes done, the total and the current file', () => {
    const progress = ofType(fixtureEvents('extract-progress.stderr.jsonl'), 'progress_percent');
    const counted = progress.filter((e) => !e.finished && e.total !== null && e.total > 0);
    expect(counted.length).toBeGreaterThan(3);
    expect(counted.every((e) => e.msgid === 'extract' && e.total === 15_000_005 && e.info?.length === 1)).toBe(true);
    expect(counted.map((e) => e.current)).toEqual([...counted.map((e) => e.current)].sort((a, b) => a! - b!));
    // the last line comes before the end: the total is never reported as done
    expect(counted.at(-1)!.current).toBeLessThan(15_000_005);
    expect(progress.at(-1)).toMatchObject({ finished: true });
  });

  it('extract --list: one borg.output.list log line per item', () => {
    const listed = ofType(fixtureEvents('extract-progress.stderr.jsonl'), 'log_message').filter((e) => e.name === 'borg.output.list');
    // in the archive's order (borg reads a folder by inode number), not by name
    expect(listed.map((e) => e.message).sort()).toEqual([
      'src',
      'src/a',
      'src/a/b',
      'src/a/b/x.txt',
      'src/a/f1',
      'src/a/f2',
      'src/a/f3',
      'src/a/f4',
      'src/a/f5',
      'src/a/link',
    ]);
  });

  it('a path not in the archive: a WARNING "Include pattern … never matched." (without pp:) and exit 1', () => {
    const warnings = ofType(fixtureEvents('extract-paths-never-matched.stderr.jsonl'), 'log_message').filter((e) => e.level === 'WARNING');
    expect(warnings.map((e) => e.message)).toEqual(["Include pattern 'src/nope' never matched."]);
    expect(fixtureOutcome('extract-paths-never-matched.stderr.jsonl', 1).kind).toBe('warning');
  });

  it('check: a healthy repository logs no ERROR; corrupt segment bytes give ERROR lines and exit 1', () => {
    const errors = (name: string) => ofType(fixtureEvents(name), 'log_message').filter((e) => e.level === 'ERROR');
    expect(errors('check.stderr.jsonl')).toEqual([]);
    const damaged = errors('check-damaged.stderr.jsonl').map((e) => e.message);
    expect(damaged[0]).toMatch(/^Data integrity error: Segment entry checksum mismatch/);
    expect(damaged.at(-1)).toBe('Finished full repository check, errors found.');
    // exit 1 alone reads as a warning: the check job counts the ERROR lines itself
    expect(fixtureOutcome('check-damaged.stderr.jsonl', 1).kind).toBe('warning');
  });

  it('list --json-lines: one item per line below the pp: prefix', () => {
    const items = fixtureLines('list-contents.jsonl').map((line) => JSON.parse(line) as { path: string; type: string; linktarget: string });
    expect(items.every((item) => item.path.startsWith('src/a'))).toBe(true);
    expect(items.find((item) => item.type === 'l')).toMatchObject({ path: 'src/a/link', linktarget: 'f1' });
  });
});

describe('argv of extract, check, delete and the contents listing', () => {
  it('paths are archive paths behind pp: (a pattern prefix in a path is data)', () => {
    expect(extractArgs({ repoPath: '/r', archiveName: 'a', paths: ['/srv/x/', 'sh:*'], dryRun: true, lockWaitSeconds: 2 })).toEqual([
      'extract',
      '--log-json',
      '--progress',
      '--list',
      '--lock-wait',
      '2',
      '--dry-run',
      '--',
      '/r::a',
      'pp:srv/x',
      'pp:sh:*',
    ]);
    expect(listContentsArgs('/r', 'a', '', 1).at(-1)).toBe('/r::a');
    expect(listContentsArgs('/r', 'a', '/srv/', 1).at(-1)).toBe('pp:srv');
    expect(() => extractArgs({ repoPath: '/r', archiveName: 'a/b' })).toThrow(RangeError);
    expect(() => normalizeArchivePath('a/../../etc')).toThrow(RangeError);
    expect(normalizeArchivePath('//a/./b//')).toBe('a/b');
  });

  it('check and delete', () => {
    expect(checkArgs('/r', { verifyData: true, lockWaitSeconds: 1 })).toEqual([
      'check',
      '--log-json',
      '--progress',
      '--info',
      '--lock-wait',
      '1',
      '--verify-data',
      '--',
      '/r',
    ]);
    expect(deleteArchiveArgs('/r', 'a', 1)).toEqual(['delete', '--log-json', '--lock-wait', '1', '--', '/r::a']);
    expect(() => deleteArchiveArgs('/r', '')).toThrow(RangeError);
  });
});
