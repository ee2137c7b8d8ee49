import { performance } from 'node:perf_hooks';
import type { Client } from 'graphql-ws';
import { isTerminal, type JobStatus } from '../../src/domain/job-status.js';
import { subscribe, type GraphQLClient } from './graphql.js';

const ADD = `mutation Add($input: AddRepositoryInput!) {
  addRepository(input: $input) {
    __typename
    ... on AddRepositorySuccess { repository { id path } }
    ... on Error { message }
  }
}`;
const START = `mutation Start($repository: String!) {
  startBackup(repository: $repository) {
    __typename
    ... on StartBackupSuccess { job { id } }
    ... on Error { message }
  }
}`;
const PROGRESS = `subscription Progress($id: ID!) {
  jobProgress(id: $id) { status errorMessage progress { filesProcessed originalSize } }
}`;

/** The job state the benchmarks read from `jobProgress`. */
export interface JobState {
  status: JobStatus;
  errorMessage: string | null;
  progress: { filesProcessed: number; originalSize: number };
}

/** A mutation's result union as these helpers select it. */
type MutationResult<K extends string, T> = { __typename: string; message?: string } & { [key in K]?: T };

/** `addRepository`; throws with the typed error's message unless it succeeded. */
export async function addRepository(http: GraphQLClient, input: Record<string, unknown>): Promise<{ id: string; path: string }> {
  const { addRepository: result } = await http.request<{ addRepository: MutationResult<'repository', { id: string; path: string }> }>(ADD, { input });
  if (result.__typename !== 'AddRepositorySuccess') throw new Error(`addRepository: ${result.__typename}: ${result.message}`);
  return result.repository!;
}

/** `startBackup`; returns the new job's id, throws with the typed error's message otherwise. */
export async function startBackup(http: GraphQLClient, repository: string): Promise<string> {
  const { startBackup: result } = await http.request<{ startBackup: MutationResult<'job', { id: string }> }>(START, { repository });
  if (result.__typename !== 'StartBackupSuccess') throw new Error(`startBackup: ${result.__typename}: ${result.message}`);
  return result.job!.id;
}

/** What {@link timedBackup} measured. */
export interface TimedBackup {
  jobId: string;
  /** from sending `startBackup` to the subscriber receiving the terminal state */
  ms: number;
  /** the same two moments on the wall clock (Date.now()), to compare with the job log's times */
  sentAt: number;
  endedAt: number;
  /** the terminal state as the subscriber received it */
  job: JobState;
  /** `jobProgress` payloads received, the terminal one included */
  payloads: number;
}

/**
 * Starts a backup and watches it over graphql-ws, the way a client would:
 * subscribe right after the mutation returned the job id (the subscription
 * replays the current state first, so nothing is missed). The clock stops at
 * the first terminal payload, before graphql-ws's own `complete` message.
 */
export async function timedBackup(http: GraphQLClient, ws: Client, repository: string): Promise<TimedBackup> {
  const sentAt = Date.now();
  const started = performance.now();
  const jobId = await startBackup(http, repository);
  let ms = 0;
  let endedAt = 0;
  let payloads = 0;
  let final = null as JobState | null;
  await subscribe<{ jobProgress: JobState }>(ws, PROGRESS, { id: jobId }, ({ jobProgress }) => {
    payloads++;
    if (!isTerminal(jobProgress.status)) return;
    ms = performance.now() - started;
    endedAt = Date.now();
    final = jobProgress;
    return true;
  });
  if (!final) throw new Error(`job ${jobId}: subscription ended before a terminal status`);
  return { jobId, ms, sentAt, endedAt, job: final, payloads };
}
