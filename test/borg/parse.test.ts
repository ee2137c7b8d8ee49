import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  borgTimeToIso,
  BorgOutputError,
  parseArchiveInfo,
  parseArchiveList,
  parseBorgLine,
  parseCreateSummary,
  parseRepositoryInfo,
  type ArchiveProgressEvent,
  type BorgEvent,
} from '../../src/borg/index.js';
import { fixture, fixtureDir, fixtureEvents, fixtureLines } from './fixtures.js';

const ofType = <T extends BorgEvent['type']>(events: BorgEvent[], type: T) => events.filter((e): e is Extract<BorgEvent, { type: T }> => e.type === type);

describe('parseBorgLine over every recorded stderr fixture', () => {
  const stderrFixtures = readdirSync(fixtureDir).filter((f) => f.endsWith('.stderr.jsonl'));

  it.each(stderrFixtures)('%s: every documented JSON line becomes a typed event', (name) => {
    for (const line of fixtureLines(name)) {
      const event = parseBorgLine(line);
      const type = (JSON.parse(line) as { type: string }).type;
      // borg's yes/no question lines are not part of the event union: kept verbatim.
      if (type === 'question_prompt' || type === 'question_accepted_false') expect(event).toEqual({ type: 'text', line });
      else expect(event.type).toBe(type);
    }
  });

  it('create-progress: sizes of the last archive_progress, finished marker, file status in order', () => {
    const events = fixtureEvents('create-progress.stderr.jsonl');
    const progress = ofType(events, 'archive_progress');
    expect(progress).toHaveLength(11);
    expect(progress[0]).toMatchObject({ originalSize: 0, compressedSize: 0, deduplicatedSize: 0, nfiles: 0, path: 'data/small/d00', finished: false });
    const lastWithSizes = progress.at(-2) as ArchiveProgressEvent;
    expect(lastWithSizes).toEqual({
      type: 'archive_progress',
      finished: false,
      originalSize: 258478647,
      compressedSize: 237203890,
      deduplicatedSize: 210199994,
      nfiles: 207,
      path: 'data/dup/rand1-copy.bin',
      time: 1795686159.2802708,
    });
    expect(progress.at(-1)).toEqual({
      type: 'archive_progress',
      finished: true,
      originalSize: null,
      compressedSize: null,
      deduplicatedSize: null,
      nfiles: null,
      path: null,
      time: 1795686159.4434903,
    });
    const files = ofType(events, 'file_status');
    expect(files).toHaveLength(209);
    expect(files[0]).toEqual({ type: 'file_status', status: 'A', path: 'data/small/d00/f000.txt' });
    const msgs = ofType(events, 'progress_message').map((e) => e.msgid);
    expect(new Set(msgs)).toEqual(new Set(['cache.begin_transaction', 'cache.commit']));
  });

  it('create-incremental: U, M, A and d statuses', () => {
    const statuses = new Set(ofType(fixtureEvents('create-incremental.stderr.jsonl'), 'file_status').map((e) => e.status));
    expect(statuses).toEqual(new Set(['U', 'M', 'A', 'd']));
  });

  it('cache-sync, prune, compact, delete: progress_percent with msgid, current and total', () => {
    const sync = ofType(fixtureEvents('cache-sync.stderr.jsonl'), 'progress_percent');
    expect(sync[0]).toMatchObject({ msgid: 'cache.sync', current: 1, total: 11, finished: false });
    expect(sync[0]!.message).toContain('Syncing chunks cache');
    const prune = fixtureEvents('prune.stderr.jsonl');
    expect(ofType(prune, 'progress_percent').every((e) => e.msgid === 'prune')).toBe(true);
    const decisions = ofType(prune, 'log_message').filter((e) => e.name === 'borg.output.list');
    expect(decisions.filter((e) => e.message.startsWith('Keeping archive (rule: daily #1)'))).toHaveLength(1);
    expect(decisions.some((e) => /^Pruning archive \(\d+\/\d+\):/.test(e.message))).toBe(true);
    const compact = fixtureEvents('compact.stderr.jsonl');
    expect(ofType(compact, 'progress_percent').at(-2)).toMatchObject({ msgid: 'repository.compact_segments', current: 81, total: 81 });
    expect(ofType(compact, 'log_message').at(-1)).toMatchObject({ level: 'INFO', message: 'compaction freed about 10.58 MB repository space.' });
    expect(ofType(fixtureEvents('compact-noinfo.stderr.jsonl'), 'log_message')).toHaveLength(0);
    expect(ofType(fixtureEvents('delete.stderr.jsonl'), 'progress_percent')[0]).toMatchObject({ msgid: 'archive.delete' });
  });

  it('log_message maps levelname/name/msgid', () => {
    expect(fixtureEvents('wrong-passphrase.stderr.jsonl')).toEqual([
      {
        type: 'log_message',
        level: 'ERROR',
        name: 'borg.archiver',
        msgid: 'PassphraseWrong',
        time: 1795686163.6408412,
        message: 'passphrase supplied in BORG_PASSPHRASE, by BORG_PASSCOMMAND or via BORG_PASSPHRASE_FD is incorrect.',
      },
    ]);
    const [warning] = fixtureEvents('source-path-missing.stderr.jsonl');
    expect(warning).toMatchObject({ type: 'log_message', level: 'WARNING', msgid: null });
  });

  it('no-passphrase: the msgid on the prompt line is recovered, the other text kept', () => {
    const events = fixtureEvents('no-passphrase.stderr.txt');
    expect(events.map((e) => e.type)).toEqual(['log_message', 'text', 'log_message']);
    expect(events[1]).toEqual({ type: 'text', line: 'Warning: Password input may be echoed.' });
    expect(events[2]).toMatchObject({ type: 'log_message', level: 'ERROR', msgid: 'NoPassphraseFailure' });
  });

  it('non-JSON and broken lines become text events with the raw line', () => {
    for (const line of fixtureLines('bad-option.stderr.txt')) expect(parseBorgLine(line)).toEqual({ type: 'text', line });
    expect(parseBorgLine('{"type": "log_message", "message": ')).toEqual({ type: 'text', line: '{"type": "log_message", "message": ' });
    expect(parseBorgLine('{"type": "something_new"}')).toEqual({ type: 'text', line: '{"type": "something_new"}' });
    expect(parseBorgLine('[1,2]')).toEqual({ type: 'text', line: '[1,2]' });
    expect(parseBorgLine('prompt: {not json}')).toEqual({ type: 'text', line: 'prompt: {not json}' });
  });

  it('plain-text progress (no --log-json) splits on \\r-free text lines', () => {
    const events = fixtureEvents('create-progress-plaintext.stderr.txt');
    expect(events.every((e) => e.type === 'text')).toBe(true);
    expect(events.some((e) => e.type === 'text' && e.line.includes('\r'))).toBe(true); // inner \r stay: only a trailing one is stripped
    expect(parseBorgLine('abc\r')).toEqual({ type: 'text', line: 'abc' });
  });
});

describe('stdout documents', () => {
  it('parseCreateSummary equals create-stats.stdout.json', () => {
    expect(parseCreateSummary(fixture('create-stats.stdout.json'))).toEqual({
      archiveName: 'first',
      archiveId: '0e2b2e06ae9ba343eab4b7610eb18874a3b53b6dd3948bf8df2f70ca4d98ac69',
      start: '2026-11-26T09:42:37.000Z',
      end: '2026-11-26T09:42:39.000Z',
      durationSeconds: 2.250435,
      originalSize: 315394586,
      compressedSize: 294120771,
      deduplicatedSize: 210200580,
      nfiles: 209,
    });
  });

  it('parseCreateSummary of incremental and warning runs', () => {
    expect(parseCreateSummary(fixture('create-incremental.stdout.json'))).toMatchObject({ archiveName: 'second', deduplicatedSize: 736, nfiles: 210 });
    expect(parseCreateSummary(fixture('source-path-missing.stdout.json'))).toMatchObject({ nfiles: 0, originalSize: 502 });
    expect(parseCreateSummary(fixture('warning-permission-denied.stdout.json'))).toMatchObject({ nfiles: 1, originalSize: 536 });
    expect(parseCreateSummary(fixture('warning-file-changed.stdout.json'))).toMatchObject({ originalSize: 314573378 });
  });

  it('parseCreateSummary is null when borg printed nothing usable (cancel, error)', () => {
    expect(parseCreateSummary('')).toBeNull();
    expect(parseCreateSummary('  \n')).toBeNull();
    expect(parseCreateSummary('{"archive": ')).toBeNull();
    expect(parseCreateSummary(fixture('info.json'))).toBeNull();
  });

  it('parseArchiveList', () => {
    const list = parseArchiveList(fixture('list.json'));
    expect(list).toHaveLength(11);
    expect(list[0]).toEqual({
      name: 'host-2026-10-17T03:00:00',
      id: 'e36d0ada8c4a94947e4e066fb4769bed5985657538ac066d2f9d55a46ad84739',
      start: '2026-10-17T03:00:00.000Z',
      time: '2026-10-17T03:00:00.000Z',
    });
    expect(list.at(-1)!.name).toBe('host-2026-11-26T03:00:00');
    expect(parseArchiveList(fixture('list-with-checkpoint.json')).map((a) => a.name)).toEqual(['arch1.checkpoint']);
    expect(parseArchiveList(fixture('list-without-consider-checkpoints.json'))).toEqual([]);
    expect(() => parseArchiveList('')).toThrow(BorgOutputError);
  });

  it('parseArchiveInfo', () => {
    expect(parseArchiveInfo(fixture('info-archive.json'))).toEqual({
      name: 'first',
      id: '0e2b2e06ae9ba343eab4b7610eb18874a3b53b6dd3948bf8df2f70ca4d98ac69',
      start: '2026-11-26T09:42:37.000Z',
      end: '2026-11-26T09:42:39.000Z',
      durationSeconds: 2.250435,
      originalSize: 315393996,
      compressedSize: 294120185,
      deduplicatedSize: 17517,
      nfiles: 209,
    });
    expect(parseArchiveInfo(fixture('info-last.json')).name).toBe('host-2026-11-26T03:00:00');
    expect(() => parseArchiveInfo(fixture('info.json'))).toThrow(BorgOutputError);
  });

  it('parseRepositoryInfo', () => {
    expect(parseRepositoryInfo(fixture('info.json'))).toEqual({
      id: '97b7e8600299dfc58c2cd67225407ced16913e41ee2d76837c51d6923cdb6dfe',
      location: '/srv/borgprobe/fx/repo-prune',
      lastModified: '2026-11-26T09:43:41.000Z',
      encryptionMode: 'repokey-blake2',
      totalSize: 15950066,
      totalCompressedSize: 13817964,
      uniqueCompressedSize: 11821967,
      uniqueSize: 12137605,
      totalChunks: 1149,
      totalUniqueChunks: 139,
    });
  });

  it('borgTimeToIso', () => {
    expect(borgTimeToIso('2026-11-26T09:42:37.123456')).toBe('2026-11-26T09:42:37.123Z');
    expect(borgTimeToIso('2026-11-26T09:42:37')).toBe('2026-11-26T09:42:37.000Z');
    expect(borgTimeToIso('2026-11-26T09:42:37+01:00')).toBe('2026-11-26T08:42:37.000Z');
    expect(borgTimeToIso('yesterday')).toBeNull();
    expect(borgTimeToIso(undefined)).toBeNull();
  });
});
