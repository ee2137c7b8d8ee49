import { setTimeout as sleep } from 'node:timers/promises';
import { JobNotCancellableError, NotFoundError } from '../domain/errors.js';
import { JobStatus, isTerminal } from '../domain/job-status.js';
import { endForeignJob, type ForeignEndDeps } from './foreign-end.js';
import type { JobWithRepository } from './live-job.js';

/**
 * What the job domain needs of the cluster (src/cluster provides it; jobs
 * may not import it): this node's name, the control messages it sends, and
 * whether another node's lease is live.
 */
export interface JobCluster {
  /** BORGQL_NODE_NAME */
  nodeName: string;
  /** claims lock rows with FOR UPDATE SKIP LOCKED (claims.ts) */
  postgres: boolean;
  /** sends a control message to the node named in it (ClusterBus.send) */
  send(message: { type: 'jobQueued' | 'cancel'; jobId: number; node: string }): void;
  /** whether `node`'s lease is live (it renewed it within its lease seconds) */
  isAlive(node: string): Promise<boolean>;
}

export interface RemoteCancelDeps extends ForeignEndDeps {
  cluster: JobCluster;
  /** how often the database is read while the owner stops the job (default 200 ms) */
  pollMs?: number;
  /** how long the owner gets to stop it before the cancel answers with an error (default 60 s) */
  timeoutMs?: number;
}

/** The outcome of a cancel of a job this process does not hold (manager.ts CancelResult). */
export interface RemoteCancelResult {
  job: JobWithRepository;
  processTerminated: boolean;
}

const notCancellable = (row: { id: number; status: string }) =>
  new JobNotCancellableError(`job ${row.id} is ${row.status.toLowerCase()} and cannot be cancelled`, row.status);

/**
 * Cancels a job this process does not hold (DESIGN "Scale-out", Cancel). A
 * PENDING job is ended CANCELLED here by a conditional update: a claim by
 * its node at the same moment is settled by the database (one of them
 * wins; a lost race is retried as a running job). A RUNNING job gets
 * `cancelRequestedAt` and a `cancel` message to its node, which stops borg
 * with the usual escalation (it also sees the column in its poll when a
 * message is lost); this waits until the job is terminal in the database.
 * When the node's lease has expired, the job is ended CANCELLED here.
 *
 * processTerminated: true when the job was RUNNING and its own node ended it
 * CANCELLED (that node stops borg for a running job; the exact answer of its
 * signals stays on that node, and its log says which were sent). A job ended
 * here (queued, or its node dead) had no borg stopped: false.
 * @throws JobNotCancellableError when the job ended otherwise, or its node did not stop it within the timeout
 */
export async function cancelElsewhere(deps: RemoteCancelDeps, jobId: number): Promise<RemoteCancelResult> {
  const pollMs = deps.pollMs ?? 200;
  const deadline = Date.now() + (deps.timeoutMs ?? 60_000);
  let asked = false;
  for (;;) {
    const row = await deps.prisma.backupJob.findUnique({ where: { id: jobId }, include: { repository: true } });
    if (!row) throw new NotFoundError(`job ${jobId} not found`);
    if (isTerminal(row.status)) {
      if (asked && row.status === JobStatus.CANCELLED) return { job: row, processTerminated: true };
      throw notCancellable(row);
    }
    if (row.status === JobStatus.PENDING) {
      const ended = await endForeignJob(deps, {
        jobId,
        from: JobStatus.PENDING,
        status: JobStatus.CANCELLED,
        errorMessage: null,
        notes: [{ content: `cancel requested on node ${deps.cluster.nodeName}`, level: 'INFO' }],
        extra: { cancelRequestedAt: new Date() },
      });
      if (ended) {
        // its node may hold it queued: told, it lets go of that copy now rather than at its next poll
        deps.cluster.send({ type: 'cancel', jobId, node: row.repository.node });
        return { job: ended, processTerminated: false };
      }
      continue; // claimed meanwhile: cancel it as a running job
    }
    const node = row.node ?? '';
    if (!asked) {
      await deps.prisma.backupJob.updateMany({ where: { id: jobId, status: JobStatus.RUNNING }, data: { cancelRequestedAt: new Date() } });
      deps.cluster.send({ type: 'cancel', jobId, node });
      asked = true;
    } else if (!(await deps.cluster.isAlive(node))) {
      const ended = await endForeignJob(deps, {
        jobId,
        from: JobStatus.RUNNING,
        node,
        status: JobStatus.CANCELLED,
        errorMessage: null,
        notes: [
          {
            content: `cancel requested on node ${deps.cluster.nodeName}; node ${node} stopped answering: its borg was not stopped from here`,
            level: 'WARNING',
          },
        ],
      });
      if (ended) return { job: ended, processTerminated: false };
      continue;
    }
    if (Date.now() >= deadline) {
      throw new JobNotCancellableError(
        `node ${node} has not stopped job ${jobId} yet; the cancel stays requested and it stops when that node sees it`,
        row.status,
      );
    }
    await sleep(pollMs);
  }
}
