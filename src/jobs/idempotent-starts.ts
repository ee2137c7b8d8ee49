import type { PrismaClient } from '../db/client.js';
import { ValidationError } from '../domain/errors.js';
import type { JobWithRepository } from './live-job.js';
import type { JobManager, StartOptions } from './manager.js';

/** How long an idempotency key answers the same job. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;
/** How often expired keys are removed. */
const SWEEP_INTERVAL_MS = 3_600_000;

/** What a start with a key answered. */
export interface IdempotentStart {
  job: JobWithRepository;
  /** false when the key had already started this job */
  created: boolean;
}

/**
 * startBackup with an idempotency key (GraphQL `idempotencyKey`, REST
 * `Idempotency-Key`): the first start with a key creates the job; the same
 * key within 24 h answers that job again instead of starting another (a
 * client retrying after a lost answer). A key used for another repository
 * is a ValidationError. Starts with one key are serialised in this process;
 * the key's unique row guards the rest.
 */
export class IdempotentStarts {
  readonly #inFlight = new Map<string, Promise<IdempotentStart>>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly jobs: JobManager,
  ) {}

  /** Starts a backup of the repository (id, path or name), or answers the job its key started. */
  start(repositoryReference: string, key: string, options: StartOptions = {}): Promise<IdempotentStart> {
    if (key.length === 0 || key.length > 255 || /\p{Cc}/u.test(key)) {
      throw new ValidationError('idempotencyKey must be 1 to 255 characters without control characters', 'idempotencyKey');
    }
    const previous = this.#inFlight.get(key) ?? Promise.resolve(null);
    const next = previous.catch(() => null).then(() => this.#start(repositoryReference, key, options));
    this.#inFlight.set(key, next);
    void next
      .finally(() => {
        if (this.#inFlight.get(key) === next) this.#inFlight.delete(key);
      })
      .catch(() => undefined);
    return next;
  }

  async #start(repositoryReference: string, key: string, options: StartOptions): Promise<IdempotentStart> {
    const repository = await this.jobs.findRepository(repositoryReference);
    const stored = await this.prisma.idempotencyKey.findUnique({ where: { key } });
    if (stored && Date.now() - stored.createdAt.getTime() < IDEMPOTENCY_WINDOW_MS) {
      const job = await this.jobs.get(stored.jobId);
      if (job) {
        if (job.repositoryId !== repository.id) throw new ValidationError('this idempotencyKey started a backup of another repository', 'idempotencyKey');
        return { job, created: false };
      }
    }
    if (stored) await this.prisma.idempotencyKey.delete({ where: { key } });
    const job = await this.jobs.startBackupOf(repository, options);
    await this.prisma.idempotencyKey.create({ data: { key, jobId: job.id } });
    return { job, created: true };
  }

  /** Removes expired keys now and every hour, until stopSweeping(). */
  startSweeping(onError: (error: unknown) => void): void {
    const sweep = () => void this.sweep().catch(onError);
    sweep();
    this.#timer = setInterval(sweep, SWEEP_INTERVAL_MS);
    this.#timer.unref();
  }

  stopSweeping(): void {
    clearInterval(this.#timer);
  }

  /** Removes the keys older than the window; resolves with how many. */
  async sweep(now = new Date()): Promise<number> {
    const { count } = await this.prisma.idempotencyKey.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS) } } });
    return count;
  }
}
