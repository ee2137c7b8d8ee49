import { Emitter } from '../domain/emitter.js';
import type { JobWithRepository } from './live-job.js';
import type { EventRecord } from '../domain/event-types.js';

/** What the job domain announces, and what each event carries. */
export interface JobEventMap extends Record<string, unknown> {
  /** every state change of one job, in order: status, progress, the end */
  changed: JobWithRepository;
  /** a job entered the queue (created, or queued again after a restart), in its PENDING state */
  queued: JobWithRepository;
  /** an event of the log was committed (job-outbox.ts, the stale check): webhooks and `events` subscribers follow it */
  recorded: EventRecord;
}

/** The job domain's events (see src/events/wiring.ts for where they go). */
export type JobEvents = Emitter<JobEventMap>;

/** A new emitter of job events. */
export function createJobEvents(): JobEvents {
  return new Emitter<JobEventMap>();
}
