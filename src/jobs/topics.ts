import type { PubSub } from '../events/pubsub.js';
import type { JobWithRepository } from './live-job.js';
import type { LogLine } from '../logs/log-store.js';

/** The pubsub topics of the job domain and what each carries. */
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
