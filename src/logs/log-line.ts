/** One numbered line of a job's log. */
export interface LogLine {
  lineNumber: number;
  /** the line's text, control characters escaped (see escapeLogText) */
  content: string;
  level: string | null;
  time: Date | null;
}

/** A page of a job's log: the lines after `offset`. */
export interface LogPage {
  lines: LogLine[];
  totalLines: number;
  hasMore: boolean;
}

/** A page holds at most this many lines (a larger `limit` is a ValidationError). */
export const MAX_LOG_PAGE = 10_000;

const CONTROL_OR_BACKSLASH = /[\x00-\x1f\x7f-\x9f\\]/;
const CONTROL_OR_BACKSLASH_ALL = /[\x00-\x1f\x7f-\x9f\\]/g;
const SHORT_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(char: string): string {
  return SHORT_ESCAPES[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/**
 * A log line as stored: a file name may contain a newline (`line\nbreak.txt`)
 * or a terminal escape sequence, and a line must stay one line in a download
 * and harmless in a terminal. Newline, carriage return and tab become `\n`,
 * `\r`, `\t`; every other C0 and C1 control character and DEL becomes `\xNN`
 * (two lower-case hex digits); a backslash becomes `\\`, so the mapping is
 * reversible (unescapeLogText). Text without any of these is returned as is.
 */
export function escapeLogText(text: string): string {
  return CONTROL_OR_BACKSLASH.test(text) ? text.replace(CONTROL_OR_BACKSLASH_ALL, escapeOne) : text;
}

/** The text escapeLogText was given (for tools that want the original file name back). */
export function unescapeLogText(escaped: string): string {
  return escaped.replace(/\\(x[0-9a-f]{2}|[\\nrt])/g, (_, code: string) => {
    if (code.startsWith('x')) return String.fromCharCode(parseInt(code.slice(1), 16));
    return { '\\': '\\', n: '\n', r: '\r', t: '\t' }[code] as string;
  });
}
