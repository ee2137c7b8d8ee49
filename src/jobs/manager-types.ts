import type { PrismaClient } from '../db/client.js';
import type { StorageHealth } from '../db/storage-health.js';
import type { JobTrigger } from '../domain/job-status.js';
import type { LogStore } from '../logs/log-store.js';
import type { RepositoryBorg } from '../repositories/repository-borg.js';
import type { BackupOverrides } from './backup-overrides.js';
import type { JobEvents } from './job-events.js';
import type { JobWithRepository } from './live-job.js';
import type { JobCluster } from './remote-cancel.js';
import type { RestoreRequest } from './restore-target.js';
import type { StopStep } from './stop-borg.js';

/** Everything the job manager works with; owned by the server. */
export interface JobManagerDeps {
  prisma: PrismaClient;
  logs: LogStore;
  /** where every state change of a job is announced */
  events: JobEvents;
  /** runs borg on the jobs' repositories */
  borg: RepositoryBorg;
  config: { maxConcurrentJobs: number };
  /** where the manager reports its own problems (a failed db write…) */
  warn: (message: string, error?: unknown) => void;
  /** minimum gap between progress writes of one job (default 1000 ms) */
  persistIntervalMs?: number;
  /** where failing and recovering job state writes are reported (/healthz) */
  health?: StorageHealth;
  /** how a cancel escalates on borg (default DEFAULT_STOP_STEPS) */
  stopSteps?: readonly StopStep[];
  /** the node this manager runs on (src/cluster); without it every repository is this process's own */
  cluster?: JobCluster;
}

/** Options of {@link JobManager.startBackup}. */
export interface StartOptions extends BackupOverrides {
  trigger?: JobTrigger;
  scheduleId?: number | null;
  /** the job this one retries */
  retryOfId?: number | null;
}

/** What {@link JobManager.startRestore} is asked (README "Restore"). */
export interface StartRestoreOptions extends RestoreRequest {
  /** the repository's id, path or name */
  repository: string;
  archive: string;
}

/** What a cancel did. */
export interface CancelResult {
  job: JobWithRepository;
  /** whether a borg process was signalled (false for a job that was only queued) */
  processTerminated: boolean;
}
