import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import { parseRecordId } from '../../src/domain/ids.js';
import {
  validateCompression,
  validateExcludePatterns,
  validatePassphrase,
  validateRepositoryPath,
  validateSourcePaths,
} from '../../src/repositories/repository-settings.js';
import { askBorgPython } from '../helpers/borg-python.js';

const refusal = (run: () => unknown): ValidationError => {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('not refused');
};

describe('validateRepositoryPath', () => {
  it.each([
    ['/srv/backups/home/', '/srv/backups/home'],
    ['  /srv/a/../b  ', '/srv/b'],
    ['/srv/a:b', '/srv/a:b'],
    ['ssh://user@host:2222/srv/repo', 'ssh://user@host:2222/srv/repo'],
    ['ssh://[::1]:22/x', 'ssh://[::1]:22/x'],
    ['user@[fe80::1]:repo', 'user@[fe80::1]:repo'],
    ['borg@backup.example.org:repos/home', 'borg@backup.example.org:repos/home'],
    // scp-style without a user: borg reaches it over ssh, the user comes from ssh's configuration
    ['backup-host:repos/home', 'backup-host:repos/home'],
  ])('accepts %j as %j', (location, stored) => {
    expect(validateRepositoryPath(location)).toBe(stored);
  });

  it.each([
    ['-oProxyCommand=touch$IFS/tmp/mark@h:repo', /must be absolute/],
    ['ssh://-oProxyCommand=touch$IFS/tmp/mark@h/repo', /ssh host "-oProxyCommand=touch\$IFS" may only contain/],
    ['-oProxyCommand=touch$IFS-mark@h:repo', /ssh user "-oProxyCommand=touch\$IFS-mark"/],
    ['-oProxyCommand=x:repo', /ssh host "-oProxyCommand=x"/],
    ['ssh://user@-host/x', /ssh host "-host"/],
    ['ssh://us;er@h/x', /ssh user "us;er"/],
    ['ssh://h:99999/x', /port 99999/],
    ['user@[1.2.3.4]:x', /not an IPv6 address/],
    ['ssh://h', /must be absolute, ssh:\/\/… or user@host:path/],
    ['file:///srv/r', /without file:\/\//],
    ['relative/repo', /must be absolute/],
    ['/srv/r::archive', /"::"/],
    ['/srv/{hostname}', /placeholders/],
    ['/srv/r\0x', /control characters/],
    ['/srv/r\nx', /control characters/],
    ['/srv/r\u0085', /control characters/],
  ])('refuses %j', (location, message) => {
    const error = refusal(() => validateRepositoryPath(location));
    expect(error.field).toBe('path');
    expect(error.message).toMatch(message);
  });

  it('refuses a path over 4096 characters', () => {
    expect(refusal(() => validateRepositoryPath(`/${'a'.repeat(4096)}`)).message).toMatch(/at most 4096/);
  });
});

describe('control characters and sizes in lists', () => {
  it('source paths: NUL is refused, other control characters can name a real folder', () => {
    expect(refusal(() => validateSourcePaths(['/srv/a\0b'])).message).toMatch(/NUL/);
    expect(validateSourcePaths(['/srv/tab\there'])).toEqual(['/srv/tab\there']);
    expect(refusal(() => validateSourcePaths(Array.from({ length: 1001 }, (_, i) => `/s/${i}`))).message).toMatch(/at most 1000/);
    expect(refusal(() => validateSourcePaths(Array.from({ length: 70 }, (_, i) => `/${i}${'x'.repeat(4000)}`))).message).toMatch(/256 KiB/);
  });

  it('exclude patterns: no control character at all', () => {
    for (const pattern of ['*.tmp\0', 'sh:**/a\nb', 'x\u007f', 'x\u009b']) {
      expect(refusal(() => validateExcludePatterns([pattern]))).toMatchObject({
        field: 'excludePatterns',
        message: expect.stringMatching(/control character/),
      });
    }
    expect(validateExcludePatterns(['re:^/a\\nb$', 'sh:**/?'])).toEqual(['re:^/a\\nb$', 'sh:**/?']);
  });

  it('passphrase: NUL is refused without echoing the passphrase', () => {
    const error = refusal(() => validatePassphrase('s3cret\0'));
    expect(error).toMatchObject({ field: 'passphrase' });
    expect(error.message).not.toContain('s3cret');
    expect(validatePassphrase(' spaces\tand tabs ')).toBe(' spaces\tand tabs ');
  });
});

describe('validateCompression', () => {
  const accepted = [
    'none',
    'lz4',
    'zstd',
    'zstd,1',
    'zstd,22',
    'zlib',
    'zlib,0',
    'zlib,9',
    'lzma,6',
    'auto,lz4',
    'auto,zstd,10',
    'obfuscate,1,lz4',
    'obfuscate,6,auto,zstd,3',
    'obfuscate,110,none',
    'obfuscate,123,zlib,5',
  ];
  // borg refuses these, or (auto,auto…, a trailing comma) takes them without meaning anything more
  const refused = [
    'zstd,23',
    'zstd,0',
    'zlib,10',
    'auto,auto,lz4',
    'obfuscate,7,lz4',
    'obfuscate,250,none',
    'obfuscate,1,x',
    'obfuscate,1,lz4\0',
    'gzip',
    'lz4,',
    '',
  ];
  const specs = [...accepted, ...refused];

  it("accepts the specs above, each of which borg's own CompressionSpec accepts too", async () => {
    const script = String.raw`
import json, sys
from borg.compress import CompressionSpec
out = []
for spec in json.load(sys.stdin):
    try:
        CompressionSpec(spec)
        out.append(True)
    except Exception:
        out.append(False)
print(json.dumps(out))
`;
    const borg = await askBorgPython<boolean[]>(script, specs);
    const ours = specs.map((spec) => {
      try {
        return validateCompression(spec) === spec;
      } catch {
        return false;
      }
    });
    expect(specs.filter((_, i) => ours[i])).toEqual(accepted);
    expect(accepted.filter((spec) => !borg[specs.indexOf(spec)])).toEqual([]);
  });
});

describe('parseRecordId', () => {
  it.each([
    ['1', 1],
    ['42', 42],
    [' 7 ', 7],
    ['2147483647', 2147483647],
    [17, 17],
    ['2147483648', null],
    ['9223372036854775808', null],
    ['9'.repeat(400), null],
    ['-1', null],
    ['1e3', null],
    ['0x10', null],
    ['1.0', null],
    ['+5', null],
    ['', null],
    ['abc', null],
    [-1, null],
    [1.5, null],
    [2 ** 31, null],
  ] as const)('%j → %j', (id, expected) => {
    expect(parseRecordId(id)).toBe(expected);
  });
});
