/** Job statuses (README "Job lifecycle"), stored as text in BackupJob.status. */
export const JobStatus = {
  PENDING: 'PENDING',
  RUNNING: 'RUNNING',
  COMPLETED: 'COMPLETED',
  COMPLETED_WITH_WARNINGS: 'COMPLETED_WITH_WARNINGS',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** What created a job, stored in BackupJob.trigger. */
export const JobTrigger = { MANUAL: 'MANUAL', SCHEDULE: 'SCHEDULE' } as const;
export type JobTrigger = (typeof JobTrigger)[keyof typeof JobTrigger];

const terminal = new Set<string>([JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_WARNINGS, JobStatus.FAILED, JobStatus.CANCELLED]);

/** True once a job can no longer change. */
export function isTerminal(status: string): boolean {
  return terminal.has(status);
}

/** What a job runs, stored in BackupJob.kind (one id sequence across kinds). */
export const JobKind = { BACKUP: 'BACKUP', RESTORE: 'RESTORE', CHECK: 'CHECK' } as const;
export type JobKind = (typeof JobKind)[keyof typeof JobKind];
