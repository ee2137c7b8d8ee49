import { describe, expect, it } from 'vitest';
import { BorgCommandError, FailureCollector, isLockFailureMessage, parseBorgLine } from '../../src/borg/index.js';
import { fixtureOutcome } from './fixtures.js';

// Exit codes are the ones recorded with each fixture (test/fixtures/borg/README.md).
describe('FailureCollector over the recorded failures', () => {
  it.each([
    ['wrong-passphrase.stderr.jsonl', 'PassphraseWrong', /^PassphraseWrong: wrong passphrase \(passphrase supplied in BORG_PASSPHRASE.* is incorrect\.\)$/],
    ['no-passphrase.stderr.txt', 'NoPassphraseFailure', /^NoPassphraseFailure: .*no passphrase.*BORG_PASSPHRASE is not set/],
    ['repo-does-not-exist.stderr.jsonl', 'Repository.DoesNotExist', /repository does not exist \(Repository \/srv\/borgprobe\/fx\/nope does not exist\.\)/],
    ['repo-is-regular-file.stderr.jsonl', 'Repository.InvalidRepository', /not a borg repository/],
    ['repo-already-exists.stderr.jsonl', 'Repository.AlreadyExists', /already exists/],
    ['lock-timeout.stderr.jsonl', 'LockTimeout', /^LockTimeout: repository is locked .*lock\.exclusive \(timeout\)/],
    ['lock-timeout-list.stderr.jsonl', 'LockTimeout', /locked/],
    ['stale-lock-foreign-host.stderr.jsonl', 'LockTimeout', /break the lock/],
    ['archive-already-exists.stderr.jsonl', 'Archive.AlreadyExists', /Archive first already exists/],
    ['archive-does-not-exist.stderr.jsonl', 'Archive.DoesNotExist', /Archive nosuch does not exist/],
    ['unknown-unencrypted-repo.stderr.jsonl', 'Cache.CacheInitAbortedError', /unknown unencrypted repository/],
  ])('%s → error %s', (name, msgid, message) => {
    const outcome = fixtureOutcome(name, 2);
    expect(outcome).toMatchObject({ kind: 'error', exitCode: 2, msgid });
    expect(outcome.message).toMatch(message);
  });

  it('disk-full → Exception naming "No space left on device", without the traceback', () => {
    const outcome = fixtureOutcome('disk-full.stderr.jsonl', 2);
    expect(outcome).toMatchObject({ kind: 'error', exitCode: 2, msgid: 'Exception' });
    expect(outcome.message).toContain('No space left on device');
    expect(outcome.message).toContain('OSError: [Errno 28]');
    expect(outcome.message).not.toMatch(/Traceback|File "|Platform:/);
    expect(outcome.message.length).toBeLessThan(200);
  });

  it('a crash without ENOSPC keeps the exception line only', () => {
    const c = new FailureCollector();
    c.observe({ type: 'log_message', level: 'ERROR', name: 'borg.archiver', msgid: 'Exception', message: 'Local Exception', time: null });
    c.observe({
      type: 'log_message',
      level: 'ERROR',
      name: 'borg.archiver',
      msgid: null,
      time: null,
      message: 'Traceback (most recent call last):\n  File "x.py", line 1, in f\n    boom()\nKeyError: \'abc\'\n\nPlatform: Linux vm\n',
    });
    expect(c.outcome(2, null)).toMatchObject({
      kind: 'error',
      msgid: 'Exception',
      message: "Exception: borg failed with an internal error (Local Exception: KeyError: 'abc')",
    });
  });

  it('bad-option → readable argparse error', () => {
    expect(fixtureOutcome('bad-option.stderr.txt', 2)).toEqual({
      kind: 'error',
      exitCode: 2,
      msgid: null,
      message: 'invalid borg arguments: unrecognized arguments: --bogus',
    });
    const c = new FailureCollector();
    c.observe(parseBorgLine('borg prune: error: argument --keep-within: Unexpected interval time unit "x"'));
    expect(c.outcome(2, null).message).toBe('invalid borg arguments: argument --keep-within: Unexpected interval time unit "x"');
  });

  it('an ERROR without msgid (prune without rules) is the message', () => {
    const c = new FailureCollector();
    c.observe({
      type: 'log_message',
      level: 'ERROR',
      name: 'borg.archiver',
      msgid: null,
      time: null,
      message: 'At least one of the "keep-within" … settings must be specified.',
    });
    expect(c.outcome(2, null)).toMatchObject({ kind: 'error', msgid: null, message: 'At least one of the "keep-within" … settings must be specified.' });
  });

  it('unknown msgid → "msgid: message"', () => {
    const c = new FailureCollector();
    c.observe({
      type: 'log_message',
      level: 'ERROR',
      name: 'borg.archiver',
      msgid: 'Repository.ObjectNotFound',
      time: null,
      message: 'Object with key 00 not found',
    });
    expect(c.outcome(2, null).message).toBe('Repository.ObjectNotFound: Object with key 00 not found');
  });

  it('exit 2 without any ERROR → exit code plus the last text lines', () => {
    const c = new FailureCollector();
    for (const l of ['one', 'two', 'three', 'four']) c.observe(parseBorgLine(l));
    expect(c.outcome(2, null)).toEqual({ kind: 'error', exitCode: 2, msgid: null, message: 'borg exited with code 2: two | three | four' });
    expect(new FailureCollector().outcome(2, null).message).toBe('borg exited with code 2');
  });

  it('memory stays bounded on a flood of lines', () => {
    const c = new FailureCollector();
    for (let i = 0; i < 20_000; i++) {
      c.observe({ type: 'text', line: `noise ${i} ${'x'.repeat(2000)}` });
      c.observe({ type: 'log_message', level: 'ERROR', name: 'n', msgid: null, time: null, message: `err ${i}` });
    }
    const o = c.outcome(2, null);
    expect(o.message).toBe('err 19996; err 19997; err 19998; err 19999');
  });
});

describe('warnings and success', () => {
  it.each([
    ['warning-file-changed.stderr.jsonl', 1, /file changed while we backed it up/],
    ['warning-permission-denied.stderr.jsonl', 2, /Permission denied/],
    ['warning-vanished.stderr.jsonl', 5, /No such file or directory/],
    ['source-path-missing.stderr.jsonl', 1, /doesnotexist/],
  ])('%s → warning with %i warnings', (name, warnings, first) => {
    const outcome = fixtureOutcome(name, 1);
    expect(outcome).toMatchObject({ kind: 'warning', exitCode: 1, warnings });
    expect(outcome.message).toMatch(new RegExp(`^borg finished with ${warnings} warnings?`));
    expect(outcome.message).toMatch(first);
  });

  it.each(['create-progress.stderr.jsonl', 'stale-lock-same-host.stderr.jsonl', 'init.stderr.jsonl', 'prune.stderr.jsonl', 'break-lock.stderr.jsonl'])(
    '%s exit 0 → success even with WARNING lines',
    (name) => expect(fixtureOutcome(name, 0)).toEqual({ kind: 'success', exitCode: 0, message: 'borg finished successfully' }),
  );
});

describe('signals and cancel', () => {
  it.each([
    ['create-cancel-sigint.stderr.jsonl', 2, 'SIGINT'],
    ['create-cancel-sigint-twice.stderr.jsonl', 130, 'SIGINT'],
    ['create-cancel-sigterm.stderr.jsonl', 143, 'SIGTERM'],
    ['create-cancel-sighup.stderr.jsonl', 129, 'SIGHUP'],
  ])('%s (exit %i) → signalled %s', (name, exitCode, signal) => {
    expect(fixtureOutcome(name, exitCode)).toEqual({ kind: 'signalled', exitCode, signal, message: `borg was stopped by ${signal}` });
  });

  it('SIGKILL (Node reports the signal, no exit code) and negative codes → signalled', () => {
    expect(fixtureOutcome('create-cancel-sigterm.stderr.jsonl', null, 'SIGKILL')).toMatchObject({ kind: 'signalled', exitCode: null, signal: 'SIGKILL' });
    expect(new FailureCollector().outcome(-9, null)).toMatchObject({ kind: 'signalled', signal: 'SIGKILL' });
  });
});

describe('spawn failure and BorgCommandError', () => {
  it('spawn error wins over everything', () => {
    const o = new FailureCollector().outcome(null, null, 'borg executable "nope" not found (set BORG_BIN or install borgbackup)');
    expect(o).toEqual({ kind: 'error', exitCode: null, msgid: null, message: 'borg executable "nope" not found (set BORG_BIN or install borgbackup)' });
  });

  it('BorgCommandError carries msgid, exitCode and outcome', () => {
    const outcome = fixtureOutcome('wrong-passphrase.stderr.jsonl', 2);
    const err = new BorgCommandError(outcome);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'BorgCommandError', msgid: 'PassphraseWrong', exitCode: 2, outcome, message: outcome.message });
  });
});

describe('lock failures (REST LOCK_ERROR::)', () => {
  it('the messages of LockTimeout and LockFailed say the lock could not be taken; other failures do not', () => {
    expect(isLockFailureMessage(fixtureOutcome('lock-timeout.stderr.jsonl', 2).message)).toBe(true);
    expect(isLockFailureMessage(fixtureOutcome('stale-lock-foreign-host.stderr.jsonl', 2).message)).toBe(true);
    expect(isLockFailureMessage('LockFailed: could not lock the repository (…)')).toBe(true);
    expect(isLockFailureMessage(fixtureOutcome('wrong-passphrase.stderr.jsonl', 2).message)).toBe(false);
    expect(isLockFailureMessage('internal error: LockTimeout: …')).toBe(false);
  });
});
