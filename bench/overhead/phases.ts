/**
 * Where an API run's time goes, from the job's own log: borgql notes
 * `borg create …` right after it spawned borg and `borg create exited …`
 * once borg's output was read (src/jobs/runner.ts), each with its time.
 * Against the client's clock (the same machine's wall clock) that splits a
 * run into what borgql did before borg, borg under borgql, and what it did
 * after borg until the subscriber saw the end: the fixed cost per job is
 * the first and the last part.
 */
import type { GraphQLClient } from '../lib/graphql.js';
import type { TimedBackup } from '../lib/borgql.js';

/** One API run, split (ms; ±1 ms: log times have millisecond resolution). */
export interface RunPhases {
  /** startBackup sent → the `borg create …` note (job created, queued, claimed, RUNNING written, argv built) */
  beforeBorg: number;
  /** the note → `borg create exited …` (spawn, borg, its output read to the end) */
  borg: number;
  /** exit note → the subscriber received the terminal status (final writes, end of job, publishing, the WebSocket) */
  afterBorg: number;
}

const LOGS = `query Phases($id: ID!, $offset: Int, $limit: Int) { job(id: $id) { logs(offset: $offset, limit: $limit) { totalLines lines { time content } } } }`;
type Page = { job: { logs: { totalLines: number; lines: { time: string | null; content: string }[] } } | null };

async function page(http: GraphQLClient, id: string, offset: number, limit: number): Promise<Page['job']> {
  return (await http.request<Page>(LOGS, { id, offset, limit })).job;
}

/** The phases of a finished run, or null when its log does not hold both notes (then nothing is claimed). */
export async function runPhases(http: GraphQLClient, run: TimedBackup): Promise<RunPhases | null> {
  const first = await page(http, run.jobId, 0, 20);
  const total = first?.logs.totalLines ?? 0;
  const last = await page(http, run.jobId, Math.max(0, total - 20), 20);
  const spawnLine = first?.logs.lines.find((l) => l.content.startsWith('borg create '));
  const exitLine = [...(last?.logs.lines ?? [])].reverse().find((l) => l.content.startsWith('borg create exited'));
  if (!spawnLine?.time || !exitLine?.time) return null;
  const spawned = Date.parse(spawnLine.time);
  const exited = Date.parse(exitLine.time);
  return { beforeBorg: spawned - run.sentAt, borg: exited - spawned, afterBorg: run.endedAt - exited };
}
