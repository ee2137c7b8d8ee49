import type { JobEvents } from '../jobs/job-events.js';
import type { LogStoreOptions } from '../logs/log-store.js';
import { ALL_EVENTS, ALL_JOBS, type JobPubSub, type JobTopics } from './topics.js';
import type { SharedTopic, TopicEntry } from './event-codec.js';
import type { JobWithRepository } from '../jobs/live-job.js';
import { RemoteJobs } from './remote-jobs.js';

/** Carries the pubsub's publishes to the other nodes and theirs here (RedisBus); absent on a node alone. */
export interface EventTransport {
  /** sends one publish of this node to the others, in order */
  forward(entry: TopicEntry): void;
  /** calls the listener with publishes of other nodes, in each node's order; returns the unsubscribe function */
  onTopics(listener: (entries: TopicEntry[]) => void): () => void;
  /** calls the listener when publishes of other nodes may have been lost (see RedisBus.onResync) */
  onResync(listener: () => void): () => void;
}

/** Reads a job's state from the database (a job of another node, after publishes were lost). */
export type ReadJob = (id: number) => Promise<JobWithRepository | null>;

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
 *
 * With a `transport` (REDIS_URL), every publish also goes to the other
 * nodes, and theirs are published here: a subscriber on any node sees every
 * node's jobs. Their order is kept per node (one channel for all topics: a
 * job's last log line, then its log-complete null, then its final state).
 * When publishes of other nodes were lost, the subscribers of their
 * unfinished jobs are brought up to date from the database (`readJob`, see
 * RemoteJobs).
 */
export function wireEvents(jobEvents: JobEvents, pubsub: JobPubSub, transport?: EventTransport, readJob?: ReadJob): EventWiring {
  const publish = transport
    ? <T extends SharedTopic>(topic: T, key: string | number, payload: JobTopics[T]) => {
        pubsub.publish(topic, key, payload);
        transport.forward({ topic, key, payload });
      }
    : <T extends SharedTopic>(topic: T, key: string | number, payload: JobTopics[T]) => pubsub.publish(topic, key, payload);
  const deliver = (entries: readonly TopicEntry[]) => {
    for (const { topic, key, payload } of entries) pubsub.publish(topic, key, payload);
  };
  if (transport) {
    const remote = new RemoteJobs();
    transport.onTopics((entries) => {
      remote.observe(entries);
      deliver(entries);
    });
    if (readJob) {
      // one recovery at a time; a loss during one asks for another after it
      let recovering: Promise<void> | null = null;
      let again = false;
      const recover = (): void => {
        if (recovering) return void (again = true);
        recovering = remote
          .recover(readJob)
          .then(deliver, () => undefined)
          .finally(() => {
            recovering = null;
            if (!again) return;
            again = false;
            recover();
          });
      };
      transport.onResync(recover);
    }
  }
  jobEvents.on('changed', (job) => {
    publish('job', job.id, job);
    publish('jobs', ALL_JOBS, job);
  });
  jobEvents.on('queued', (job) => publish('jobs', ALL_JOBS, job));
  jobEvents.on('recorded', (event) => publish('events', ALL_EVENTS, event));
  return {
    logEvents: {
      onLine: (jobId, line) => publish('jobLog', jobId, line),
      onClose: (jobId) => publish('jobLog', jobId, null),
    },
  };
}
