/**
 * Watching a job's progress the way a dashboard does (graphql-ws
 * `jobProgress`), stamping each payload on arrival, and turning what one
 * subscriber saw into progress events with their latency.
 */
import type { Client } from 'graphql-ws';
import { startBackup } from './borgql.js';
import { subscribe, type GraphQLClient } from './graphql.js';
import { sampledAtOf, type StandinLine } from './standin.js';

/** What a progress display selects. */
export const WATCH = `subscription Watch($id: ID!) {
  jobProgress(id: $id) {
    id status archiveName errorMessage
    progress { percent originalSize compressedSize deduplicatedSize filesProcessed currentFile speedMBps etaSeconds sampledAt }
  }
}`;

/**
 * The outside fan-out harness's document (`status progress { originalSize }`)
 * plus `sampledAt`, without which an event cannot be matched to the line.
 */
export const MINIMAL = `subscription Minimal($id: ID!) {
  jobProgress(id: $id) { status progress { originalSize sampledAt } }
}`;

/** A job list row: a third selection, so mixed subscribers share fewer executions. */
export const LIST_ROW = `subscription Row($id: ID!) {
  jobProgress(id: $id) { id status archiveName errorMessage progress { percent originalSize sampledAt etaSeconds } }
}`;

/** One `jobProgress` payload as a subscriber received it (only what the benchmarks check). */
export interface Payload {
  /** Date.now() when the client handed it over (wall clock, the same clock borg stamps with) */
  receivedAt: number;
  status: string;
  archiveName: string | null;
  errorMessage: string | null;
  sampledAt: string | null;
  originalSize: number;
}

/** A subscription in progress. */
export interface Watch {
  /** resolves with the first payload (the state replayed at subscription) */
  first: Promise<void>;
  /** every payload, once the server completed the subscription (the job ended) */
  done: Promise<Payload[]>;
}

/**
 * Subscribes to `jobProgress(id)` with `document` (one of WATCH, MINIMAL,
 * LIST_ROW: each selects status and `progress { originalSize sampledAt }`)
 * and keeps every payload with its arrival time.
 */
export function watchProgress(ws: Client, jobId: string, document: string = WATCH): Watch {
  const payloads: Payload[] = [];
  let onFirst!: () => void;
  const first = new Promise<void>((resolve) => (onFirst = resolve));
  type Data = {
    jobProgress: { status: string; archiveName?: string | null; errorMessage?: string | null; progress: { sampledAt: string | null; originalSize: number } };
  };
  const done = subscribe<Data>(ws, document, { id: jobId }, ({ jobProgress: job }) => {
    // stamped first: everything after this line is the client's own time
    const receivedAt = Date.now();
    const { status, archiveName, errorMessage, progress } = job;
    payloads.push({
      receivedAt,
      status,
      archiveName: archiveName ?? null,
      errorMessage: errorMessage ?? null,
      sampledAt: progress.sampledAt,
      originalSize: progress.originalSize,
    });
    if (payloads.length === 1) onFirst();
  }).then(() => payloads);
  // a subscription that fails before its first payload must not leave `first` hanging
  done.catch(() => onFirst());
  return { first, done };
}

/** What {@link watchBackup} saw. */
export interface WatchedBackup {
  jobId: string;
  /** the archive borg (or the stand-in) wrote */
  archiveName: string;
  /** each client's payloads, in the order of `clients` */
  payloads: Payload[][];
}

/**
 * Starts a backup, subscribes every client to it, calls `go` once all of
 * them received their first payload (with a stand-in waiting for a go file,
 * every subscriber is then in place before the first progress line), and
 * resolves with each client's payloads after the job ended. Client `i`
 * subscribes with `documentOf(i)` (default: WATCH for all).
 * Throws unless every subscriber saw it end COMPLETED.
 */
export async function watchBackup(
  http: GraphQLClient,
  clients: readonly Client[],
  repository: string,
  go: () => void = () => undefined,
  documentOf: (client: number) => string = () => WATCH,
): Promise<WatchedBackup> {
  const jobId = await startBackup(http, repository);
  const watches = clients.map((ws, i) => watchProgress(ws, jobId, documentOf(i)));
  await Promise.all(watches.map((w) => w.first));
  go();
  const payloads = await Promise.all(watches.map((w) => w.done));
  const finals = payloads.map((p) => p.at(-1));
  const wrong = finals.find((p) => p?.status !== 'COMPLETED');
  if (wrong !== undefined || finals.length === 0)
    throw new Error(`job ${jobId} ended ${wrong?.status ?? 'unseen'} for a subscriber: ${wrong?.errorMessage ?? ''}`);
  // not every document selects archiveName
  return { jobId, archiveName: finals.find((p) => p?.archiveName)?.archiveName ?? '', payloads };
}

/** One progress event (an archive_progress line) as one subscriber saw it first. */
export interface LiveEvent {
  sampledAt: string;
  originalSize: number;
  /** arrival − borg's `time` (both wall clock, ms resolution) */
  latencyMs: number;
}

/**
 * The progress events in a subscriber's payloads: each payload whose
 * `sampledAt` differs from the one before, after the first payload (that
 * one replays the state at subscription time, it is not a live event).
 * Other changes (status, pre-scan total) keep `sampledAt` and do not count.
 */
export function liveEvents(payloads: readonly Payload[]): LiveEvent[] {
  const events: LiveEvent[] = [];
  let previous = payloads[0]?.sampledAt ?? null;
  for (const p of payloads.slice(1)) {
    if (p.sampledAt === null || p.sampledAt === previous) continue;
    previous = p.sampledAt;
    events.push({ sampledAt: p.sampledAt, originalSize: p.originalSize, latencyMs: p.receivedAt - Date.parse(p.sampledAt) });
  }
  return events;
}

/** How one subscriber's events compare with what the stand-in wrote. */
export interface Delivery {
  /** archive_progress lines the stand-in wrote */
  written: number;
  /** of those, received with the same sampledAt and originalSize */
  received: number;
  /** written but never received */
  lost: number;
  /** received events that match no written line (or arrived out of order) */
  wrong: number;
}

/** Matches a subscriber's events one to one, in order, against the stand-in's record. */
export function compareWithRecord(events: readonly LiveEvent[], record: readonly StandinLine[]): Delivery {
  const stamps = record.map((line) => sampledAtOf(line.time));
  let matched = 0;
  let next = 0;
  for (const event of events) {
    // the next written line this event can be; skipping ahead means lines in between were lost
    let i = next;
    while (i < record.length && stamps[i] !== event.sampledAt) i++;
    if (i < record.length && (record[i] as StandinLine).original_size === event.originalSize) {
      matched++;
      next = i + 1;
    }
  }
  return { written: record.length, received: matched, lost: record.length - matched, wrong: events.length - matched };
}
