import type { Prisma } from '../generated/prisma/client.js';
import { ValidationError } from '../domain/errors.js';
import { JobKind, JobTrigger, type JobStatus } from '../domain/job-status.js';

/** A page of the job list holds at most this many jobs (GraphQL `jobs`, REST `GET /api/backup/jobs`; a larger `limit` is refused). */
export const MAX_JOBS_PAGE = 10_000;

/** The filters of a job list (GraphQL `jobs`, REST `GET /api/backup/jobs`). */
export interface JobListFilter {
  scheduledOnly?: boolean | null;
  manualOnly?: boolean | null;
  /** the path the jobs recorded when they were created (a trailing slash is ignored) */
  repository?: string | null;
  status?: readonly JobStatus[] | null;
}

/**
 * The where clause of the backup job list (restores and checks have lists
 * of their own). Every filter is served by an index of BackupJob with the
 * kind and the id (the list is newest first), so a filter that matches few
 * of a million jobs does not scan them (bench/history.ts).
 * Throws ValidationError for filters that exclude each other.
 */
export function jobListWhere(filter: JobListFilter): Prisma.BackupJobWhereInput {
  if (filter.scheduledOnly && filter.manualOnly) {
    throw new ValidationError('scheduledOnly and manualOnly exclude each other', 'manualOnly');
  }
  const where: Prisma.BackupJobWhereInput = { kind: JobKind.BACKUP };
  if (filter.scheduledOnly) where.trigger = JobTrigger.SCHEDULE;
  if (filter.manualOnly) where.trigger = JobTrigger.MANUAL;
  if (filter.repository) where.repositoryPath = filter.repository.replace(/(?<=.)\/+$/, '');
  if (filter.status) where.status = { in: [...filter.status] };
  return where;
}
