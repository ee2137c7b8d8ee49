// The passcommand allow-list: BORGQL_PASSCOMMAND_PREFIXES as the configuration reads it, and what a repository may add to a prefix.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { ValidationError } from '../../src/domain/errors.js';
import { validatePasscommand } from '../../src/repositories/passcommand.js';

const PREFIXES = ['pass show', 'cat /etc/borg/passphrases/', 'vault kv get -field=password secret/borg/', 'secret-tool lookup -field='];

function refusal(passcommand: string, prefixes: readonly string[] = PREFIXES): string {
  try {
    validatePasscommand(passcommand, prefixes);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('passcommand');
    return (error as ValidationError).message;
  }
  throw new Error(`accepted ${JSON.stringify(passcommand)}`);
}

describe('validatePasscommand', () => {
  it('accepts an allowed prefix plus one plain argument: after a space, or directly after / and =', () => {
    for (const ok of [
      'pass show borg/home',
      'pass show home',
      '  pass show a.b_c@d:e+f-g/h  ',
      'cat /etc/borg/passphrases/home',
      'cat /etc/borg/passphrases/sub/home.txt',
      'vault kv get -field=password secret/borg/home',
      'secret-tool lookup -field=x',
    ]) {
      expect(validatePasscommand(ok, PREFIXES)).toBe(ok.trim());
    }
  });

  it('refuses other commands, and arguments that are not one plain word', () => {
    for (const outside of ['touch /tmp/x', 'pass  show home', 'pass showhome', 'cat /etc/borg/home', '/bin/sh -c id', 'PASS show home']) {
      expect(refusal(outside)).toMatch(/must start with a prefix the operator allowed in BORGQL_PASSCOMMAND_PREFIXES/);
    }
    for (const bad of [
      'pass show ../home',
      'pass show borg/../../etc/shadow',
      'cat /etc/borg/passphrases/../../shadow',
      'cat /etc/borg/passphrases/..',
      'pass show home extra',
      'pass show home\tx',
      'pass show home\nx',
      "pass show 'home'",
      'pass show "home"',
      'pass show ho\\me',
      'pass show -c',
      'pass show --help',
      'pass show $HOME',
      'pass show `id`',
      'pass show home;id',
      'pass show home|id',
      'pass show',
      'pass show ',
      'cat /etc/borg/passphrases/',
      `pass show ${'a'.repeat(501)}`,
    ]) {
      expect(refusal(bad)).toMatch(/one plain argument|must start with a prefix/);
    }
  });

  it('says how the operator enables passcommands when none are allowed', () => {
    expect(refusal('pass show home', [])).toMatch(/not enabled.*BORGQL_PASSCOMMAND_PREFIXES/);
  });
});

describe('BORGQL_PASSCOMMAND_PREFIXES', () => {
  const prefixes = (value: string | undefined) => loadConfig({ BORGQL_DATA_DIR: '/tmp/x', BORGQL_PASSCOMMAND_PREFIXES: value }).passcommandPrefixes;

  it('is a ;-separated list of trimmed prefixes, empty by default', () => {
    expect(prefixes(undefined)).toEqual([]);
    expect(prefixes('')).toEqual([]);
    expect(prefixes(' pass show ; vault kv get -field=password secret/borg/ ;; ')).toEqual(['pass show', 'vault kv get -field=password secret/borg/']);
  });

  it('refuses prefixes with quotes, backslashes or control characters', () => {
    for (const bad of ["cat '/my dir/'", 'cat "/x/"', 'cat /x\\ y/', 'pass\nshow']) {
      expect(() => prefixes(bad)).toThrow(ConfigError);
    }
  });

  it('BORGQL_DISCARD_UNREADABLE_SECRETS is yes or no', () => {
    const discard = (value: string | undefined) => loadConfig({ BORGQL_DISCARD_UNREADABLE_SECRETS: value }).discardUnreadableSecrets;
    expect(discard(undefined)).toBe(false);
    expect(discard('no')).toBe(false);
    expect(discard('yes')).toBe(true);
    expect(discard('1')).toBe(true);
    expect(() => discard('maybe')).toThrow(ConfigError);
  });
});
