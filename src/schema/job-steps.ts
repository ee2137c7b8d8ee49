import type { JobWithRepository } from '../jobs/live-job.js';

/**
 * State subscriptions are latest-wins per job and step: a state not yet sent
 * is replaced by a newer one of the same job, status and maintenance step
 * (borg's progress), while every status and maintenance step is delivered (a
 * reader that fell behind still sees `prune_completed` between
 * `running_prune` and `running_compact`). Both only move forward, so a key
 * never comes back after a newer one: replacing in place keeps the order.
 */
export const jobStepKey = (job: Pick<JobWithRepository, 'id' | 'status' | 'maintenanceStatus'>): string =>
  `${job.id}:${job.status}:${job.maintenanceStatus ?? ''}`;
