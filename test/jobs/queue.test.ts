// JobQueue: one job at a time per repository, at most maxConcurrent across
// repositories, first come first served (README "How jobs run").
// `run` is a real function whose promises the tests settle by hand.
import { describe, expect, it } from 'vitest';
import { JobQueue, type QueueEntry } from '../../src/jobs/queue.js';

interface Running {
  entry: QueueEntry;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A queue whose runs stay open until the test settles them. */
function harness(maxConcurrent: number) {
  const started: number[] = [];
  const running = new Map<number, Running>();
  const queue = new JobQueue(maxConcurrent, (entry) => {
    started.push(entry.jobId);
    return new Promise<void>((resolve, reject) => running.set(entry.jobId, { entry, resolve, reject }));
  });
  const job = (jobId: number, repositoryId: number): QueueEntry => ({ jobId, repositoryId });
  return {
    queue,
    started,
    job,
    /** Settles a run and lets the queue's .catch/.finally chain run. */
    async finish(jobId: number, error?: unknown): Promise<void> {
      const run = running.get(jobId);
      if (!run) throw new Error(`job ${jobId} is not running`);
      running.delete(jobId);
      if (error === undefined) run.resolve();
      else run.reject(error);
      await settle();
    },
  };
}

/** Lets every queued microtask (and the queue's promise chain) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('JobQueue', () => {
  it('reserve holds a free repository: its jobs wait until the release, other repositories run; a running one cannot be reserved', async () => {
    const h = harness(4);
    const release = h.queue.reserve(1);
    expect(release).not.toBeNull();
    h.queue.enqueue(h.job(1, 1));
    h.queue.enqueue(h.job(2, 2));
    expect(h.started).toEqual([2]);
    expect(h.queue.reserve(1)).toBeNull();
    release?.();
    expect(h.started).toEqual([2, 1]);
    expect(h.queue.runningOn(1)).toBe(1);
    expect(h.queue.reserve(1)).toBeNull();
    await h.finish(1);
    expect(h.queue.runningOn(1)).toBeNull();
    expect(h.queue.reserve(1)).not.toBeNull();
  });

  it('runs one job at a time per repository; the next one starts when the first settles', async () => {
    const { queue, started, job, finish } = harness(4);
    expect(queue.enqueue(job(1, 10))).toBeNull();
    expect(queue.enqueue(job(2, 10))).toBe(1);
    expect(started).toEqual([1]);
    expect(queue.isRepositoryBusy(10)).toBe(true);
    expect(queue.isPending(2)).toBe(true);
    await finish(1);
    expect(started).toEqual([1, 2]);
    expect(queue.isPending(2)).toBe(false);
    await finish(2);
    expect(queue.isRepositoryBusy(10)).toBe(false);
    expect(queue.runningCount).toBe(0);
  });

  it('runs different repositories in parallel up to maxConcurrent, then first come first served', async () => {
    const { queue, started, job, finish } = harness(2);
    queue.enqueue(job(1, 10));
    queue.enqueue(job(2, 20));
    queue.enqueue(job(3, 30));
    queue.enqueue(job(4, 40));
    expect(started).toEqual([1, 2]);
    expect(queue.runningCount).toBe(2);
    expect(queue.pendingCount).toBe(2);
    await finish(2);
    expect(started).toEqual([1, 2, 3]); // 3 came before 4
    await finish(1);
    expect(started).toEqual([1, 2, 3, 4]);
    expect(queue.runningCount).toBe(2);
  });

  it('a job whose repository is busy does not block later jobs of other repositories', async () => {
    const { queue, started, job, finish } = harness(2);
    queue.enqueue(job(1, 10));
    queue.enqueue(job(2, 10)); // waits for repository 10
    queue.enqueue(job(3, 20)); // free slot, free repository: starts at once
    expect(started).toEqual([1, 3]);
    await finish(3);
    // 2 still waits for repository 10, the slot stays free
    expect(started).toEqual([1, 3]);
    expect(queue.runningCount).toBe(1);
    await finish(1);
    expect(started).toEqual([1, 3, 2]);
  });

  it('keeps FIFO order per repository across many jobs', async () => {
    const { queue, started, job, finish } = harness(3);
    const order = [
      [1, 10],
      [2, 20],
      [3, 10],
      [4, 10],
      [5, 20],
      [6, 30],
      [7, 10],
    ] as const;
    for (const [id, repo] of order) queue.enqueue(job(id, repo));
    expect(started).toEqual([1, 2, 6]);
    for (const id of [1, 2, 6, 3, 5, 4, 7]) await finish(id);
    expect(started).toEqual([1, 2, 6, 3, 5, 4, 7]);
    const perRepo = (repo: number) => started.filter((id) => order.find(([j]) => j === id)![1] === repo);
    expect(perRepo(10)).toEqual([1, 3, 4, 7]);
    expect(perRepo(20)).toEqual([2, 5]);
  });

  it('enqueue returns the job it waits behind on its repository: the running one, else the last pending one', () => {
    const { queue, job } = harness(1);
    expect(queue.enqueue(job(1, 10))).toBeNull();
    expect(queue.enqueue(job(2, 10))).toBe(1);
    expect(queue.enqueue(job(3, 10))).toBe(2);
    // waits only for the global limit: there is no job to name
    expect(queue.enqueue(job(4, 20))).toBeNull();
    expect(queue.isPending(4)).toBe(true);
    expect(queue.enqueue(job(5, 20))).toBe(4);
    expect([1, 2, 3, 4, 5].map((id) => queue.isPending(id))).toEqual([false, true, true, true, true]);
  });

  it('remove() takes a pending job out (it never runs); running and unknown jobs are not removed', async () => {
    const { queue, started, job, finish } = harness(1);
    queue.enqueue(job(1, 10));
    queue.enqueue(job(2, 10));
    queue.enqueue(job(3, 10));
    expect(queue.remove(1)).toBe(false); // running
    expect(queue.remove(99)).toBe(false); // unknown
    expect(queue.remove(2)).toBe(true);
    expect(queue.remove(2)).toBe(false); // already gone
    expect(queue.isPending(2)).toBe(false);
    expect(queue.pendingCount).toBe(1);
    // the next one behind the running job is now 3
    expect(queue.enqueue(job(4, 10))).toBe(3);
    await finish(1);
    await finish(3);
    await finish(4);
    expect(started).toEqual([1, 3, 4]);
  });

  it('pause() starts nothing more; pending jobs stay pending; running ones finish normally', async () => {
    const { queue, started, job, finish } = harness(2);
    queue.enqueue(job(1, 10));
    queue.enqueue(job(2, 10));
    queue.pause();
    queue.enqueue(job(3, 20)); // free slot and repository, but paused
    expect(started).toEqual([1]);
    await finish(1);
    expect(started).toEqual([1]);
    expect(queue.runningCount).toBe(0);
    expect(queue.pendingCount).toBe(2);
    expect(queue.isPending(2) && queue.isPending(3)).toBe(true);
    expect(queue.isRepositoryBusy(10)).toBe(false);
  });

  it('frees the slot and the repository when run rejects', async () => {
    const { queue, started, job, finish } = harness(1);
    queue.enqueue(job(1, 10));
    queue.enqueue(job(2, 10));
    queue.enqueue(job(3, 20));
    await finish(1, new Error('borg exploded'));
    expect(started).toEqual([1, 2]);
    await finish(2, 'not even an Error');
    expect(started).toEqual([1, 2, 3]);
    await finish(3);
    expect(queue.runningCount).toBe(0);
    expect(queue.isRepositoryBusy(10)).toBe(false);
  });

  it('calls run synchronously inside enqueue: the job is already running (not pending) when enqueue returns', () => {
    const seen: { pending: boolean; busy: boolean; running: number }[] = [];
    const queue: JobQueue = new JobQueue(2, (entry) => {
      seen.push({ pending: queue.isPending(entry.jobId), busy: queue.isRepositoryBusy(entry.repositoryId), running: queue.runningCount });
      return new Promise(() => {});
    });
    expect(queue.enqueue({ jobId: 1, repositoryId: 10 })).toBeNull();
    // no await happened: run has been called already, with the slot taken
    expect(seen).toEqual([{ pending: false, busy: true, running: 1 }]);
  });

  it('a run that enqueues another job synchronously (re-entrant pump) keeps the bookkeeping straight', async () => {
    const started: number[] = [];
    const resolvers = new Map<number, () => void>();
    const behind: (number | null)[] = [];
    const queue: JobQueue = new JobQueue(2, (entry) => {
      started.push(entry.jobId);
      if (entry.jobId === 1) {
        behind.push(queue.enqueue({ jobId: 2, repositoryId: 10 })); // same repository: must wait
        behind.push(queue.enqueue({ jobId: 3, repositoryId: 20 })); // other repository: starts now
      }
      return new Promise<void>((resolve) => resolvers.set(entry.jobId, resolve));
    });
    queue.enqueue({ jobId: 1, repositoryId: 10 });
    expect(behind).toEqual([1, null]);
    expect(started).toEqual([1, 3]);
    expect(queue.runningCount).toBe(2);
    resolvers.get(1)!();
    await settle();
    expect(started).toEqual([1, 3, 2]);
  });

  it('a run that resolves immediately still frees its slot for the next job', async () => {
    const started: number[] = [];
    const queue = new JobQueue(1, async (entry) => {
      started.push(entry.jobId);
    });
    for (let id = 1; id <= 5; id++) queue.enqueue({ jobId: id, repositoryId: id % 2 });
    await settle();
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(queue.runningCount).toBe(0);
    expect(queue.pendingCount).toBe(0);
  });

  // Was a bug: run was called and chained directly, so a run that threw before returning
  // a promise threw out of enqueue() and left its entry in #running, the repository busy
  // forever. The call is now wrapped and a synchronous throw treated like a rejection
  // (run is still called synchronously, as the test above requires).
  it('a run that throws synchronously is treated like a rejection: enqueue does not throw and the slot is freed', async () => {
    const started: number[] = [];
    const queue = new JobQueue(1, (entry) => {
      started.push(entry.jobId);
      if (entry.jobId === 1) throw new Error('sync failure');
      return Promise.resolve();
    });
    let thrown: unknown = null;
    try {
      queue.enqueue({ jobId: 1, repositoryId: 10 });
    } catch (error) {
      thrown = error;
    }
    queue.enqueue({ jobId: 2, repositoryId: 10 });
    await settle();
    expect(thrown).toBeNull();
    expect(queue.isRepositoryBusy(10)).toBe(false);
    expect(started).toEqual([1, 2]);
  });

  it('reports rejections and synchronous throws to onError, with the entry; a throwing onError is contained', async () => {
    const reported: [number, unknown][] = [];
    const failure = new Error('async failure');
    const queue = new JobQueue(
      2,
      (entry) => {
        if (entry.jobId === 1) throw new Error('sync failure');
        if (entry.jobId === 2) return Promise.reject(failure);
        return Promise.resolve();
      },
      (entry, error) => {
        reported.push([entry.jobId, error]);
        if (entry.jobId === 2) throw new Error('the reporter broke too');
      },
    );
    queue.enqueue({ jobId: 1, repositoryId: 10 });
    queue.enqueue({ jobId: 2, repositoryId: 20 });
    queue.enqueue({ jobId: 3, repositoryId: 30 });
    await settle();
    expect(reported.map(([id]) => id)).toEqual([1, 2]);
    expect((reported[0]![1] as Error).message).toBe('sync failure');
    expect(reported[1]![1]).toBe(failure);
    expect(queue.runningCount).toBe(0);
    expect(queue.pendingCount).toBe(0);
  });
});
