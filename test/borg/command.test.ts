import { describe, expect, it } from 'vitest';
import {
  archiveInfoArgs,
  archiveNameFor,
  borgEnvironment,
  breakLockArgs,
  compactArgs,
  createArgs,
  hasRetentionRule,
  initArgs,
  isValidArchiveName,
  listArgs,
  pruneArgs,
  repositoryInfoArgs,
} from '../../src/borg/index.js';

describe('borgEnvironment', () => {
  const inherited = {
    PATH: '/usr/bin',
    HOME: '/root',
    BORG_PASSCOMMAND: 'cat /secret',
    BORG_PASSPHRASE_FD: '3',
    BORG_PASSPHRASE: 'old',
    TZ: 'Europe/Berlin',
    UNSET: undefined,
  };

  it('sets the fixed answers and the passphrase, drops other passphrase sources', () => {
    const env = borgEnvironment({ path: '/r', passphrase: 's3cret' }, inherited);
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/root',
      TZ: 'UTC',
      LANG: 'C.UTF-8',
      BORG_PASSPHRASE: 's3cret',
      BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'yes',
      BORG_RELOCATED_REPO_ACCESS_IS_OK: 'no',
      BORG_CHECK_I_KNOW_WHAT_I_AM_DOING: 'NO',
      BORG_DELETE_I_KNOW_WHAT_I_AM_DOING: 'NO',
    });
  });

  it("hands a passcommand over instead of any passphrase (borg would read BORG_PASSPHRASE first), and never the operator's BORG_NEW_PASSPHRASE", () => {
    const env = borgEnvironment({ path: '/r', passphrase: 'ignored', passcommand: 'pass show borg/r' }, { ...inherited, BORG_NEW_PASSPHRASE: 'init-override' });
    expect(env.BORG_PASSCOMMAND).toBe('pass show borg/r');
    expect(env).not.toHaveProperty('BORG_PASSPHRASE');
    expect(env).not.toHaveProperty('BORG_PASSPHRASE_FD');
    expect(env).not.toHaveProperty('BORG_NEW_PASSPHRASE');
    expect(borgEnvironment({ path: '/r', passphrase: 's' }, { BORG_NEW_PASSPHRASE: 'init-override' })).not.toHaveProperty('BORG_NEW_PASSPHRASE');
  });

  it('uses an empty passphrase when none is configured, and does not mutate its input', () => {
    expect(borgEnvironment({ path: '/r' }, inherited).BORG_PASSPHRASE).toBe('');
    expect(borgEnvironment({ path: '/r', passphrase: null }, inherited).BORG_PASSPHRASE).toBe('');
    expect(inherited.BORG_PASSCOMMAND).toBe('cat /secret');
  });
});

describe('argv builders', () => {
  it('create: progress, list, json, user data after = or --', () => {
    expect(
      createArgs({
        repoPath: '/backups/r',
        archiveName: 'borgql-7-2026-11-26T10:15:30Z',
        sourcePaths: ['/etc', '-weird'],
        excludePatterns: ['*.tmp', '-x'],
        compression: 'zstd,3',
        lockWaitSeconds: 10,
      }),
    ).toEqual([
      'create',
      '--log-json',
      '--progress',
      '--json',
      '--list',
      '--filter=AME',
      '--lock-wait',
      '10',
      '--compression=zstd,3',
      '--exclude=*.tmp',
      '--exclude=-x',
      '--',
      '/backups/r::borgql-7-2026-11-26T10:15:30Z',
      '/etc',
      '-weird',
    ]);
    expect(createArgs({ repoPath: 'r', archiveName: 'a', sourcePaths: ['s'] })).toEqual([
      'create',
      '--log-json',
      '--progress',
      '--json',
      '--list',
      '--filter=AME',
      '--lock-wait',
      '5',
      '--compression=lz4',
      '--',
      'r::a',
      's',
    ]);
    expect(() => createArgs({ repoPath: 'r', archiveName: 'a/b', sourcePaths: ['s'] })).toThrow(RangeError);
    expect(() => createArgs({ repoPath: 'r', archiveName: 'a', sourcePaths: [] })).toThrow(RangeError);
  });

  it('create: the list filter picks which items get a file line', () => {
    const listing = (listFilter: string | null | undefined) =>
      createArgs({ repoPath: 'r', archiveName: 'a', sourcePaths: ['s'], listFilter }).filter((arg) => arg === '--list' || arg.startsWith('--filter'));
    expect(listing(undefined)).toEqual(['--list', '--filter=AME']);
    expect(listing(null)).toEqual(['--list', '--filter=AME']);
    expect(listing('AMEU')).toEqual(['--list', '--filter=AMEU']);
    expect(listing('-x?')).toEqual(['--list', '--filter=-x?']);
    expect(listing('*')).toEqual(['--list']);
    expect(listing('')).toEqual([]);
    for (const bad of ['a', 'AME ', 'A*', '--list', 'AM;E', 'Z']) expect(() => listing(bad), bad).toThrow(RangeError);
  });

  it('one-shot commands', () => {
    expect(initArgs('/r', 'repokey-blake2')).toEqual(['init', '--log-json', '--encryption=repokey-blake2', '--', '/r']);
    expect(initArgs('/r', 'none', { makeParentDirs: true })).toEqual(['init', '--log-json', '--encryption=none', '--make-parent-dirs', '--', '/r']);
    expect(repositoryInfoArgs('/r', 3)).toEqual(['info', '--json', '--log-json', '--lock-wait', '3', '--', '/r']);
    expect(archiveInfoArgs('/r', 'a1', 3)).toEqual(['info', '--json', '--log-json', '--lock-wait', '3', '--', '/r::a1']);
    expect(listArgs('/r', 3)).toEqual(['list', '--json', '--log-json', '--lock-wait', '3', '--', '/r']);
    expect(listArgs('/r', 3, { considerCheckpoints: true })).toContain('--consider-checkpoints');
    expect(compactArgs('/r', 3)).toEqual(['compact', '--log-json', '--progress', '--info', '--lock-wait', '3', '--', '/r']);
    expect(breakLockArgs('/r')).toEqual(['break-lock', '--log-json', '--', '/r']);
  });

  it('prune: only the rules that are set, in a fixed order', () => {
    expect(pruneArgs('/r', { keepWithin: '2d', keepLast: 3, keepHourly: null, keepDaily: 7, keepWeekly: 4, keepMonthly: 0, keepYearly: 1 }, 5)).toEqual([
      'prune',
      '--list',
      '--log-json',
      '--progress',
      '--lock-wait',
      '5',
      '--keep-within',
      '2d',
      '--keep-last',
      '3',
      '--keep-daily',
      '7',
      '--keep-weekly',
      '4',
      '--keep-yearly',
      '1',
      '--',
      '/r',
    ]);
    expect(pruneArgs('/r', { keepDaily: 1 }, 5, { archiveGlob: 'borgql-*', dryRun: true })).toEqual([
      'prune',
      '--list',
      '--log-json',
      '--progress',
      '--lock-wait',
      '5',
      '--dry-run',
      '--glob-archives=borgql-*',
      '--keep-daily',
      '1',
      '--',
      '/r',
    ]);
    expect(hasRetentionRule({ keepDaily: 0, keepWithin: null })).toBe(false);
    expect(() => pruneArgs('/r', {})).toThrow(/no rule/);
    expect(() => pruneArgs('/r', { keepWithin: '2x' })).toThrow(RangeError);
    expect(() => pruneArgs('/r', { keepWithin: '0d' })).toThrow(RangeError);
    expect(() => pruneArgs('/r', { keepDaily: 1.5 })).toThrow(RangeError);
    expect(() => pruneArgs('/r', { keepDaily: -1 })).toThrow(RangeError);
  });

  it('archiveNameFor: UTC to the second, job id sanitised, valid for borg', () => {
    const d = new Date('2026-11-26T10:15:30.789Z');
    expect(archiveNameFor(d)).toBe('borgql-2026-11-26T10:15:30Z');
    expect(archiveNameFor(d, 42)).toBe('borgql-42-2026-11-26T10:15:30Z');
    expect(archiveNameFor(d, 'ab/c d::e')).toBe('borgql-ab-c-d--e-2026-11-26T10:15:30Z');
    expect(isValidArchiveName(archiveNameFor(d, 'x/y'))).toBe(true);
    expect(isValidArchiveName('')).toBe(false);
    expect(isValidArchiveName('a::b')).toBe(false);
  });
});
