// Slow and stalled subscribers (bounded resources): a client that stops
// reading costs the server a bounded backlog. jobLogs ends a client more than
// 10,000 lines behind with SLOW_CONSUMER and the offset to resume from; job
// states are latest-wins; readers beside stalled ones lose nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStandinRecord, STANDIN_BIN, standinSource, type StandinSettings } from '../../bench/lib/standin.js';
import { ADD_REPOSITORY, JOB_EVENTS } from '../helpers/documents.js';
import { gql } from '../helpers/graphql.js';
import { stallableSse, stallableWs, type StallableSubscription, type StreamResult } from '../helpers/stalled.js';
import { useServer } from '../helpers/use-server.js';

const LOGS = `subscription($id: ID!, $offset: Int) { jobLogs(id: $id, offset: $offset) { lineNumber content } }`;
/** a heavy selection (the first 1,000 log lines with every state), so a few states fill the kernel's socket buffers */
const PROGRESS = `subscription($id: ID!) { jobProgress(id: $id) {
  status progress { filesProcessed sampledAt } logs(offset: 0, limit: 1000) { lines { content } }
} }`;
const STATUS = `query($id: ID!) { job(id: $id) { status archiveName logs(limit: 0) { totalLines } } }`;
/**
 * Lines the stand-in writes per job: more than a stalled client's kernel
 * buffers (~4,000 of these long lines here) and its 10,000-line allowance hold.
 */
const FILE_LINES = 25_000;

/** A source folder whose path is ~900 characters, so each file_status line is too: kernel buffers fill after few lines. */
function longSource(root: string, settings: StandinSettings): string {
  const dir = path.join(root, ...['a', 'b', 'c', 'd'].map((c) => c.repeat(220)));
  mkdirSync(dir, { recursive: true });
  return standinSource(dir, settings);
}

/** Line numbers of the jobLogs results (those with data). */
const lineNumbers = (results: StreamResult[]) => results.filter((r) => r.data).map((r) => r.data!.jobLogs.lineNumber as number);

/** Whether `numbers` are from..to, each once, in order. */
function expectRange(numbers: number[], from: number, to: number): void {
  expect(numbers.length).toBe(to - from + 1);
  numbers.forEach((n, i) => {
    if (n !== from + i) throw new Error(`line ${n} at position ${i}, expected ${from + i}`);
  });
}

describe('slow subscribers', () => {
  // the stalled clients here must wait to be read again, not be closed as stalled (that has its own test)
  const { dir, server, client } = useServer('slow', { BORG_BIN: STANDIN_BIN, BORGQL_STALLED_CLIENT_TIMEOUT: '3600' });

  let repositories = 0;
  /** A job whose stand-in borg runs with `settings`; it prints no file line until `go()`. */
  async function waitingJob(settings: Omit<StandinSettings, 'goFile'>): Promise<{ id: string; go: () => void }> {
    const name = `r${repositories++}`;
    const goFile = path.join(dir, `go-${name}`);
    const source = longSource(path.join(dir, `source-${name}`), { ...settings, goFile });
    await gql(server.graphqlUrl, ADD_REPOSITORY, {
      input: { name, path: path.join(dir, `repo-${name}`), sourcePaths: [source], encryption: 'none', initialize: true },
    });
    const { startBackup } = await gql<{ startBackup: { job: { id: string } } }>(
      server.graphqlUrl,
      `mutation { startBackup(repository: "${name}") { ... on StartBackupSuccess { job { id } } } }`,
    );
    return { id: startBackup.job.id, go: () => writeFileSync(goFile, '') };
  }

  async function finished(id: string): Promise<{ status: string; archiveName: string; totalLines: number }> {
    let job!: { status: string; archiveName: string; logs: { totalLines: number } };
    await expect
      .poll(async () => (job = (await gql<{ job: typeof job }>(server.graphqlUrl, STATUS, { id })).job).status, { timeout: 120_000, interval: 200 })
      .toMatch(/^(COMPLETED|COMPLETED_WITH_WARNINGS|FAILED|CANCELLED)$/);
    return { status: job.status, archiveName: job.archiveName, totalLines: job.logs.totalLines };
  }

  /**
   * Reads a whole log over graphql-ws from `offset`, as a careful client
   * does: on SLOW_CONSUMER it subscribes again at resumeOffset. Returns the
   * line numbers and how many times it had to resume.
   */
  async function readLog(id: string, offset = 0): Promise<{ numbers: number[]; resumed: number }> {
    const numbers: number[] = [];
    let resumed = 0;
    for (let from = offset; ; resumed++) {
      const error = await new Promise<StreamResult['errors'] | null>((resolve, reject) => {
        client.subscribe<{ jobLogs: { lineNumber: number } }>(
          { query: LOGS, variables: { id, offset: from } },
          {
            next: (result) => void numbers.push(result.data!.jobLogs.lineNumber),
            error: (errors) =>
              Array.isArray(errors) ? resolve(errors as StreamResult['errors']) : reject(errors instanceof Error ? errors : new Error(JSON.stringify(errors))),
            complete: () => resolve(null),
          },
        );
      });
      if (!error) return { numbers, resumed };
      expect(error[0]?.extensions?.code).toBe('SLOW_CONSUMER');
      from = error[0]!.extensions!.resumeOffset as number;
      expect(from).toBe(numbers.at(-1) ?? offset);
    }
  }

  /** The stalled clients' part: once read again, lines 1..N in order, then SLOW_CONSUMER with resumeOffset N; resuming there gives the rest. */
  async function expectSlowConsumer(stalled: StallableSubscription, id: string, totalLines: number, resume = true): Promise<void> {
    stalled.resume();
    const results = await stalled.ended;
    const error = results.at(-1)?.errors?.[0];
    expect(error?.extensions?.code, JSON.stringify(results.at(-1))).toBe('SLOW_CONSUMER');
    const numbers = lineNumbers(results);
    expectRange(numbers, 1, numbers.length);
    expect(error?.extensions?.resumeOffset).toBe(numbers.length);
    expect(numbers.length).toBeLessThan(totalLines);
    if (!resume) return;
    const rest = await readLog(id, numbers.length);
    expectRange(rest.numbers, numbers.length + 1, totalLines);
  }

  it('5 stalled WebSocket clients get SLOW_CONSUMER with resumeOffset once read again, resuming there yields the rest exactly; a reader beside them gets every line', async () => {
    const job = await waitingJob({ intervalMs: [5, 5], durationMs: 3_600_000, fileStatusPerTick: [100, 100], bytesPerTick: 1e6, maxFiles: FILE_LINES });
    const stalled = await Promise.all(Array.from({ length: 5 }, () => stallableWs(server.wsUrl, LOGS, { id: job.id })));
    // each got the job's first line ("queued"): from here on it waits for live lines
    await Promise.all(stalled.map((s) => s.received(1)));
    for (const s of stalled) s.pause();
    const reader = readLog(job.id);
    job.go();
    const { totalLines } = await finished(job.id);
    expect(totalLines).toBeGreaterThan(FILE_LINES);
    const { numbers } = await reader;
    expectRange(numbers, 1, totalLines);
    // nothing listens to the finished job's log any more, not even the clients that stopped reading
    expect(server.app.services.pubsub.listenerCount('jobLog', Number(job.id))).toBe(0);
    for (const [i, s] of stalled.entries()) await expectSlowConsumer(s, job.id, totalLines, i === 0);
  }, 180_000);

  it('a stalled SSE client gets SLOW_CONSUMER with resumeOffset once read again, and resuming there yields the rest exactly', async () => {
    const job = await waitingJob({ intervalMs: [5, 5], durationMs: 3_600_000, fileStatusPerTick: [100, 100], bytesPerTick: 1e6, maxFiles: FILE_LINES });
    const stalled = await stallableSse(server.graphqlUrl, LOGS, { id: job.id });
    await stalled.received(1);
    stalled.pause();
    job.go();
    const { totalLines } = await finished(job.id);
    await expectSlowConsumer(stalled, job.id, totalLines);
  }, 180_000);

  it.each([
    ['WebSocket', stallableWs],
    ['SSE', stallableSse],
  ] as const)(
    'a stalled jobProgress client over %s gets the newest state when read again, not a queue of old ones: the final state, then completion',
    async (_transport, subscribe) => {
      const job = await waitingJob({ intervalMs: [1, 1], durationMs: 3_600_000, fileStatusPerTick: [2, 2], bytesPerTick: 1e6, maxFiles: 3000 });
      const url = subscribe === stallableWs ? server.wsUrl : server.graphqlUrl;
      const stalled = await subscribe(url, PROGRESS, { id: job.id });
      await stalled.received(1);
      stalled.pause();
      job.go();
      const { status, archiveName } = await finished(job.id);
      expect(status).toBe('COMPLETED');
      stalled.resume();
      const states = await stalled.ended;
      expect(states.every((s) => !s.errors)).toBe(true);
      expect((states.at(-1)?.data?.jobProgress as { status?: string } | undefined)?.status).toBe('COMPLETED');
      // every archive_progress line borg wrote was a state change; the stalled client got far fewer
      const progressLines = readStandinRecord(path.join(dir, `repo-r${repositories - 1}`), archiveName).length;
      expect(progressLines).toBeGreaterThan(1000);
      expect(states.length).toBeLessThan(progressLines / 2);
    },
  );

  it('a WebSocket that does not read while its operations queue more than 16 MiB of results in the server is closed', async () => {
    const job = await waitingJob({ intervalMs: [0, 0], durationMs: 3_600_000, fileStatusPerTick: [1000, 1000], bytesPerTick: 1e6, maxFiles: 12_000 });
    job.go();
    await finished(job.id);
    // the state of the finished job with its first 10,000 log lines of ~900 characters: ~9 MB, 3 times
    const heavy = `subscription($id: ID!) { jobProgress(id: $id) { status logs(offset: 0, limit: 10000) { lines { content } } } }`;
    const { pubsub } = server.app.services;
    const before = pubsub.listenerCount('jobs', 'all');
    // first a jobEvents subscription: it listens for as long as the connection lives
    const stalled = await stallableWs(server.wsUrl, JOB_EVENTS, {});
    await expect.poll(() => pubsub.listenerCount('jobs', 'all')).toBe(before + 1);
    stalled.pause();
    for (let i = 0; i < 3; i++) stalled.subscribe(heavy, { id: job.id });
    // the server closes it while it does not read (at the second or third state queued): its jobEvents listener goes
    await expect.poll(() => pubsub.listenerCount('jobs', 'all'), { timeout: 20_000 }).toBe(before);
    stalled.resume();
    await expect(stalled.ended).rejects.toThrow(/WebSocket closed/);
  });
});

describe('stalled WebSocket connections', () => {
  // pings every second; a socket that has not answered by the next ping is terminated
  const { server } = useServer('stalled', { BORGQL_STALLED_CLIENT_TIMEOUT: '2' });

  it('a WebSocket that stops reading is closed by the server (its pings go unanswered); one that reads stays open', async () => {
    const { pubsub } = server.app.services;
    const EVENTS = 'subscription { jobEvents { id status } }';
    const before = pubsub.listenerCount('jobs', 'all');
    const reading = await stallableWs(server.wsUrl, EVENTS, {});
    const stalled = await stallableWs(server.wsUrl, EVENTS, {});
    await expect.poll(() => pubsub.listenerCount('jobs', 'all')).toBe(before + 2);
    stalled.pause();
    // closing the socket ends its subscription: one listener left, the reader's (it answered the same pings);
    // within 10 s: the configured 2 s, not graphql-ws's default of 12–24 s
    await expect.poll(() => pubsub.listenerCount('jobs', 'all'), { timeout: 10_000 }).toBe(before + 1);
    stalled.resume();
    await expect(stalled.ended).rejects.toThrow(/WebSocket closed/);
    reading.close();
    await expect.poll(() => pubsub.listenerCount('jobs', 'all')).toBe(before);
  });
});
