import type { PubSub } from './pubsub.js';
import type { JobWithRepository } from '../jobs/live-job.js';
import type { LogLine } from '../logs/log-line.js';

/** The pubsub topics of the job domain and what each carries (the subscriptions of src/schema read them). */
export interface JobTopics extends Record<string, unknown> {
  /** key: job id — every state change of one job, in order */
  job: JobWithRepository;
  /** key: `all` — every state change of every job (dashboards) */
  jobs: JobWithRepository;
  /** key: job id — each log line as it is appended; `null` once the log is complete */
  jobLog: LogLine | null;
}

/** The key of the `jobs` topic. */
export const ALL_JOBS = 'all';

export type JobPubSub = PubSub<JobTopics>;
