import type { JobStatus } from '../domain/job-status.js';

/** How a job's work ended: its final status, and the message of a failure or a stop. */
export interface JobEnd {
  status: JobStatus;
  errorMessage: string | null;
}
