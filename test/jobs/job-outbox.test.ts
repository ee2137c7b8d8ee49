import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSqlitePrismaClient, type BackupJob, type PrismaClient } from '../../src/db/client.js';
import { eventsOfChange, writeJobState } from '../../src/jobs/job-outbox.js';
import { logDatabases, newJob } from '../helpers/log-db.js';

const databases = logDatabases('outbox');
const clients: PrismaClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.$disconnect()));
  databases.closeAll();
});
afterAll(() => databases.remove());

const row = (fields: Partial<BackupJob> = {}) =>
  ({
    id: 7,
    repositoryId: 1,
    repositoryPath: '/srv/repo',
    status: 'PENDING',
    trigger: 'MANUAL',
    scheduleId: null,
    archiveName: null,
    createdAt: new Date(),
    startedAt: null,
    completedAt: null,
    percent: 0,
    originalSize: 0n,
    compressedSize: 0n,
    deduplicatedSize: 0n,
    filesProcessed: 0,
    currentFile: null,
    speedMBps: 0,
    etaSeconds: null,
    totalExpectedSize: null,
    progressSampledAt: null,
    errorMessage: null,
    exitCode: null,
    maintenanceStatus: null,
    logLineCount: 0,
    borgPid: null,
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
    node: null,
    runningRepositoryId: null,
    cancelRequestedAt: null,
    ...fields,
  }) satisfies BackupJob;

describe('eventsOfChange: which job changes raise an event', () => {
  it('a move to RUNNING and to each terminal status, with the job as REST shows it after the change', () => {
    expect(eventsOfChange(row(), { status: 'RUNNING' }).map((event) => event.type)).toEqual(['JOB_STARTED']);
    const [failed] = eventsOfChange(row({ status: 'RUNNING' }), { status: 'FAILED', errorMessage: 'boom' });
    expect(failed).toMatchObject({ type: 'JOB_FAILED', jobId: 7, repositoryId: 1 });
    expect(JSON.parse(failed!.payload)).toMatchObject({ job: { id: 7, status: 'failed', error_message: 'boom' } });
    for (const [status, type] of [
      ['COMPLETED', 'JOB_COMPLETED'],
      ['COMPLETED_WITH_WARNINGS', 'JOB_COMPLETED_WITH_WARNINGS'],
      ['CANCELLED', 'JOB_CANCELLED'],
    ]) {
      expect(eventsOfChange(row({ status: 'RUNNING' }), { status }).map((event) => event.type)).toEqual([type]);
    }
  });

  it('progress, a repeated status and maintenance steps that did not fail raise nothing; prune or compact failing does', () => {
    expect(eventsOfChange(row({ status: 'RUNNING' }), { percent: 50, status: 'RUNNING' })).toEqual([]);
    expect(eventsOfChange(row({ status: 'RUNNING' }), { maintenanceStatus: 'running_prune' })).toEqual([]);
    expect(eventsOfChange(row({ status: 'RUNNING' }), { maintenanceStatus: 'prune_failed' }).map((event) => event.type)).toEqual(['MAINTENANCE_FAILED']);
    // recovery ends a job and marks its compact failed in one write: both events
    expect(eventsOfChange(row({ status: 'RUNNING' }), { status: 'COMPLETED', maintenanceStatus: 'compact_failed' }).map((event) => event.type)).toEqual([
      'JOB_COMPLETED',
      'MAINTENANCE_FAILED',
    ]);
  });
});

describe('writeJobState: the state and its events in one transaction', () => {
  it('writes both, or neither when the event cannot be written', async () => {
    const { file, db } = databases.fresh();
    const prisma = createSqlitePrismaClient(`file:${file}`);
    clients.push(prisma);
    const id = newJob(db, { status: 'RUNNING' });
    const before = await prisma.backupJob.findUniqueOrThrow({ where: { id } });
    const fields = { status: 'FAILED', errorMessage: 'boom' };

    db.exec(`CREATE TRIGGER fail_events BEFORE INSERT ON Event BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    await expect(writeJobState(prisma, id, fields, eventsOfChange(before, fields))).rejects.toThrow();
    expect((await prisma.backupJob.findUniqueOrThrow({ where: { id } })).status).toBe('RUNNING');
    expect(await prisma.event.count()).toBe(0);

    db.exec('DROP TRIGGER fail_events');
    const [recorded] = await writeJobState(prisma, id, fields, eventsOfChange(before, fields));
    expect((await prisma.backupJob.findUniqueOrThrow({ where: { id } })).status).toBe('FAILED');
    expect(await prisma.event.findMany()).toEqual([
      expect.objectContaining({ sequence: recorded!.sequence, type: 'JOB_FAILED', jobId: id, dispatched: false }),
    ]);
  });
});
