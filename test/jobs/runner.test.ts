// The runner's borg steps with bench/borg-standin.mjs as borg: startBorgStep
// (a borg invocation under an AbortSignal, whatever the command), runBorgStep
// (a job's step: log, pid, refusal before borg starts) and runCreate (archive
// name, final sizes), on LiveJobs over a real SQLite database.
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startBorgStep } from '../../src/jobs/borg-step.js';
import { LiveJob } from '../../src/jobs/live-job.js';
import { runBorgStep, runCreate, statusForOutcome } from '../../src/jobs/runner.js';
import { JobStatus } from '../../src/domain/job-status.js';
import { CANCELLED_BY_USER, serverShutdown } from '../../src/jobs/stop-reason.js';
import type { Repository } from '../../src/db/client.js';
import { QUICK_BACKUP, standinJobs, STANDIN_BIN, type StandinJobs } from '../helpers/standin-jobs.js';

const domains = standinJobs('runner');
const open: StandinJobs[] = [];
const liveJobs: LiveJob[] = [];
afterEach(async () => {
  // written before the database closes, and no write left waiting to fire after it did
  for (const job of liveJobs.splice(0)) {
    await job.persist();
    job.stopSaving();
  }
  for (const domain of open.splice(0)) await domain.close();
});
afterAll(domains.remove);

/** A job domain and a LiveJob of `repository` that the test runs by hand (not through the queue). */
async function liveJob(jobs: StandinJobs, repository: Repository): Promise<LiveJob> {
  const row = await jobs.prisma.backupJob.create({ data: { repositoryId: repository.id, repositoryPath: repository.path }, include: { repository: true } });
  const job = new LiveJob(row, jobs.logs.writer(row.id), {
    prisma: jobs.prisma,
    persistIntervalMs: 50,
    onChange: (state) => jobs.events.emit('changed', state),
    onPersistError: (id, error) => jobs.warnings.push(`job ${id}: ${String(error)}`),
  });
  liveJobs.push(job);
  return job;
}

function setup(): StandinJobs {
  const jobs = domains.create();
  open.push(jobs);
  return jobs;
}

describe('startBorgStep: one borg invocation under a signal', () => {
  it('starts nothing when the signal has already aborted', () => {
    const controller = new AbortController();
    controller.abort(CANCELLED_BY_USER);
    const notes: string[] = [];
    expect(
      startBorgStep(
        controller.signal,
        { bin: STANDIN_BIN, args: ['--version'], env: { ...process.env } as Record<string, string> },
        { note: (m) => notes.push(m) },
      ),
    ).toBeNull();
    expect(notes).toEqual([]);
  });

  it('runs to its end untouched while the signal does not abort', async () => {
    const step = startBorgStep(
      new AbortController().signal,
      { bin: STANDIN_BIN, args: ['--version'], env: { ...process.env } as Record<string, string> },
      { note: () => undefined },
    );
    const result = await step!.result;
    expect(result).toMatchObject({ exitCode: 0, stopped: false, outcome: { kind: 'success' } });
    expect(result.stdout).toBe('borg 1.2.4 (borgql bench stand-in)\n');
  });

  it('an abort stops borg through the escalation and keeps its reason', async () => {
    const jobs = setup();
    const repository = await jobs.repository('abort', { ...QUICK_BACKUP, goFile: path.join(jobs.dir, 'never'), ignoreSignals: ['SIGINT'] });
    const invocation = jobs.borg.invocation(repository, ['create', '--', `${repository.path}::a`, ...JSON.parse(repository.sourcePaths)]);
    const controller = new AbortController();
    const notes: string[] = [];
    let started!: () => void;
    const firstLine = new Promise<void>((resolve) => (started = resolve));
    const step = startBorgStep(
      controller.signal,
      { ...invocation, onEvent: () => started() },
      {
        note: (message) => notes.push(message),
        stopSteps: [
          { signal: 'SIGINT', waitMs: 100 },
          { signal: 'SIGTERM', waitMs: 10_000 },
        ],
      },
    );
    await firstLine;
    controller.abort(serverShutdown('server received SIGTERM'));
    const result = await step!.result;
    expect(result).toMatchObject({ stopped: true, exitCode: null, signal: 'SIGTERM', outcome: { kind: 'signalled' } });
    expect(notes).toEqual([`sent SIGINT to borg (pid ${step!.pid})`, `sent SIGTERM to borg (pid ${step!.pid})`]);
    expect(controller.signal.reason).toEqual({ kind: 'shutdown', message: 'server received SIGTERM' });
  });
});

describe("runBorgStep and runCreate: a job's borg steps", () => {
  it("runCreate names the archive, logs borg's lines and writes the final sizes and exit code", async () => {
    const jobs = setup();
    const repository = await jobs.repository('create', QUICK_BACKUP);
    const job = await liveJob(jobs, repository);
    const result = await runCreate(job, jobs.borg);
    expect(result?.outcome.kind).toBe('success');
    const summary = JSON.parse(result!.stdout) as { archive: { name: string; stats: { original_size: number; nfiles: number } } };
    await job.whenSaved();
    const saved = await jobs.prisma.backupJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(saved).toMatchObject({
      archiveName: summary.archive.name,
      exitCode: 0,
      borgPid: null,
      originalSize: BigInt(summary.archive.stats.original_size),
      filesProcessed: summary.archive.stats.nfiles,
      percent: 100,
    });
    expect(summary.archive.name).toMatch(new RegExp(`^borgql-${job.id}-`));
    const log = jobs.log(job.id);
    expect(log[0]).toMatch(new RegExp(`^borg create .* -- ${repository.path}::${summary.archive.name} `));
    expect(log.filter((line) => line.startsWith('A ')).length).toBe(summary.archive.stats.nfiles);
    expect(log).toContain('Initializing cache transaction: Reading config');
    expect(log.at(-1)).toBe('borg create exited with code 0');
  });

  it('a stopped job starts no borg: runCreate answers null, a later step an error outcome', async () => {
    const jobs = setup();
    const repository = await jobs.repository('stopped', QUICK_BACKUP);
    const job = await liveJob(jobs, repository);
    job.stop(CANCELLED_BY_USER);
    expect(job.stopReason).toBe(CANCELLED_BY_USER);
    expect(await runCreate(job, jobs.borg)).toBeNull();
    const step = await runBorgStep(job, jobs.borg, ['compact', '--', repository.path]);
    expect(step.outcome).toEqual({ kind: 'error', exitCode: null, msgid: null, message: 'borg compact was not started: the job is stopping' });
    expect(jobs.log(job.id)).toEqual([]);
    expect(job.borgStopped).toBe(false);
  });

  it('a repository that cannot be unlocked fails the step before borg starts, saying why', async () => {
    const jobs = setup();
    const repository = await jobs.repository('refused', QUICK_BACKUP, { passcommand: '/usr/bin/cat /secret' });
    const job = await liveJob(jobs, repository);
    const result = await runBorgStep(job, jobs.borg, ['info', '--json', '--', repository.path]);
    expect(result.outcome.kind).toBe('error');
    expect(result.outcome.message).toMatch(/^the passcommand of repository "refused" is refused: /);
    expect(result.exitCode).toBeNull();
    expect(jobs.log(job.id)).toEqual([]);
  });

  it('statusForOutcome: success, warning, error, and a stop whatever borg answered', () => {
    const success = { kind: 'success', exitCode: 0, message: '' } as const;
    expect(statusForOutcome(success, false)).toBe(JobStatus.COMPLETED);
    expect(statusForOutcome({ kind: 'warning', exitCode: 1, warnings: 1, message: 'w' }, false)).toBe(JobStatus.COMPLETED_WITH_WARNINGS);
    expect(statusForOutcome({ kind: 'error', exitCode: 2, msgid: 'LockTimeout', message: 'e' }, false)).toBe(JobStatus.FAILED);
    expect(statusForOutcome(success, true)).toBe(JobStatus.CANCELLED);
  });
});
