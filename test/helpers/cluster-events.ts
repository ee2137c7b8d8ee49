// Shared pieces of the cross-node event tests: a job row as the job domain
// announces it, a unique Redis prefix per run, and two "nodes" (a pubsub
// each) joined through real Redis.
import { randomBytes } from 'node:crypto';
import { PubSub } from '../../src/events/pubsub.js';
import type { JobTopics } from '../../src/events/topics.js';
import { RedisBus } from '../../src/events/redis-bus.js';
import { wireEvents, type ReadJob } from '../../src/events/wiring.js';
import { createJobEvents } from '../../src/jobs/job-events.js';
import type { JobWithRepository } from '../../src/jobs/live-job.js';

/** The local Redis service of the tests (REDIS_URL for these tests: BORGQL_TEST_REDIS_URL). */
export const TEST_REDIS_URL = process.env.BORGQL_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** A prefix no other test run uses: channels are `<prefix>:topics` and `<prefix>:control`. */
export const uniquePrefix = (): string => `borgql-test-${randomBytes(6).toString('hex')}`;

/** A job row with every kind of field: Dates, BigInts, nulls, and a repository with an encrypted passphrase. */
export function jobRow(id: number, fields: Partial<JobWithRepository> = {}): JobWithRepository {
  return {
    id,
    repositoryId: 7,
    repositoryPath: '/srv/repo',
    status: 'RUNNING',
    trigger: 'MANUAL',
    scheduleId: null,
    archiveName: `borgql-${id}-2026-12-02T14:00:00`,
    createdAt: new Date('2026-12-02T14:00:00.123Z'),
    startedAt: new Date('2026-12-02T14:00:01.456Z'),
    completedAt: null,
    percent: 12.5,
    originalSize: 9_007_199_254_740_993n,
    compressedSize: 123n,
    deduplicatedSize: 0n,
    filesProcessed: 42,
    currentFile: '/data/ünïcödé\nline "quoted" \\ back',
    speedMBps: 1.25,
    etaSeconds: null,
    totalExpectedSize: null,
    progressSampledAt: new Date(1_764_684_000_789),
    errorMessage: null,
    exitCode: null,
    maintenanceStatus: null,
    logLineCount: 17,
    borgPid: 4242,
    logsExpired: false,
    requestedSourcePaths: null,
    requestedArchiveName: null,
    retryOfId: null,
    kind: 'BACKUP',
    destination: null,
    paths: null,
    dryRun: false,
    overwrite: false,
    verifyData: false,
    problemsFound: null,
    node: 'node-b',
    runningRepositoryId: 7,
    cancelRequestedAt: null,
    repository: {
      id: 7,
      name: 'repo',
      path: '/srv/repo',
      sourcePaths: '["/data"]',
      excludePatterns: '[]',
      passphrase: 'borgql-secret:v1:c2VjcmV0LWNpcGhlcnRleHQ',
      passcommand: null,
      encryption: 'repokey-blake2',
      compression: 'lz4',
      lockWaitSeconds: 5,
      keepWithin: null,
      keepLast: null,
      keepHourly: null,
      keepDaily: 7,
      keepWeekly: null,
      keepMonthly: null,
      keepYearly: null,
      compact: true,
      removedAt: null,
      createdAt: new Date('2026-01-01T00:00:00.000Z'),
      updatedAt: new Date('2026-12-01T10:00:00.001Z'),
      listFilter: 'AME',
      staleAfter: null,
      staleRaisedAt: null,
      node: 'node-b',
    },
    ...fields,
  };
}

/** One node's side: its pubsub, job events and bus, wired as services.ts wires them. */
export interface TestNode {
  bus: RedisBus;
  pubsub: PubSub<JobTopics>;
  jobEvents: ReturnType<typeof createJobEvents>;
  logEvents: ReturnType<typeof wireEvents>['logEvents'];
  warnings: string[];
}

/** A node on `prefix`, connected (`url` defaults to the test Redis). */
export async function testNode(prefix: string, nodeName: string, options: { url?: string; readJob?: ReadJob } = {}): Promise<TestNode> {
  const warnings: string[] = [];
  const bus = new RedisBus({ url: options.url ?? TEST_REDIS_URL, prefix, nodeName, warn: (message) => warnings.push(message) });
  const pubsub = new PubSub<JobTopics>();
  const jobEvents = createJobEvents();
  const { logEvents } = wireEvents(jobEvents, pubsub, bus, options.readJob);
  await bus.connect();
  return { bus, pubsub, jobEvents, logEvents, warnings };
}

/** Resolves once `check` holds, polling every 10 ms; rejects after `ms` (a test that waits for what never comes fails). */
export async function until(check: () => boolean, ms = 10_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
