import type { PrismaClient } from '../db/client.js';
import type { EventRecord } from '../domain/event-types.js';
import { JobStatus } from '../domain/job-status.js';
import type { LogStore } from '../logs/log-store.js';
import type { JobEvents } from './job-events.js';
import { appendEvents, eventsOfChange } from './job-outbox.js';
import type { JobUpdate, JobWithRepository } from './live-job.js';

/** What ends a job this process does not hold. */
export interface ForeignEndDeps {
  prisma: PrismaClient;
  logs: LogStore;
  events: JobEvents;
}

/** Which job to end, from which state, into which. */
export interface ForeignEnd {
  jobId: number;
  /** the status the job must still have (the condition of the update) */
  from: typeof JobStatus.PENDING | typeof JobStatus.RUNNING;
  /** for a RUNNING job: the node it must still run on (a job it ended, or a namesake took over, is left alone) */
  node?: string;
  status: JobStatus;
  errorMessage: string | null;
  /** lines for the job's log, before its closing `job <status>` line */
  notes: { content: string; level: string }[];
  /** extra columns (cancelRequestedAt) */
  extra?: JobUpdate;
}

/**
 * Ends a job another node holds or held (a dead node's RUNNING job, a queued
 * job cancelled here): one update conditional on its status (and node), so
 * when two nodes try at once exactly one wins and the job's events are
 * written once, in the same transaction. The winner appends the notes to the
 * job's log after its last stored line, and announces the new state
 * (`changed`, `recorded`) so subscribers see it. Returns the ended job, or
 * null when the condition no longer held (someone else ended or claimed it).
 */
export function endForeignJob(deps: ForeignEndDeps, end: ForeignEnd, now = new Date()): Promise<JobWithRepository | null> {
  const ending = endsInThisProcess.then(() => endNow(deps, end, now));
  endsInThisProcess = ending.catch(() => undefined);
  return ending;
}

/**
 * Foreign ends of this process, one after the other. The log store writes
 * synchronously, on this thread: a second end of the same job racing in this
 * process (two sweepers, a sweep and a cancel) could hold or queue for the
 * job's row in its transaction while the first one's log write waits for
 * that row, and neither could go on until the transaction timed out. Across
 * processes the conditional update alone settles the race.
 */
let endsInThisProcess: Promise<unknown> = Promise.resolve();

async function endNow(deps: ForeignEndDeps, end: ForeignEnd, now: Date): Promise<JobWithRepository | null> {
  const fields: JobUpdate = {
    status: end.status,
    errorMessage: end.errorMessage,
    completedAt: now,
    runningRepositoryId: null,
    borgPid: null,
    speedMBps: 0,
    etaSeconds: null,
    currentFile: null,
    ...end.extra,
  };
  const ended = await deps.prisma.$transaction(async (tx) => {
    const before = await tx.backupJob.findUnique({ where: { id: end.jobId } });
    if (!before) return null;
    // one conditional statement decides the race: a second node's update waits for the first, then matches nothing
    // and holds no lock (Prisma's updateMany may read ids first and update by id, which would end the job twice)
    const won =
      end.node === undefined
        ? await tx.$executeRaw`UPDATE "BackupJob" SET "status" = ${end.status}, "runningRepositoryId" = NULL WHERE "id" = ${end.jobId} AND "status" = ${end.from}`
        : await tx.$executeRaw`UPDATE "BackupJob" SET "status" = ${end.status}, "runningRepositoryId" = NULL WHERE "id" = ${end.jobId} AND "status" = ${end.from} AND "node" = ${end.node}`;
    if (won === 0) return null;
    // the row is this transaction's now: the other columns go through Prisma, the events with them
    await tx.backupJob.update({ where: { id: end.jobId }, data: fields });
    return { events: await appendEvents(tx, eventsOfChange({ ...before, status: end.from }, fields, now)) };
  });
  if (!ended) return null;
  writeNotes(deps.logs, end);
  const row = await deps.prisma.backupJob.findUniqueOrThrow({ where: { id: end.jobId }, include: { repository: true } });
  deps.events.emit('changed', row);
  ended.events.forEach((event: EventRecord) => deps.events.emit('recorded', event));
  return row;
}

/** Appends the notes and the closing line; a log that cannot be written now (disk full) is reported by the store, not thrown: the job's end stands. */
function writeNotes(logs: LogStore, end: ForeignEnd): void {
  try {
    const log = logs.writer(end.jobId);
    for (const note of end.notes) log.append(note.content, note.level);
    log.append(`job ${end.status.toLowerCase()}`, 'INFO');
    log.close();
  } catch {
    // the store reports write failures through its onError; the state above is what matters
  }
}
