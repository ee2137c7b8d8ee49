import { isTerminal } from '../domain/job-status.js';
import type { JobWithRepository } from '../jobs/live-job.js';
import type { TopicEntry } from './event-codec.js';
import { ALL_JOBS } from './topics.js';

/**
 * The unfinished jobs of other nodes this node has heard of, so that after
 * messages were lost (Redis was away) their subscribers here can catch up
 * from the database: {@link RemoteJobs.recover} reads each one's state and
 * gives the publishes that bring a subscriber up to date: its state on `job`
 * and `jobs`, and for a job that ended meanwhile the log-complete null on
 * `jobLog` (the log follower then reads the rest of the log from the
 * database). Job states are latest-wins, so a state published twice is
 * harmless; log lines are numbered, so the follower drops repeats.
 */
export class RemoteJobs {
  readonly #unfinished = new Set<number>();

  /** Notes the jobs of other nodes' publishes: a running one is remembered, an ended one forgotten. */
  observe(entries: readonly TopicEntry[]): void {
    for (const entry of entries) {
      if (entry.topic !== 'job') continue;
      const job = entry.payload as JobWithRepository;
      if (isTerminal(job.status)) this.#unfinished.delete(job.id);
      else this.#unfinished.add(job.id);
    }
  }

  /** Jobs currently remembered (tests, metrics). */
  get size(): number {
    return this.#unfinished.size;
  }

  /** The publishes that bring local subscribers of the remembered jobs up to date with the database. */
  async recover(readJob: (id: number) => Promise<JobWithRepository | null>): Promise<TopicEntry[]> {
    const entries: TopicEntry[] = [];
    for (const id of [...this.#unfinished]) {
      const job = await readJob(id);
      if (!job) {
        this.#unfinished.delete(id);
        continue;
      }
      entries.push({ topic: 'job', key: id, payload: job }, { topic: 'jobs', key: ALL_JOBS, payload: job });
      if (isTerminal(job.status)) {
        this.#unfinished.delete(id);
        entries.push({ topic: 'jobLog', key: id, payload: null });
      }
    }
    return entries;
  }
}
