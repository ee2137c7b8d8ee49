import { setTimeout as sleep } from 'node:timers/promises';
import { signalProcessGroup } from '../borg/index.js';
import { isBorgProcessFor, isProcessAlive, readExclusiveLock } from '../borg/locks.js';
import type { PrismaClient, Repository } from '../db/client.js';
import type { JobUpdate } from './live-job.js';
import type { JobLogWriter, LogStore } from '../logs/log-store.js';
import type { JobManager } from './manager.js';
import type { RepositoryBorg } from '../repositories/repository-borg.js';
import { JobKind, JobStatus } from '../domain/job-status.js';
import { eventsOfChange, writeJobState } from './job-outbox.js';

/** What start-up recovery did. */
export interface RecoveryReport {
  /** jobs a dead server left RUNNING, now ended */
  interrupted: number[];
  requeued: number[];
}

export interface RecoveryDeps {
  prisma: PrismaClient;
  logs: LogStore;
  jobs: JobManager;
  borg: RepositoryBorg;
  /** this node (BORGQL_NODE_NAME): only its own jobs are recovered; unset: every job (a single server) */
  nodeName?: string;
}

const INTERRUPTED = 'interrupted by server restart';

/** Waits up to `ms` for a process to exit. */
async function exited(pid: number, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 100) {
    if (!isProcessAlive(pid)) return true;
    await sleep(100);
  }
  return !isProcessAlive(pid);
}

/**
 * Stops a borg the dead server left running, then breaks the repository lock
 * if that borg (and only that borg, by pid) still holds it. borg removes a
 * stale lock of its own host by itself, but not one whose host id changed
 * (a container with a new hostname), which would block every later job.
 */
async function releaseRepository(repository: Repository, borgPid: number | null, log: JobLogWriter, borg: RepositoryBorg) {
  if (borgPid !== null && isProcessAlive(borgPid) && isBorgProcessFor(borgPid, repository.path)) {
    log.append(`borg (pid ${borgPid}) of the previous server is still running: stopping it`, 'WARNING');
    signalProcessGroup(borgPid, 'SIGTERM');
    if (!(await exited(borgPid, 5000))) {
      signalProcessGroup(borgPid, 'SIGKILL');
      await exited(borgPid, 2000);
    }
  }
  const stale = readExclusiveLock(repository.path).find(
    (holder) => holder.pid === borgPid && !(isProcessAlive(holder.pid) && isBorgProcessFor(holder.pid, repository.path)),
  );
  if (!stale) return;
  const result = await borg.breakLock(repository.path);
  log.append(
    result.outcome.kind === 'success'
      ? `removed the stale lock ${stale.hostId}.${stale.pid} left in ${repository.path}`
      : `could not remove the stale lock in ${repository.path}: ${result.outcome.message}`,
    result.outcome.kind === 'success' ? 'WARNING' : 'ERROR',
  );
}

/**
 * The end state of a job a dead server left RUNNING: a restore or a check,
 * or a backup interrupted during borg create itself → FAILED. Once borg create had ended 0 or 1 (its exit code
 * is written at once) the archive is saved: the job takes the backup's own
 * outcome, and a prune or compact step that was running is marked failed;
 * a finished step stays as it was.
 */
export function interruptedOutcome(job: { kind?: string; exitCode: number | null; maintenanceStatus: string | null }): JobUpdate {
  // a restore or check cut short proved nothing, whatever its borg managed to write
  if ((job.kind !== undefined && job.kind !== JobKind.BACKUP) || (job.exitCode !== 0 && job.exitCode !== 1))
    return { status: JobStatus.FAILED, errorMessage: INTERRUPTED };
  const status = job.exitCode === 0 ? JobStatus.COMPLETED : JobStatus.COMPLETED_WITH_WARNINGS;
  if (job.maintenanceStatus === 'running_prune') return { status, maintenanceStatus: 'prune_failed' };
  if (job.maintenanceStatus === 'running_compact') return { status, maintenanceStatus: 'compact_failed' };
  return { status };
}

/**
 * Closes what a dead server (this node's previous process) left behind,
 * before the new one accepts requests: RUNNING jobs are ended (interruptedOutcome), their logs kept and
 * noted, a borg still running is stopped and its stale lock broken; PENDING
 * jobs are queued again in their order.
 */
export async function recoverJobs({ prisma, logs, jobs, borg, nodeName }: RecoveryDeps): Promise<RecoveryReport> {
  const report: RecoveryReport = { interrupted: [], requeued: [] };
  // another node's RUNNING jobs are its own (the lease sweep ends them if it died); ours are those we claimed,
  // and those of our repositories from before claims recorded a node
  const ours = nodeName === undefined ? {} : { OR: [{ node: nodeName }, { node: null, repository: { node: { in: [nodeName, ''] } } }] };
  const interrupted = await prisma.backupJob.findMany({
    where: { status: JobStatus.RUNNING, ...ours },
    orderBy: { id: 'asc' },
    include: { repository: true },
  });
  for (const job of interrupted) {
    const log = logs.writer(job.id);
    log.append(INTERRUPTED, 'ERROR');
    await releaseRepository(job.repository, job.borgPid, log, borg);
    const outcome = interruptedOutcome(job);
    log.append(`job ${String(outcome.status).toLowerCase()}`, 'INFO');
    log.close();
    const ended: JobUpdate = {
      ...outcome,
      completedAt: new Date(),
      borgPid: null,
      runningRepositoryId: null,
      speedMBps: 0,
      etaSeconds: null,
      currentFile: null,
    };
    // the events are in the log with the state; the webhook worker reads the log when it starts
    await writeJobState(prisma, job.id, ended, eventsOfChange(job, ended));
    report.interrupted.push(job.id);
  }
  const pending = await prisma.backupJob.findMany({
    where: { status: JobStatus.PENDING },
    orderBy: { id: 'asc' },
    include: { repository: true },
  });
  for (const job of pending) {
    // another node's queued jobs wait for it (they are not ours to run, even when it is down)
    if (!jobs.ownsRepository(job.repository)) continue;
    jobs.requeue(job);
    report.requeued.push(job.id);
  }
  return report;
}
