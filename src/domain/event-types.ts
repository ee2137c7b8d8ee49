import { JobStatus } from './job-status.js';

/** What the event log records (README "Notifications"), stored as text in Event.type. */
export const EventType = {
  JOB_STARTED: 'JOB_STARTED',
  JOB_COMPLETED: 'JOB_COMPLETED',
  JOB_COMPLETED_WITH_WARNINGS: 'JOB_COMPLETED_WITH_WARNINGS',
  JOB_FAILED: 'JOB_FAILED',
  JOB_CANCELLED: 'JOB_CANCELLED',
  MAINTENANCE_FAILED: 'MAINTENANCE_FAILED',
  REPOSITORY_STALE: 'REPOSITORY_STALE',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** Every EventType, in the contract's order. */
export const EVENT_TYPES: readonly EventType[] = Object.values(EventType);

/** Whether `value` names an EventType. */
export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * The event type as Standard Webhooks bodies name it: lower case, its first
 * `_` written as `.` (`job.failed`, `job.completed_with_warnings`,
 * `repository.stale`).
 */
export function eventTypeName(type: EventType): string {
  return type.toLowerCase().replace('_', '.');
}

/** The event a job's move into `status` raises, if any. */
export function eventOfStatus(status: string): EventType | null {
  switch (status) {
    case JobStatus.RUNNING:
      return EventType.JOB_STARTED;
    case JobStatus.COMPLETED:
      return EventType.JOB_COMPLETED;
    case JobStatus.COMPLETED_WITH_WARNINGS:
      return EventType.JOB_COMPLETED_WITH_WARNINGS;
    case JobStatus.FAILED:
      return EventType.JOB_FAILED;
    case JobStatus.CANCELLED:
      return EventType.JOB_CANCELLED;
    default:
      return null;
  }
}

/** maintenanceStatus values that raise MAINTENANCE_FAILED (see src/jobs/maintenance.ts). */
const MAINTENANCE_FAILURES = new Set(['prune_failed', 'compact_failed']);

/** Whether a job's move into this maintenanceStatus raises MAINTENANCE_FAILED. */
export function isMaintenanceFailure(maintenanceStatus: string | null | undefined): boolean {
  return maintenanceStatus != null && MAINTENANCE_FAILURES.has(maintenanceStatus);
}

/** An event about to be written with the change it reports. */
export interface NewEvent {
  type: EventType;
  jobId: number | null;
  repositoryId: number;
  occurredAt: Date;
  /** JSON text: `{"job": <REST job JSON>}`, or `{"repository": …}` for REPOSITORY_STALE */
  payload: string;
}

/** An event as committed to the log: its sequence is the cursor of `events(after)`. */
export interface EventRecord extends NewEvent {
  sequence: number;
}
