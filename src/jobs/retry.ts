import { NotFoundError, ValidationError } from '../domain/errors.js';
import { recordNotFound } from '../domain/ids.js';
import { JobTrigger, isTerminal } from '../domain/job-status.js';
import { overridesOf } from './backup-overrides.js';
import type { JobWithRepository } from './live-job.js';
import type { JobManager } from './manager.js';

/**
 * Starts a job again (Borg UI's retry button): a new PENDING, manual job of
 * the same repository with the same overrides (source paths, archive name),
 * linked to the old one by `retryOfId`. Any finished job can be retried.
 * @throws NotFoundError for an unknown job, or when its repository was removed
 * @throws ValidationError while the job is still pending or running
 */
export async function retryJob(jobs: JobManager, jobId: number): Promise<JobWithRepository> {
  const job = await jobs.get(jobId);
  if (!job) throw recordNotFound('job', jobId);
  if (!isTerminal(job.status)) {
    throw new ValidationError(`job ${jobId} is ${job.status.toLowerCase()}: only a finished job can be retried`, 'id');
  }
  const repository = await jobs.findRepository(String(job.repositoryId)).catch((error: unknown) => {
    throw error instanceof NotFoundError ? new NotFoundError(`the repository of job ${jobId} (${job.repositoryPath}) was removed`) : error;
  });
  return jobs.startBackupOf(repository, { ...overridesOf(job), trigger: JobTrigger.MANUAL, retryOfId: job.id });
}
