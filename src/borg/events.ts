/**
 * Typed events parsed from one line of borg's stderr when it runs with
 * `--log-json` (see docs/borg.md). Sizes are bytes; `time` is borg's
 * Unix timestamp in seconds.
 */
export type BorgEvent = ArchiveProgressEvent | ProgressMessageEvent | ProgressPercentEvent | FileStatusEvent | LogMessageEvent | TextLineEvent;

/** `archive_progress`: sizes so far; the last one has `finished: true` and no sizes. */
export interface ArchiveProgressEvent {
  type: 'archive_progress';
  finished: boolean;
  originalSize: number | null;
  compressedSize: number | null;
  deduplicatedSize: number | null;
  nfiles: number | null;
  path: string | null;
  time: number | null;
}

/** `progress_message`: a step such as `cache.begin_transaction`. */
export interface ProgressMessageEvent {
  type: 'progress_message';
  message: string | null;
  msgid: string | null;
  finished: boolean;
  time: number | null;
}

/** `progress_percent`: counted steps (prune, compact, cache sync), and extract's bytes (msgid `extract`). */
export interface ProgressPercentEvent {
  type: 'progress_percent';
  message: string | null;
  msgid: string | null;
  current: number | null;
  total: number | null;
  /** extract: `[the path being extracted]`; null for other steps */
  info: string[] | null;
  finished: boolean;
  time: number | null;
}

/** `file_status` (only with `--list`): status letter A M U d E C s x - and the path. */
export interface FileStatusEvent {
  type: 'file_status';
  status: string;
  path: string;
}

/** `log_message`: borg's logging; errors carry a `msgid` such as `PassphraseWrong`. */
export interface LogMessageEvent {
  type: 'log_message';
  level: string;
  name: string;
  message: string;
  msgid: string | null;
  time: number | null;
}

/**
 * Any line that is not a JSON object borg documents: argparse errors, the
 * getpass prompt, unknown JSON types. Kept verbatim so nothing is lost.
 */
export interface TextLineEvent {
  type: 'text';
  line: string;
}
