import type { BackupJob, PrismaClient } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import { eventOfStatus, isMaintenanceFailure, EventType, type EventRecord, type NewEvent } from '../domain/event-types.js';
import { jobJsonOfRow } from '../domain/job-json.js';
import { keyOf } from '../db/advisory-locks.js';

/** Columns of a job a state write sets (LiveJob's JobUpdate). */
type JobColumns = Partial<Omit<BackupJob, 'id'>>;

/**
 * The events a change of a job raises (README "Notifications"): JOB_STARTED
 * on RUNNING, JOB_COMPLETED… on the terminal status, MAINTENANCE_FAILED when
 * prune or compact failed. Each carries the job as REST shows it after the
 * change, so a delivery sent after a restart tells what was committed.
 */
export function eventsOfChange(before: BackupJob, fields: JobColumns, now = new Date()): NewEvent[] {
  const after = { ...before, ...fields };
  const types: EventType[] = [];
  if (fields.status !== undefined && fields.status !== before.status) {
    const type = eventOfStatus(fields.status);
    if (type) types.push(type);
  }
  if (fields.maintenanceStatus !== before.maintenanceStatus && isMaintenanceFailure(fields.maintenanceStatus)) types.push(EventType.MAINTENANCE_FAILED);
  if (types.length === 0) return [];
  const payload = JSON.stringify({ job: jobJsonOfRow(after) });
  return types.map((type) => ({ type, jobId: after.id, repositoryId: after.repositoryId, occurredAt: now, payload }));
}

/**
 * Whether a transaction runs on PostgreSQL. Prisma's transaction client
 * passes its client's provider through; the one read of that field, so a
 * Prisma upgrade that renames it breaks here, in the event-order test.
 */
function onPostgres(tx: Prisma.TransactionClient): boolean {
  return (tx as unknown as { _activeProvider?: string })._activeProvider === 'postgresql';
}

/**
 * Appends events to the log inside the caller's transaction; returns them
 * with their sequence. Sequences are committed in their order: on
 * PostgreSQL the appending transactions queue on an advisory lock held to
 * their commit (ADVISORY_LOCKS.eventLog); SQLite runs one writer at a time.
 */
export async function appendEvents(tx: Prisma.TransactionClient, events: readonly NewEvent[]): Promise<EventRecord[]> {
  if (events.length === 0) return [];
  if (onPostgres(tx)) {
    const [namespace, lock] = keyOf('eventLog');
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${namespace}::int, ${lock}::int)`;
  }
  const records: EventRecord[] = [];
  for (const event of events) {
    const row = await tx.event.create({ data: event, select: { sequence: true } });
    records.push({ ...event, sequence: row.sequence });
  }
  return records;
}

/**
 * Writes a job's changed columns, and the events the change raises in the
 * same transaction (the outbox): an event exists exactly when its change
 * was committed. Every job state write goes through here (LiveJob, start-up
 * recovery). Returns the events written.
 */
export async function writeJobState(prisma: PrismaClient, jobId: number, data: JobColumns, events: readonly NewEvent[]): Promise<EventRecord[]> {
  if (events.length === 0) {
    await prisma.backupJob.update({ where: { id: jobId }, data });
    return [];
  }
  return prisma.$transaction(async (tx) => {
    await tx.backupJob.update({ where: { id: jobId }, data });
    return appendEvents(tx, events);
  });
}
