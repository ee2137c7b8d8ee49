/**
 * JavaScript ports of the Python functions behind borg 1.2's `fm:` and `sh:`
 * patterns: `fnmatch.translate` (Python 3.11), borg's
 * `shellpattern.translate`, and `posixpath.normpath`. They are ports rather
 * than approximations because every difference from borg skews the pre-scan
 * total that a job's percent and ETA are computed from.
 */

/** `posixpath.normpath`: drops empty and `.` segments, resolves `..`; '' → '.'. */
export function normpath(path: string): string {
  if (path === '') return '.';
  // POSIX lets exactly two leading slashes mean something else, so Python keeps them
  const initialSlashes = path.startsWith('//') && !path.startsWith('///') ? 2 : path.startsWith('/') ? 1 : 0;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..' || (initialSlashes === 0 && parts.length === 0) || parts.at(-1) === '..') parts.push(part);
    else if (parts.length > 0) parts.pop();
  }
  return '/'.repeat(initialSlashes) + parts.join('/') || '.';
}

/** Escapes a character outside a class (valid with the `u` flag). */
function literal(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

/** Escapes a character inside a class (valid with the `u` flag). */
function member(char: string): string {
  return /[\\\]^[-]/.test(char) ? `\\${char}` : char;
}

/**
 * A bracket expression's body (between `[` and `]`, a leading `!` negating)
 * as a JS class. Every character is literal — `\` too, a leading `^` too —
 * and `x-y` is a range. A reversed range is dropped by fnmatch but is a
 * regex error in borg's shell translation (borg then rejects the pattern).
 */
function bracket(body: string[], shell: boolean): string {
  const negate = body[0] === '!';
  const members = negate ? body.slice(1) : body;
  let out = '';
  for (let k = 0; k < members.length;) {
    const lo = members[k] as string;
    const hi = members[k + 2];
    if (members[k + 1] === '-' && hi !== undefined) {
      k += 3;
      if ((hi.codePointAt(0) as number) >= (lo.codePointAt(0) as number)) out += `${member(lo)}-${member(hi)}`;
      else if (shell) throw new SyntaxError(`bad character range ${lo}-${hi}`);
    } else {
      out += member(lo);
      k += 1;
    }
  }
  // `[]` never matches and `[^]` matches any character, as fnmatch's
  // "(?!)" and "." for an empty (negated) set
  return negate ? `[^${out}]` : `[${out}]`;
}

/**
 * Translates an `fm:` (`shell` false: `*` and `?` also match `/`) or `sh:`
 * (`shell` true: they stop at `/`, only `**` followed by `/` spans folders)
 * pattern to a JS regex body, to be compiled with the `su` flags and
 * anchored at both ends. Works on code points, as Python does.
 */
export function translateGlob(pattern: string, shell: boolean): string {
  const chars = Array.from(pattern);
  let out = '';
  for (let i = 0; i < chars.length;) {
    const char = chars[i++] as string;
    if (char === '*') {
      if (shell && chars[i] === '*' && chars[i + 1] === '/') {
        out += '(?:[^/]*/)*';
        i += 2;
      } else out += shell ? '[^/]*' : '.*';
    } else if (char === '?') out += shell ? '[^/]' : '.';
    else if (char === '[') {
      // a `]` right after `[` or `[!` is a member, not the end
      let j = i;
      if (chars[j] === '!') j++;
      if (chars[j] === ']') j++;
      while (j < chars.length && chars[j] !== ']') j++;
      if (j >= chars.length) out += '\\[';
      else {
        out += bracket(chars.slice(i, j), shell);
        i = j + 1;
      }
    } else out += literal(char);
  }
  return out;
}
