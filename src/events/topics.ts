import type { PubSub } from './pubsub.js';
import type { JobWithRepository } from '../jobs/live-job.js';
import type { LogLine } from '../logs/log-line.js';
import type { EventRecord } from '../domain/event-types.js';

/** The pubsub topics of the job domain and what each carries (the subscriptions of src/schema read them). */
export interface JobTopics extends Record<string, unknown> {
  /** key: job id — every state change of one job, in order */
  job: JobWithRepository;
  /** key: `all` — every state change of every job (dashboards) */
  jobs: JobWithRepository;
  /** key: job id — each log line as it is appended; `null` once the log is complete */
  jobLog: LogLine | null;
  /** key: `all` — each event committed to the event log, in order (the `events` subscription) */
  events: EventRecord;
}

/** The key of the `jobs` topic. */
export const ALL_JOBS = 'all';

/** The key of the `events` topic. */
export const ALL_EVENTS = 'all';

export type JobPubSub = PubSub<JobTopics>;
