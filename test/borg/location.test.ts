import { describe, expect, it } from 'vitest';
import { breakLockArgs, createArgs, initArgs, listArgs, parseBorgLocation, pruneArgs, unsafeLocationReason } from '../../src/borg/index.js';
import { askBorgPython } from '../helpers/borg-python.js';

const PROBE_SCP = '-oProxyCommand=touch$IFS/tmp/mark@h:repo';
const PROBE_SSH = 'ssh://-oProxyCommand=touch$IFS/tmp/mark@h/repo';

/** [location, what parseBorgLocation answers (null: borg refuses it)] */
const PARSED: [string, ReturnType<typeof parseBorgLocation>][] = [
  ['/srv/backups/home', { kind: 'local', path: '/srv/backups/home', fileUrl: false, archive: null }],
  ['/srv/a:b', { kind: 'local', path: '/srv/a:b', fileUrl: false, archive: null }],
  ['/srv/r::arch', { kind: 'local', path: '/srv/r', fileUrl: false, archive: 'arch' }],
  ['relative/repo', { kind: 'local', path: 'relative/repo', fileUrl: false, archive: null }],
  ['file:///srv/r', { kind: 'local', path: '/srv/r', fileUrl: true, archive: null }],
  ['ssh://user@host/srv/repo', { kind: 'remote', sshUrl: true, user: 'user', host: 'host', port: null, path: '/srv/repo', archive: null }],
  ['ssh://host:2222/./rel', { kind: 'remote', sshUrl: true, user: null, host: 'host', port: 2222, path: '/./rel', archive: null }],
  ['ssh://[::1]:22/x', { kind: 'remote', sshUrl: true, user: null, host: '[::1]', port: 22, path: '/x', archive: null }],
  ['ssh://u@[fe80::1]/x::a', { kind: 'remote', sshUrl: true, user: 'u', host: '[fe80::1]', port: null, path: '/x', archive: 'a' }],
  ['user@[fe80::1]:repo', { kind: 'remote', sshUrl: false, user: 'user', host: '[fe80::1]', port: null, path: 'repo', archive: null }],
  ['user@host:repo', { kind: 'remote', sshUrl: false, user: 'user', host: 'host', port: null, path: 'repo', archive: null }],
  ['host:path', { kind: 'remote', sshUrl: false, user: null, host: 'host', port: null, path: 'path', archive: null }],
  ['backup.example.org:/srv/r', { kind: 'remote', sshUrl: false, user: null, host: 'backup.example.org', port: null, path: '/srv/r', archive: null }],
  ['x@y@h:p', { kind: 'remote', sshUrl: false, user: 'x', host: 'y@h', port: null, path: 'p', archive: null }],
  // the probes: the scp-style one has a "/" before "@", so borg reads a relative local path
  [PROBE_SCP, { kind: 'local', path: PROBE_SCP, fileUrl: false, archive: null }],
  [PROBE_SSH, { kind: 'remote', sshUrl: true, user: null, host: '-oProxyCommand=touch$IFS', port: null, path: '/tmp/mark@h/repo', archive: null }],
  [
    '-oProxyCommand=touch$IFS-mark@h:repo',
    { kind: 'remote', sshUrl: false, user: '-oProxyCommand=touch$IFS-mark', host: 'h', port: null, path: 'repo', archive: null },
  ],
  ['-oProxyCommand=x:repo', { kind: 'remote', sshUrl: false, user: null, host: '-oProxyCommand=x', port: null, path: 'repo', archive: null }],
  ['ssh://user@-host/x', { kind: 'remote', sshUrl: true, user: 'user', host: '-host', port: null, path: '/x', archive: null }],
  ['ssh://us;er@h/x', { kind: 'remote', sshUrl: true, user: 'us;er', host: 'h', port: null, path: '/x', archive: null }],
  ['ssh://h:0/x', { kind: 'remote', sshUrl: true, user: null, host: 'h', port: 0, path: '/x', archive: null }],
  ['user@[1.2.3.4]:x', { kind: 'remote', sshUrl: false, user: 'user', host: '[1.2.3.4]', port: null, path: 'x', archive: null }],
  ['ssh://h', null],
  ['ssh://h:/x', null],
  ['ssh://u@h:22', null],
  [':x', null],
  ['//x', null],
  ['/a::', null],
];

/** [location, whether unsafeLocationReason refuses it: what borg must never be handed] */
const SAFETY: [string, RegExp | null][] = [
  ['/srv/backups/home', null],
  ['relative/repo', null],
  ['ssh://user@host:2222/srv/repo', null],
  ['ssh://u_1.x@host-1.example.org/~/repo', null],
  ['ssh://[::1]:22/x', null],
  ['user@[fe80::1]:repo', null],
  ['host:path', null],
  ['user@192.168.1.10:/srv/r', null],
  [PROBE_SCP, null], // a relative local path: no ssh (the API refuses it as not absolute)
  [PROBE_SSH, /ssh host "-oProxyCommand=touch\$IFS" may only contain/],
  ['-oProxyCommand=touch$IFS-mark@h:repo', /ssh user "-oProxyCommand=touch\$IFS-mark" may only/],
  ['-oProxyCommand=x:repo', /ssh host "-oProxyCommand=x"/],
  ['ssh://user@-host/x', /ssh host "-host"/],
  ['ssh://-user@host/x', /ssh user "-user"/],
  ['ssh://us;er@h/x', /ssh user "us;er"/],
  ['a b@h:x', /ssh user "a b"/],
  ['u@h$(id):x', /ssh host "h\$\(id\)"/],
  ['x@y@h:p', /ssh host "y@h"/],
  ['ssh://h:0/x', /port 0/],
  ['ssh://h:65536/x', /port 65536/],
  ['user@[1.2.3.4]:x', /"\[1.2.3.4\]" is not an IPv6 address/],
  ['ssh://{hostname}/x', /placeholders/],
  ['/srv/{now}', /placeholders/],
  ['/srv/r\n', /control character/],
  ['/srv/r\0', /control character/],
];

describe('parseBorgLocation', () => {
  it.each(PARSED)('%j', (text, expected) => {
    expect(parseBorgLocation(text)).toEqual(expected);
  });

  it("agrees with borg's own Location on every location of the tables", async () => {
    const texts = [...new Set([...PARSED, ...SAFETY].map(([text]) => text).filter((text) => !/[{}\0\n]/.test(text)))];
    const script = String.raw`
import json, sys
from borg.helpers.parseformat import Location
out = []
for text in json.load(sys.stdin):
    try:
        Location(text)
        valid = True
    except ValueError:
        valid = False
    match = None
    for kind, regex in (('ssh', Location.ssh_re), ('file', Location.file_re), ('scp', Location.scp_re)):
        m = regex.match(text)
        if m:
            g = m.groupdict()
            match = {'kind': kind, 'user': g.get('user'), 'host': g.get('host'), 'port': g.get('port'), 'path': g['path'], 'archive': g['archive']}
            break
    out.append({'valid': valid, 'match': match})
print(json.dumps(out))
`;
    const borg = await askBorgPython<{ valid: boolean; match: Record<string, string | null> | null }[]>(script, texts);
    const ours = texts.map((text) => {
      const parsed = parseBorgLocation(text);
      if (!parsed) return { valid: false, match: null };
      const kind = parsed.kind === 'remote' ? (parsed.sshUrl ? 'ssh' : 'scp') : parsed.fileUrl ? 'file' : 'scp';
      const remote = parsed.kind === 'remote' ? parsed : null;
      const port = remote?.port === null || remote === null ? null : String(remote.port);
      const match = { kind, user: remote?.user ?? null, host: remote?.host ?? null, port, path: parsed.path, archive: parsed.archive };
      return { valid: true, match };
    });
    // the ports borg's regex did not see are null there; the file:// form has no user/host/port groups
    const normalised = borg.map((answer) =>
      answer.match
        ? { ...answer, match: { ...answer.match, user: answer.match.user ?? null, host: answer.match.host ?? null, port: answer.match.port ?? null } }
        : answer,
    );
    expect(Object.fromEntries(texts.map((text, i) => [text, ours[i]]))).toEqual(Object.fromEntries(texts.map((text, i) => [text, normalised[i]])));
  });
});

describe('unsafeLocationReason', () => {
  it.each(SAFETY)('%j', (text, refused) => {
    const reason = unsafeLocationReason(text);
    if (refused === null) expect(reason).toBeNull();
    else expect(reason).toMatch(refused);
  });

  it('every argv builder refuses an unsafe location, whatever stored it', () => {
    for (const location of [PROBE_SSH, 'ssh://us;er@h/x', '/srv/{now}']) {
      expect(() => createArgs({ repoPath: location, archiveName: 'a', sourcePaths: ['/s'] })).toThrow(/refusing repository location/);
      expect(() => initArgs(location, 'none')).toThrow(RangeError);
      expect(() => listArgs(location)).toThrow(RangeError);
      expect(() => pruneArgs(location, { keepDaily: 1 })).toThrow(RangeError);
      expect(() => breakLockArgs(location)).toThrow(RangeError);
    }
    expect(listArgs('ssh://user@host:2222/srv/repo').at(-1)).toBe('ssh://user@host:2222/srv/repo');
  });
});
