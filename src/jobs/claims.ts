import { setTimeout as sleep } from 'node:timers/promises';
import type { BackupJob, PrismaClient } from '../db/client.js';
import type { EventRecord } from '../domain/event-types.js';
import { JobStatus } from '../domain/job-status.js';
import { appendEvents, eventsOfChange } from './job-outbox.js';

/** The columns a claim sets: the job's RUNNING state on this node. */
export type ClaimFields = Pick<BackupJob, 'status' | 'node' | 'runningRepositoryId' | 'startedAt'>;

/**
 * What a claim of a PENDING job got (DESIGN "Scale-out", Claims):
 * - `claimed`: the job is RUNNING on this node; its JOB_STARTED event is in the log,
 * - `gone`: it is not PENDING any more (cancelled on another node, claimed by a namesake process) or a cancel is asked,
 * - `busy`: the repository still has a RUNNING job (the previous one's final write has not landed): try again shortly.
 */
export type ClaimResult = { kind: 'claimed'; fields: ClaimFields; events: EventRecord[] } | { kind: 'gone' } | { kind: 'busy' };

/** Whether an error is the unique index on runningRepositoryId refusing a second running job. */
function isUniqueViolation(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'P2002' || (typeof message === 'string' && /unique constraint|UNIQUE constraint failed|23505/i.test(message));
}

/**
 * Claims a PENDING job for `node` in one transaction: on PostgreSQL the row is
 * locked first with `FOR UPDATE SKIP LOCKED` (a row another claimer or a
 * canceller holds is skipped: that one settles it), then the update is
 * conditional on PENDING and no cancel asked, and sets runningRepositoryId,
 * whose unique index makes the database itself refuse a second running job
 * on the repository (`busy`). SQLite serialises writers, so the conditional
 * update alone decides there. The JOB_STARTED event is appended in the same
 * transaction: it exists exactly when the claim committed.
 *
 * `pending` is the job's PENDING row as the caller holds it: the update's
 * condition checks what could have changed since (its status, a cancel), so
 * the row is not read again. Each statement costs a millisecond or more
 * through Prisma, and a claim stands between a user's startBackup and borg.
 */
export async function claimJob(prisma: PrismaClient, postgres: boolean, pending: BackupJob, node: string | null, now = new Date()): Promise<ClaimResult> {
  const jobId = pending.id;
  try {
    return await prisma.$transaction(async (tx) => {
      if (postgres) {
        const locked = await tx.$queryRaw<
          { id: number }[]
        >`SELECT "id" FROM "BackupJob" WHERE "id" = ${jobId} AND "status" = 'PENDING' AND "cancelRequestedAt" IS NULL FOR UPDATE SKIP LOCKED`;
        if (locked.length === 0) return { kind: 'gone' } as const;
      }
      const fields: ClaimFields = { status: JobStatus.RUNNING, node, runningRepositoryId: pending.repositoryId, startedAt: now };
      const { count } = await tx.backupJob.updateMany({ where: { id: jobId, status: JobStatus.PENDING, cancelRequestedAt: null }, data: fields });
      if (count === 0) return { kind: 'gone' } as const;
      const before = { ...pending, status: JobStatus.PENDING, cancelRequestedAt: null };
      const events = await appendEvents(tx, eventsOfChange(before, fields, now));
      return { kind: 'claimed', fields, events } as const;
    });
  } catch (error) {
    if (isUniqueViolation(error)) return { kind: 'busy' };
    throw error;
  }
}

/** Delays between claims of a job whose repository is still busy: short at first (a final write lands in ms), bounded. */
const BUSY_DELAYS_MS = [20, 50, 100, 200, 500, 1000];

/**
 * Claims a job, retrying while its repository is busy or the database does
 * not answer (bounded backoff, at most a second between tries; a failure is
 * reported through `onError`: the job stays PENDING, as no node can claim it
 * then either) until it is claimed, gone, or `signal` aborts (a cancel while
 * waiting: then `busy` is returned and the caller ends the job as cancelled).
 */
export async function claimWhenFree(
  prisma: PrismaClient,
  postgres: boolean,
  pending: BackupJob,
  node: string | null,
  signal: AbortSignal,
  onError: (error: unknown) => void,
): Promise<ClaimResult> {
  for (let attempt = 0; ; attempt++) {
    let result: ClaimResult = { kind: 'busy' };
    try {
      result = await claimJob(prisma, postgres, pending, node);
    } catch (error) {
      onError(error);
    }
    if (result.kind !== 'busy' || signal.aborted) return result;
    await sleep(BUSY_DELAYS_MS[Math.min(attempt, BUSY_DELAYS_MS.length - 1)], undefined, { signal }).catch(() => undefined);
    if (signal.aborted) return result;
  }
}
