/**
 * borg 1.2's exclude pattern styles (`borg help patterns`), so borgql can
 * estimate what borg will read without running borg. Paths are matched
 * without their leading slash, as borg does.
 * - `fm:` (the default): fnmatch, `*` also matches `/`; a pattern matches a
 *   path or anything below it.
 * - `sh:`: shell style, `*` stops at `/`, `**` crosses directories.
 * - `re:`: a regular expression searched anywhere in the path.
 * - `pp:`: path prefix; `pf:`: the exact path.
 */
export type PathMatcher = (absolutePath: string) => boolean;

function escapeRegex(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

/** Translates fm/sh wildcards to a regex body; `shell` keeps `*` inside one path segment. */
function globToRegex(glob: string, shell: boolean): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*') {
      if (shell && glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        out += slash ? '(?:[^/]*/)*' : '.*';
        i += slash ? 2 : 1;
      } else out += shell ? '[^/]*' : '.*';
    } else if (char === '?') out += shell ? '[^/]' : '.';
    else if (char === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) out += '\\[';
      else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        out += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else out += escapeRegex(char);
  }
  return out;
}

function compileOne(pattern: string): PathMatcher {
  const match = /^(fm|sh|re|pp|pf):(.*)$/s.exec(pattern);
  const style = match ? match[1] : 'fm';
  let body = (match ? match[2] : pattern) as string;
  if (style === 're') {
    const regex = new RegExp(body);
    return (path) => regex.test(path.replace(/^\/+/, ''));
  }
  body = body.replace(/^\/+/, '');
  if (style === 'pp' || style === 'pf') {
    const prefix = body.replace(/\/+$/, '');
    return style === 'pf'
      ? (path) => path.replace(/^\/+/, '') === prefix
      : (path) => {
          const relative = path.replace(/^\/+/, '');
          return relative === prefix || relative.startsWith(`${prefix}/`);
        };
  }
  if (body.endsWith('/')) body += '*';
  const regex = new RegExp(`^${globToRegex(body, style === 'sh')}(?:$|/)`, 's');
  return (path) => regex.test(path.replace(/^\/+/, ''));
}

/** One matcher for a list of exclude patterns; invalid regexes are reported by borg itself, so they match nothing here. */
export function compileExcludes(patterns: readonly string[]): PathMatcher {
  const matchers: PathMatcher[] = [];
  for (const pattern of patterns) {
    try {
      matchers.push(compileOne(pattern));
    } catch {
      // borg rejects the pattern with a clear message when the job runs
    }
  }
  if (matchers.length === 0) return () => false;
  return (path) => matchers.some((matches) => matches(path));
}
