/**
 * Borg UI's job JSON (README "REST (Borg UI compatible)", docs/api.md "REST"): snake_case keys,
 * integer ids, lower-case statuses, ISO 8601 UTC times, an integer
 * `progress`, and Borg UI's defaults for unknown numbers (0, never null).
 * Pure: the REST shims map GraphQL answers with it, the webhooks map job rows
 * (jobJsonOfRow), so both send the same JSON.
 */
import { isLockFailureMessage } from '../borg/index.js';
import type { BackupJob } from '../db/client.js';

/** A BackupJob as the REST shims' GraphQL selection (JOB_FIELDS in src/server/rest/routes.ts) returns it. */
export interface GraphQLJob {
  id: string;
  repositoryPath: string;
  status: string;
  trigger: string;
  scheduleId: string | null;
  retryOfId: string | null;
  archiveName: string | null;
  startedAt: string | null;
  completedAt: string | null;
  errorMessage: string | null;
  maintenanceStatus: string | null;
  logsExpired: boolean;
  progress: {
    percent: number;
    originalSize: number;
    compressedSize: number;
    deduplicatedSize: number;
    filesProcessed: number;
    currentFile: string | null;
    speedMBps: number;
    etaSeconds: number | null;
    totalExpectedSize: number | null;
  };
  logs: { totalLines: number };
}

/** The REST form of a job. */
export interface JobJson {
  id: number;
  repository: string;
  status: string;
  started_at: string | null;
  completed_at: string | null;
  progress: number;
  error_message: string | null;
  has_logs: boolean;
  maintenance_status: string | null;
  scheduled_job_id: number | null;
  triggered_by: 'manual' | 'schedule';
  archive_name: string | null;
  retry_of_job_id: number | null;
  progress_details: {
    original_size: number;
    compressed_size: number;
    deduplicated_size: number;
    nfiles: number;
    current_file: string;
    progress_percent: number;
    backup_speed: number;
    total_expected_size: number;
    estimated_time_remaining: number;
  };
}

/**
 * A job's `error_message`. When borg could not take the repository's lock,
 * Borg UI's frontend convention: `LOCK_ERROR::<repository path>` on a line
 * of its own before the message, which makes its job list offer to break
 * the lock. REST only: GraphQL clients read `errorMessage` as it is.
 */
function restErrorMessage(job: Pick<GraphQLJob, 'status' | 'errorMessage' | 'repositoryPath'>): string | null {
  if (job.status !== 'FAILED' || job.errorMessage === null || !isLockFailureMessage(job.errorMessage)) return job.errorMessage;
  return `LOCK_ERROR::${job.repositoryPath}\n${job.errorMessage}`;
}

/** Maps a GraphQL job to Borg UI's job JSON. */
export function toJobJson(job: GraphQLJob): JobJson {
  const p = job.progress;
  return {
    id: Number(job.id),
    repository: job.repositoryPath,
    status: job.status.toLowerCase(),
    started_at: job.startedAt,
    completed_at: job.completedAt,
    // floor, not round: 99.6 % is not done, and 100 only appears once borg has finished
    progress: Math.min(100, Math.max(0, Math.floor(p.percent))),
    error_message: restErrorMessage(job),
    // a job whose lines the log retention removed has none left to read
    has_logs: !job.logsExpired && job.logs.totalLines > 0,
    maintenance_status: job.maintenanceStatus,
    scheduled_job_id: job.scheduleId === null ? null : Number(job.scheduleId),
    triggered_by: job.trigger === 'SCHEDULE' ? 'schedule' : 'manual',
    archive_name: job.archiveName,
    retry_of_job_id: job.retryOfId === null ? null : Number(job.retryOfId),
    progress_details: {
      original_size: p.originalSize,
      compressed_size: p.compressedSize,
      deduplicated_size: p.deduplicatedSize,
      nfiles: p.filesProcessed,
      current_file: p.currentFile ?? '',
      progress_percent: Math.floor(p.percent * 100) / 100,
      backup_speed: p.speedMBps,
      total_expected_size: p.totalExpectedSize ?? 0,
      estimated_time_remaining: p.etaSeconds ?? 0,
    },
  };
}

/** A job row's Job JSON, as the REST shims would answer it for the same state (webhook bodies). */
export function jobJsonOfRow(job: BackupJob): JobJson {
  return toJobJson({
    id: String(job.id),
    repositoryPath: job.repositoryPath,
    status: job.status,
    trigger: job.trigger,
    scheduleId: job.scheduleId === null ? null : String(job.scheduleId),
    retryOfId: job.retryOfId === null ? null : String(job.retryOfId),
    archiveName: job.archiveName,
    startedAt: job.startedAt?.toISOString() ?? null,
    completedAt: job.completedAt?.toISOString() ?? null,
    errorMessage: job.errorMessage,
    maintenanceStatus: job.maintenanceStatus,
    logsExpired: job.logsExpired,
    progress: {
      percent: job.percent,
      originalSize: Number(job.originalSize),
      compressedSize: Number(job.compressedSize),
      deduplicatedSize: Number(job.deduplicatedSize),
      filesProcessed: job.filesProcessed,
      currentFile: job.currentFile,
      speedMBps: job.speedMBps,
      etaSeconds: job.etaSeconds,
      totalExpectedSize: job.totalExpectedSize === null ? null : Number(job.totalExpectedSize),
    },
    logs: { totalLines: job.logLineCount },
  });
}
