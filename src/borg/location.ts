import { isIP } from 'node:net';

/**
 * Repository locations as borg 1.2 reads them (its `Location` class):
 * `ssh://[user@]host[:port]/path`, `file://path`, scp-style
 * `[user@]host:path` and plain paths, each optionally followed by
 * `::archive`. The regular expressions below are borg's own, translated; a
 * location is remote exactly when borg would start ssh for it.
 */

/** Where a repository is, as borg parses it. */
export type BorgLocation =
  | {
      kind: 'local';
      /** the path as written (borg normalises it later) */
      path: string;
      /** true for the `file://…` form */
      fileUrl: boolean;
      archive: string | null;
    }
  | {
      kind: 'remote';
      /** true for `ssh://…`, false for scp-style `host:path` */
      sshUrl: boolean;
      user: string | null;
      /** as written: an IPv6 address keeps its brackets */
      host: string;
      port: number | null;
      path: string;
      archive: string | null;
    };

// borg: user must not contain "@", ":" or "/"
const USER = String.raw`(?:(?<user>[^@:/]+)@)?`;
// borg: a host name or IPv4 address without ":" or "/", or an IPv6 address in brackets
const HOST = String.raw`(?<host>(?!\[)[^:/]+(?<!\])|\[[0-9a-fA-F:.]+\])`;
// borg: "::" ends a path (an archive follows); a single ":" may occur in it
const ABS_PATH = String.raw`(?<path>/(?:[^:]|:(?!:))+)`;
const FILE_PATH = String.raw`(?<path>[^/]*/(?:[^:]|:(?!:))+)`;
const SCP_PATH = String.raw`(?!:|//|ssh://)(?<path>(?:[^:]|:(?!:))+)`;
const ARCHIVE = String.raw`(?:::(?<archive>[^/]+))?$`;

// Python's \d also matches other scripts' digits; [0-9] makes such a port unparsable here (refused), never read differently.
const SSH = new RegExp(String.raw`^ssh://${USER}${HOST}(?::(?<port>[0-9]+))?${ABS_PATH}${ARCHIVE}`);
const FILE = new RegExp(String.raw`^file://${FILE_PATH}${ARCHIVE}`);
const SCP = new RegExp(String.raw`^(?:${USER}${HOST}:)?${SCP_PATH}${ARCHIVE}`);

/**
 * Parses a repository location as borg 1.2 does, tried in borg's order
 * (ssh://, file://, scp-style or plain path). null when borg would refuse
 * it. Placeholders (`{hostname}`…) are not expanded: borg expands them
 * before parsing, so callers must refuse `{` and `}` (see
 * {@link unsafeLocationReason}).
 */
export function parseBorgLocation(text: string): BorgLocation | null {
  const ssh = SSH.exec(text)?.groups;
  if (ssh) {
    return {
      kind: 'remote',
      sshUrl: true,
      user: ssh.user ?? null,
      host: ssh.host as string,
      port: ssh.port === undefined ? null : Number(ssh.port),
      path: ssh.path as string,
      archive: ssh.archive ?? null,
    };
  }
  const file = FILE.exec(text)?.groups;
  if (file) return { kind: 'local', path: file.path as string, fileUrl: true, archive: file.archive ?? null };
  const scp = SCP.exec(text)?.groups;
  if (!scp) return null;
  if (scp.host === undefined) return { kind: 'local', path: scp.path as string, fileUrl: false, archive: scp.archive ?? null };
  return {
    kind: 'remote',
    sshUrl: false,
    user: scp.user ?? null,
    host: scp.host,
    port: null,
    path: scp.path as string,
    archive: scp.archive ?? null,
  };
}

/** True when borg would reach this location over ssh. */
export function isRemoteLocation(text: string): boolean {
  return parseBorgLocation(text)?.kind === 'remote';
}

// What ssh gets as its destination argument: a leading "-" would make it an
// option (-oProxyCommand=… runs a command), and shell metacharacters would
// reach a shell wherever ssh_config expands %h or %r into a command.
const SSH_NAME = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;

/**
 * Why a remote location's user, host or port cannot be handed to ssh, or
 * null when they can: user and host may only hold `[A-Za-z0-9._-]` and must
 * not start with `-` (the host may also be an IPv6 address in brackets), a
 * port is 1–65535.
 */
export function remoteLocationProblem(location: Extract<BorgLocation, { kind: 'remote' }>): string | null {
  const { user, host, port } = location;
  if (user !== null && !SSH_NAME.test(user)) {
    return `ssh user "${user}" may only contain letters, digits, ".", "_" and "-", and must not start with "-"`;
  }
  const bracketed = /^\[(.*)\]$/.exec(host);
  if (bracketed) {
    if (isIP(bracketed[1] as string) !== 6) return `"${host}" is not an IPv6 address`;
  } else if (!SSH_NAME.test(host)) {
    return `ssh host "${host}" may only contain letters, digits, ".", "_" and "-", and must not start with "-" (or be an IPv6 address in brackets)`;
  }
  if (port !== null && (port < 1 || port > 65535)) return `ssh port ${port} is not between 1 and 65535`;
  return null;
}

/**
 * Why borg must not be given this repository location, or null when it is
 * safe to pass: it must hold no control character, no placeholder braces
 * (borg would expand `{…}` into a location other than the one checked
 * here), and a remote one must pass {@link remoteLocationProblem}. A
 * location borg cannot parse is not unsafe: borg refuses it without
 * starting ssh.
 */
export function unsafeLocationReason(text: string): string | null {
  if (/\p{Cc}/u.test(text)) return 'it contains a control character';
  if (/[{}]/.test(text)) return 'borg would read "{" and "}" as placeholders ({hostname}, {now}…)';
  const location = parseBorgLocation(text);
  return location?.kind === 'remote' ? remoteLocationProblem(location) : null;
}
