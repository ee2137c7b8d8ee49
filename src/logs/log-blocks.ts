/**
 * The stored form of a job's log: blocks of consecutive lines (JobLogBlock
 * rows, firstLine..lastLine), each one self-describing blob whose first byte
 * says what it holds:
 *
 * - `1` LINES: the rest is a raw deflate stream (node:zlib, level 1) of one
 *   text line per log line, `<time>\t<level>\t<content>\n`, where time is
 *   empty for none, else the milliseconds since the previous line's time in
 *   this block (the first counts from the epoch), and level is empty for
 *   none, else `=` and the level. Lines of a busy job share their time and
 *   level, and neighbouring paths share their folders: 1,000 realistic
 *   lines deflate to ~9 bytes a line, where a row per line cost ~125
 *   (bench/logs.ts). Level 1 because the block is compressed on the event
 *   loop while borg prints: ~0.9 ms per 1,000 lines against ~4.6 ms at
 *   level 6, for ~20 % more bytes.
 * - `2` LOST: the lines were dropped before they could be stored (the
 *   database failed for longer than memory could hold them); the rest is
 *   the reason, UTF-8. They read as placeholder lines, so numbering and
 *   paging stay contiguous.
 *
 * Content and level are stored escaped (escapeLogText): neither holds a
 * newline or a tab, so the separators cannot be forged.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { escapeLogText, type LogLine } from './log-line.js';

const LINES = 1;
const LOST = 2;

/** A block as the database holds it. */
export interface StoredBlock {
  firstLine: number;
  lastLine: number;
  data: Buffer;
}

/**
 * Encodes consecutive, escaped lines. Throws RangeError for a line that
 * would break the format (not escaped): storing it would corrupt its block.
 */
export function encodeLines(lines: readonly LogLine[]): Buffer {
  let text = '';
  let previous = 0;
  for (const line of lines) {
    if (line.content.includes('\n') || (line.level !== null && /[\t\n]/.test(line.level))) {
      throw new RangeError(`log line ${line.lineNumber} is not escaped`);
    }
    let time = '';
    if (line.time !== null) {
      const ms = line.time.getTime();
      time = String(ms - previous);
      previous = ms;
    }
    text += `${time}\t${line.level === null ? '' : `=${line.level}`}\t${line.content}\n`;
  }
  const compressed = deflateRawSync(text, { level: 1 });
  const data = Buffer.allocUnsafe(compressed.length + 1);
  data[0] = LINES;
  compressed.copy(data, 1);
  return data;
}

/** A block standing for lines that were dropped, with the reason (escaped here). */
export function encodeLostLines(reason: string): Buffer {
  return Buffer.concat([Buffer.of(LOST), Buffer.from(escapeLogText(reason), 'utf8')]);
}

/** What a dropped line reads as. */
export function lostLine(lineNumber: number, firstLine: number, lastLine: number, reason: string): LogLine {
  return {
    lineNumber,
    content: `[not stored: log lines ${firstLine}–${lastLine} were dropped while the log could not be written (${reason})]`,
    level: 'WARNING',
    time: null,
  };
}

/**
 * The lines of a block numbered from `from` to `to` (inclusive, clipped to
 * the block). Only those lines become objects; the others are skipped
 * while their time deltas are summed.
 */
export function decodeBlock(block: StoredBlock, from: number, to: number): LogLine[] {
  const start = Math.max(from, block.firstLine);
  const end = Math.min(to, block.lastLine);
  const lines: LogLine[] = [];
  if (start > end) return lines;
  if (block.data[0] === LOST) {
    const reason = block.data.subarray(1).toString('utf8');
    for (let n = start; n <= end; n++) lines.push(lostLine(n, block.firstLine, block.lastLine, reason));
    return lines;
  }
  if (block.data[0] !== LINES) throw new Error(`log block at line ${block.firstLine} has an unknown format (${block.data[0]})`);
  const text = inflateRawSync(block.data.subarray(1)).toString('utf8');
  let time = 0;
  // lines of one millisecond share one Date (nothing mutates them)
  let date = new Date(NaN);
  let at = 0;
  for (let n = block.firstLine; n <= end && at < text.length; n++) {
    const newline = text.indexOf('\n', at);
    const firstTab = text.indexOf('\t', at);
    const secondTab = text.indexOf('\t', firstTab + 1);
    const timeField = text.slice(at, firstTab);
    if (timeField !== '') time += Number(timeField);
    if (n >= start) {
      lines.push({
        lineNumber: n,
        content: text.slice(secondTab + 1, newline),
        level: secondTab === firstTab + 1 ? null : text.slice(firstTab + 2, secondTab),
        time: timeField === '' ? null : date.getTime() === time ? date : (date = new Date(time)),
      });
    }
    at = newline + 1;
  }
  return lines;
}
