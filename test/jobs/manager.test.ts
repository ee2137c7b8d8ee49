// JobManager over a real SQLite database with bench/borg-standin.mjs as borg:
// a job's life (queued, running, progress, its end), cancel and its
// escalation, shutdown, a failing borg, and one job at a time per repository.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { JobStatus } from '../../src/domain/job-status.js';
import { QUICK_BACKUP, standinJobs, type StandinJobs, type StandinSettings } from '../helpers/standin-jobs.js';

const domains = standinJobs('manager');
const open: StandinJobs[] = [];
afterEach(async () => {
  for (const domain of open.splice(0)) await domain.close();
});
afterAll(domains.remove);

function setup(options?: Parameters<typeof domains.create>[0]): StandinJobs {
  const domain = domains.create(options);
  open.push(domain);
  return domain;
}

/** A backup that reports nothing and never ends until `goFile` exists: it runs until it is stopped. */
const waitingFor = (goFile: string, more: Partial<StandinSettings> = {}): StandinSettings => ({ ...QUICK_BACKUP, goFile, ...more });

/** The first line the stand-in prints: once it is in the log, borg runs (and ignores the signals it was told to). */
const BORG_STARTED = 'Initializing cache transaction: Reading config';

const SENT = /^sent (SIG[A-Z]+) to borg \(pid \d+\)$/;
const sentSignals = (log: string[]) => log.flatMap((line) => SENT.exec(line)?.[1] ?? []);

describe('JobManager with a stand-in borg', () => {
  it('runs a queued job: PENDING, RUNNING with progress, COMPLETED with the sizes borg reported last', async () => {
    const jobs = setup();
    const repository = await jobs.repository('quick', QUICK_BACKUP);
    const created = await jobs.manager.startBackup(repository.path);
    expect(created).toMatchObject({ status: JobStatus.PENDING, repositoryId: repository.id, repositoryPath: repository.path });

    const job = await jobs.ended(created.id);
    const states = jobs.changes.filter((state) => state.id === created.id);
    expect([...new Set(states.map((state) => state.status))]).toEqual([JobStatus.RUNNING, JobStatus.COMPLETED]);
    const running = states.filter((state) => state.status === JobStatus.RUNNING);
    expect(running.some((state) => state.originalSize > 0n && state.filesProcessed > 0 && state.currentFile !== null)).toBe(true);

    // the stand-in's record of what it printed, its last archive_progress line matching the --json summary
    expect(job.archiveName).toMatch(new RegExp(`^borgql-${created.id}-\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`));
    const record = JSON.parse(readFileSync(path.join(repository.path, 'standin-records', `${job.archiveName}.json`), 'utf8')) as {
      original_size: number;
      nfiles: number;
    }[];
    const last = record.at(-1)!;
    expect(job).toMatchObject({
      status: JobStatus.COMPLETED,
      exitCode: 0,
      errorMessage: null,
      borgPid: null,
      percent: 100,
      originalSize: BigInt(last.original_size),
      filesProcessed: last.nfiles,
      currentFile: null,
      etaSeconds: 0,
    });
    expect(job.startedAt).not.toBeNull();
    expect(job.completedAt).not.toBeNull();

    const log = jobs.log(created.id);
    expect(log.slice(0, 3)).toEqual(['queued', `started on ${repository.path}`, expect.stringMatching(/^borg create .* -- .*::borgql-/)]);
    expect(log.filter((line) => line.startsWith('A ')).length).toBe(last.nfiles);
    expect(log.slice(-2)).toEqual(['borg create exited with code 0', 'job completed']);
    expect(jobs.warnings).toEqual([]);
  });

  it('a cancel while borg runs sends SIGINT, ends the job CANCELLED and saves no archive', async () => {
    const jobs = setup();
    const repository = await jobs.repository('cancel', waitingFor(path.join(jobs.dir, 'never')));
    const { id } = await jobs.manager.startBackup(repository.path);
    await jobs.line(id, BORG_STARTED);

    const cancelled = await jobs.manager.cancel(id);
    expect(cancelled).toMatchObject({ processTerminated: true, job: { id, status: JobStatus.CANCELLED, errorMessage: null } });
    const job = await jobs.ended(id);
    expect(job).toMatchObject({ status: JobStatus.CANCELLED, errorMessage: null, exitCode: null, borgPid: null });
    const log = jobs.log(id);
    expect(sentSignals(log)).toEqual(['SIGINT']);
    expect(log.indexOf('cancel requested')).toBeLessThan(log.findIndex((line) => SENT.test(line)));
    expect(log.slice(-2)).toEqual(['borg create exited with code none (SIGINT)', 'job cancelled']);
    expect(existsSync(path.join(repository.path, 'standin-records'))).toBe(false);

    // a second cancel of the ended job is refused with its status
    await expect(jobs.manager.cancel(id)).rejects.toMatchObject({ name: 'JobNotCancellableError', status: JobStatus.CANCELLED });
  });

  it('a borg that ignores SIGINT and SIGTERM is stopped by the escalation: SIGINT, SIGINT, SIGTERM, SIGKILL', async () => {
    const quickSteps = [
      { signal: 'SIGINT', waitMs: 100 },
      { signal: 'SIGINT', waitMs: 100 },
      { signal: 'SIGTERM', waitMs: 100 },
      { signal: 'SIGKILL', waitMs: 10_000 },
    ] as const;
    const jobs = setup({ stopSteps: quickSteps });
    const repository = await jobs.repository('stubborn', waitingFor(path.join(jobs.dir, 'never'), { ignoreSignals: ['SIGINT', 'SIGTERM'] }));
    const { id } = await jobs.manager.startBackup(repository.path);
    await jobs.line(id, BORG_STARTED);

    expect(await jobs.manager.cancel(id)).toMatchObject({ processTerminated: true, job: { status: JobStatus.CANCELLED } });
    const log = jobs.log(id);
    expect(sentSignals(log)).toEqual(['SIGINT', 'SIGINT', 'SIGTERM', 'SIGKILL']);
    expect(log.slice(-2)).toEqual(['borg create exited with code none (SIGKILL)', 'job cancelled']);
  });

  it('a queued job is cancelled without any borg', async () => {
    const jobs = setup();
    const repository = await jobs.repository('queued', waitingFor(path.join(jobs.dir, 'never')));
    const first = await jobs.manager.startBackup(repository.path);
    const second = await jobs.manager.startBackup(repository.path);
    expect(await jobs.manager.cancel(second.id)).toMatchObject({ processTerminated: false, job: { id: second.id, status: JobStatus.CANCELLED } });
    expect(jobs.log(second.id)).toEqual([`queued behind job ${first.id}`, 'cancel requested', 'job cancelled']);
    expect((await jobs.ended(second.id)).startedAt).toBeNull();
  });

  it('shutdown stops the running job (CANCELLED, saying why) and leaves the queued one PENDING for the next start', async () => {
    const jobs = setup();
    const repository = await jobs.repository('shutdown', waitingFor(path.join(jobs.dir, 'never')));
    const running = await jobs.manager.startBackup(repository.path);
    const queued = await jobs.manager.startBackup(repository.path);
    await jobs.line(running.id, BORG_STARTED);

    expect(await jobs.manager.shutdown('server received SIGTERM')).toEqual([running.id]);
    const stopped = await jobs.ended(running.id);
    expect(stopped).toMatchObject({ status: JobStatus.CANCELLED, errorMessage: 'cancelled: server received SIGTERM', borgPid: null });
    const log = jobs.log(running.id);
    const at = (line: string) => log.indexOf(line);
    expect(at('stopping: server received SIGTERM')).toBeGreaterThan(-1);
    expect(at('stopping: server received SIGTERM')).toBeLessThan(at('cancel requested'));
    expect(sentSignals(log)).toEqual(['SIGINT']);
    expect(log.at(-1)).toBe('job cancelled');

    const waiting = await jobs.prisma.backupJob.findUniqueOrThrow({ where: { id: queued.id } });
    expect(waiting).toMatchObject({ status: JobStatus.PENDING, startedAt: null });
    expect(jobs.log(queued.id)).toEqual([`queued behind job ${running.id}`]);
  });

  it("a borg failure ends the job FAILED with borg's message and exit code", async () => {
    const jobs = setup();
    const repository = await jobs.repository('missing', QUICK_BACKUP);
    await jobs.prisma.repository.update({ where: { id: repository.id }, data: { path: `${repository.path}-gone` } });
    const { id } = await jobs.manager.startBackup(`${repository.path}-gone`);

    const job = await jobs.ended(id);
    const message = `Repository.DoesNotExist: repository does not exist (Repository ${repository.path}-gone does not exist.)`;
    expect(job).toMatchObject({ status: JobStatus.FAILED, exitCode: 2, errorMessage: message, borgPid: null });
    const log = jobs.logs.read(id, 0, 1000).lines;
    expect(log.filter((line) => line.level === 'ERROR').map((line) => line.content)).toEqual([
      `Repository ${repository.path}-gone does not exist.`,
      'borg create exited with code 2',
      message,
    ]);
    expect(log.at(-1)?.content).toBe('job failed');
  });

  it('a second job for a busy repository waits for the first; another repository runs beside it', async () => {
    const jobs = setup({ maxConcurrentJobs: 2 });
    const go = path.join(jobs.dir, 'go');
    const busy = await jobs.repository('busy', waitingFor(go));
    const other = await jobs.repository('other', QUICK_BACKUP);
    const first = await jobs.manager.startBackup(busy.path);
    const second = await jobs.manager.startBackup(busy.path);
    await jobs.line(first.id, BORG_STARTED);
    expect(jobs.manager.queue.isPending(second.id)).toBe(true);
    expect(jobs.log(second.id)).toEqual([`queued behind job ${first.id}`]);

    const beside = await jobs.manager.startBackup(other.path);
    expect((await jobs.ended(beside.id)).status).toBe(JobStatus.COMPLETED);
    expect(jobs.manager.queue.isPending(second.id)).toBe(true);
    expect(jobs.changes.some((state) => state.id === second.id)).toBe(false);

    writeFileSync(go, '');
    expect((await jobs.ended(first.id)).status).toBe(JobStatus.COMPLETED);
    expect((await jobs.ended(second.id)).status).toBe(JobStatus.COMPLETED);
    // the second one started only after the first one's end was announced
    const order = jobs.changes.map((state) => `${state.id} ${state.status}`);
    expect(order.indexOf(`${first.id} COMPLETED`)).toBeLessThan(order.indexOf(`${second.id} RUNNING`));
  });
});
