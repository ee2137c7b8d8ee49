import type { PrismaClient } from '../db/client.js';
import type { LogStore } from './log-store.js';
import type { JobManager } from './manager.js';
import { JobStatus } from './status.js';

/** What start-up recovery did. */
export interface RecoveryReport {
  failed: number[];
  requeued: number[];
}

/**
 * Closes what a dead server left behind, before the new one accepts
 * requests: RUNNING jobs become FAILED ("interrupted by server restart"),
 * their logs kept and noted; PENDING jobs are queued again in their order.
 */
export async function recoverJobs(prisma: PrismaClient, logs: LogStore, jobs: JobManager): Promise<RecoveryReport> {
  const report: RecoveryReport = { failed: [], requeued: [] };
  const interrupted = await prisma.backupJob.findMany({ where: { status: JobStatus.RUNNING }, orderBy: { id: 'asc' } });
  for (const job of interrupted) {
    const log = logs.writer(job.id);
    log.append('interrupted by server restart', 'ERROR');
    log.append(`job ${JobStatus.FAILED.toLowerCase()}`, 'INFO');
    log.close();
    await prisma.backupJob.update({
      where: { id: job.id },
      data: {
        status: JobStatus.FAILED,
        errorMessage: 'interrupted by server restart',
        completedAt: new Date(),
        borgPid: null,
        speedMBps: 0,
        etaSeconds: null,
      },
    });
    report.failed.push(job.id);
  }
  const pending = await prisma.backupJob.findMany({
    where: { status: JobStatus.PENDING },
    orderBy: { id: 'asc' },
    include: { repository: true },
  });
  for (const job of pending) {
    jobs.requeue(job);
    report.requeued.push(job.id);
  }
  return report;
}
