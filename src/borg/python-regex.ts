/**
 * borg's `re:` patterns are Python regular expressions. Most of the syntax
 * is shared with JavaScript; this rewrites the common Python-only forms and
 * lets `new RegExp` reject the rest, so a caller can tell which patterns it
 * cannot honour instead of silently matching something else.
 */

/** Python inline flags → JS flags; `a`/`u` are no-ops here (JS without `u` is closest), `L`/`x` have no JS form. */
const FLAGS: Record<string, string | null> = { i: 'i', m: 'm', s: 's', a: '', u: '', L: null, x: null };

/**
 * Compiles a Python regex as a JS RegExp. Handles leading global flag groups
 * (`(?i)`, `(?ms)`…), `\A` and `\Z` (absolute start/end even with `m`),
 * `(?P<name>…)`, `(?P=name)` and a `]` right after `[` or `[^` (a member in
 * Python, an empty class in JS). Throws a SyntaxError for what JS cannot
 * express (verbose mode, possessive quantifiers, scoped flags `(?i:…)` before
 * Node 23, whose V8 added them as RegExp modifiers…).
 */
export function compilePythonRegex(source: string): RegExp {
  let flags = '';
  let rest = source;
  // Python 3.11 allows global flags only at the start of the pattern
  for (let m = /^\(\?([a-zA-Z]+)\)/.exec(rest); m; m = /^\(\?([a-zA-Z]+)\)/.exec(rest)) {
    for (const flag of m[1] as string) {
      const js = FLAGS[flag];
      if (js === undefined || js === null) throw new SyntaxError(`unsupported inline flag (?${flag})`);
      if (!flags.includes(js)) flags += js;
    }
    rest = rest.slice(m[0].length);
  }
  let out = '';
  let inClass = false;
  const names = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const char = rest[i] as string;
    if (char === '\\') {
      const next = rest[i + 1] ?? '';
      i++;
      if (!inClass && (next === 'A' || next === 'Z')) {
        // JS would quietly repeat the lookaround; Python rejects it
        if (/^[*+?{]/.test(rest.slice(i + 1))) throw new SyntaxError(`nothing to repeat after \\${next}`);
        out += next === 'A' ? '(?<![\\s\\S])' : '(?![\\s\\S])';
      } else out += char + next;
    } else if (inClass) {
      if (char === ']') inClass = false;
      out += char;
    } else if (char === '[') {
      inClass = true;
      out += char;
      if (rest[i + 1] === '^') out += rest[++i];
      if (rest[i + 1] === ']') {
        out += '\\]';
        i++;
      }
    } else if (rest.startsWith('(?P<', i)) {
      names.add(rest.slice(i + 4, rest.indexOf('>', i)));
      out += '(?<';
      i += 3;
    } else if (rest.startsWith('(?P=', i)) {
      const end = rest.indexOf(')', i);
      const name = rest.slice(i + 4, end);
      // without a group of that name, JS would read \k<name> as literal text
      if (end === -1 || !names.has(name)) throw new SyntaxError(`unknown group name ${name}`);
      out += `\\k<${name}>`;
      i = end;
    } else out += char;
  }
  return new RegExp(out, flags);
}
