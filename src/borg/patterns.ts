/**
 * borg 1.2's exclude pattern styles (`borg help patterns`), so borgql can
 * estimate what borg will read without running borg. Follows borg's
 * borg/patterns.py: paths are matched without their leading slash, and
 * fm/sh/pp/pf patterns are normalised like os.path.normpath first.
 * - `fm:` (the default): fnmatch, `*` and `?` also match `/`; a pattern
 *   matches a path or anything below it.
 * - `sh:`: shell style, `*` and `?` stop at `/`, `**` followed by `/` spans
 *   folders; also matches a path or anything below it.
 * - `re:`: a Python regular expression searched anywhere in the path.
 * - `pp:`: path prefix; `pf:`: the exact path.
 * A trailing slash on fm/sh keeps the folder and matches only its content.
 */
import { normpath, translateGlob } from './glob.js';
import { compilePythonRegex } from './python-regex.js';

export type PathMatcher = (absolutePath: string) => boolean;

/** A PathMatcher that also says which patterns it had to ignore. */
export type ExcludeMatcher = PathMatcher & {
  /** patterns that could not be compiled (and so match nothing here), in input order */
  readonly unsupported: readonly string[];
};

const relative = (path: string) => path.replace(/^\/+/, '');

function compileOne(pattern: string): PathMatcher {
  // borg: a selector is any two alphanumerics and a colon; an unknown one is an error
  const selector = /^([\p{L}\p{N}]{2}):/u.exec(pattern);
  const style = selector ? (selector[1] as string) : 'fm';
  const body = selector ? pattern.slice(3) : pattern;
  if (style === 're') {
    // the pattern's own leading slash is kept, the path's is not (borg)
    const regex = compilePythonRegex(body);
    return (path) => regex.test(relative(path));
  }
  if (style === 'pf') {
    const full = relative(normpath(body));
    return (path) => relative(path) === full;
  }
  if (style === 'pp') {
    // "pp:/" becomes the prefix "" and matches everything, as in borg
    const prefix = relative(`${normpath(body).replace(/\/+$/, '')}/`);
    return (path) => `${relative(path)}/`.startsWith(prefix);
  }
  if (style !== 'fm' && style !== 'sh') throw new SyntaxError(`unknown pattern style ${style}`);
  // borg appends "/*" (fm) or "/**/*" (sh) and matches the path plus "/", so a
  // pattern matches the path itself or anything below it; with a trailing
  // slash it becomes ".../*/" and only matches below
  const tail = style === 'fm' ? '/*' : '/**/*';
  const glob = body.endsWith('/') ? `${normpath(body).replace(/\/+$/, '')}${tail}/` : `${normpath(body)}${tail}`;
  const regex = new RegExp(`^${translateGlob(relative(glob), style === 'sh')}$`, 'su');
  return (path) => regex.test(`${relative(path)}/`);
}

/**
 * One matcher for a list of exclude patterns. A pattern this module cannot
 * compile (an invalid or JS-incompatible regex, an unknown style) matches
 * nothing and is listed in `unsupported`: borg rejects the invalid ones
 * itself when the job runs; for the others, the estimate ignores them.
 */
export function compileExcludes(patterns: readonly string[]): ExcludeMatcher {
  const matchers: PathMatcher[] = [];
  const unsupported: string[] = [];
  for (const pattern of patterns) {
    try {
      matchers.push(compileOne(pattern));
    } catch {
      unsupported.push(pattern);
    }
  }
  const matcher: PathMatcher = matchers.length === 0 ? () => false : (path) => matchers.some((matches) => matches(path));
  return Object.assign(matcher, { unsupported });
}
