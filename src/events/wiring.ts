import type { JobEvents } from '../jobs/job-events.js';
import type { LogStoreOptions } from '../logs/log-store.js';
import { ALL_EVENTS, ALL_JOBS, type JobPubSub } from './topics.js';

/** The domain's side of the wiring: what the job domain and the log store are given. */
export interface EventWiring {
  /** the log store's callbacks that publish its lines (spread into LogStoreOptions) */
  logEvents: Required<Pick<LogStoreOptions, 'onLine' | 'onClose'>>;
}

/**
 * Connects the domain's events to the pubsub that subscriptions read from.
 * This is the only place that calls `pubsub.publish`: moving the pubsub to
 * another transport (Redis) changes what happens here, not in the domain.
 * Topics and payloads are those of topics.ts: a job's state changes go to
 * `job` (its id) and `jobs` (all), its queueing to `jobs` only, its log lines
 * to `jobLog`, then `null` once its log is complete, each event committed to
 * the event log to `events`. It stays connected for
 * the server's life: a shutdown's last states (CANCELLED) must still reach
 * the subscribers.
 */
export function wireEvents(jobEvents: JobEvents, pubsub: JobPubSub): EventWiring {
  jobEvents.on('changed', (job) => {
    pubsub.publish('job', job.id, job);
    pubsub.publish('jobs', ALL_JOBS, job);
  });
  jobEvents.on('queued', (job) => pubsub.publish('jobs', ALL_JOBS, job));
  jobEvents.on('recorded', (event) => pubsub.publish('events', ALL_EVENTS, event));
  return {
    logEvents: {
      onLine: (jobId, line) => pubsub.publish('jobLog', jobId, line),
      onClose: (jobId) => pubsub.publish('jobLog', jobId, null),
    },
  };
}
