import type { LiveJob } from './live-job.js';

/** Stores a job's waiting log lines now; a failure is the store's to report and retry. */
export function flushQuietly(job: LiveJob): void {
  try {
    job.log.flush();
  } catch {
    // reported through the log store's onError; retried by its writer
  }
}
