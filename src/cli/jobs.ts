import type { Command } from 'commander';
import { ApiError, BorgqlClient, CliError } from './client.js';
import { formatBytes, formatPercent } from './format.js';
import { CancelBackupDocument, JobLogPageDocument, JobLogsDocument, JobsDocument } from './operations.js';
import { backupFeed, watchJob, type JobFeed } from './watch.js';
import type { JobStatus } from './gql/graphql.js';

/** A command's work: resolves with the process's exit code. */
export type Action = (client: BorgqlClient) => Promise<number>;

/** Runs an action against BORGQL_URL; the client's WebSocket is closed afterwards whatever happened. */
export type Runner = (action: Action) => Promise<void>;

/** Signals that stop a watch (not the job), with the exit code a shell reports for them (128 + number). */
const STOP_WATCHING: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Log lines asked per page by `logs` without `--follow` (the server's cap is 10,000). */
const LOG_PAGE = 5000;

/**
 * Watches a job until it ends. Ctrl-C (or SIGTERM) stops the watch only, and
 * says so: the job goes on in the server. With `interrupt` (a server that
 * lives in this process) the signal runs it instead, and the watch goes on
 * to the job's end. `feed` is the kind of job (backupFeed for a backup).
 */
export async function watchUntilDone<S extends { status: JobStatus }>(
  client: BorgqlClient,
  id: string,
  feed: JobFeed<S>,
  interrupt?: (id: string) => Promise<void>,
): Promise<number> {
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    stoppedBy = signal;
    if (!interrupt) return controller.abort();
    interrupt(id).catch((error: unknown) => {
      process.stderr.write(`borgql: ${error instanceof Error ? error.message : String(error)}\n`);
      controller.abort();
    });
  };
  const signals = Object.keys(STOP_WATCHING) as NodeJS.Signals[];
  for (const signal of signals) process.once(signal, onSignal);
  try {
    const output = { stream: process.stdout, isTerminal: process.stdout.isTTY === true };
    const code = await watchJob(client, id, output, controller.signal, feed);
    if (code !== null) return code;
    if (!interrupt)
      process.stderr.write(
        `\nstopped watching job ${id}; the job goes on in the server (borgql watch ${id} to follow it again, borgql cancel ${id} to stop it)\n`,
      );
    return STOP_WATCHING[stoppedBy ?? 'SIGINT'] ?? 2;
  } finally {
    for (const signal of signals) process.removeListener(signal, onSignal);
  }
}

/** Cancels a job through the API; resolves with its status afterwards and whether borg had to be stopped. */
export async function cancelJob(client: BorgqlClient, id: string): Promise<{ status: string; processTerminated: boolean }> {
  const { cancelBackup } = await client.request(CancelBackupDocument, { id });
  if (cancelBackup.__typename !== 'CancelBackupSuccess') throw new CliError(cancelBackup.message);
  return { status: cancelBackup.job.status, processTerminated: cancelBackup.processTerminated };
}

/** A job id as the API takes it: a decimal number (checked here so a typo gets a plain message). */
function jobId(raw: string): string {
  if (!/^\d{1,10}$/.test(raw)) throw new CliError(`a job id is a number, got "${raw}"`);
  return String(Number(raw));
}

function positiveInteger(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new CliError(`--limit takes a whole number ≥ 1, got "${raw}"`);
  return value;
}

/** Prints every line of a job's log, page by page. */
async function printLogPages(client: BorgqlClient, id: string): Promise<void> {
  for (let offset = 0; ;) {
    const { job } = await client.request(JobLogPageDocument, { id, offset, limit: LOG_PAGE });
    if (!job) throw new CliError(`no job ${id}`);
    if (job.logs.lines.length > 0) process.stdout.write(job.logs.lines.map((line) => `${line.content}\n`).join(''));
    offset += job.logs.lines.length;
    if (!job.logs.hasMore || job.logs.lines.length === 0) return;
  }
}

/**
 * Prints a job's log from its first line, then live until the job ends. A
 * reader the server found too slow (SLOW_CONSUMER) subscribes again after the
 * last line it printed, so no line is lost or printed twice.
 */
async function followLog(client: BorgqlClient, id: string): Promise<void> {
  let printed = 0;
  for (;;) {
    const resumedAt = printed;
    try {
      await client.subscribe(
        JobLogsDocument,
        { id, offset: printed },
        {
          next: ({ jobLogs }) => {
            process.stdout.write(`${jobLogs.content}\n`);
            printed = jobLogs.lineNumber;
          },
        },
      );
      return;
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'SLOW_CONSUMER' && printed > resumedAt)) throw error;
    }
  }
}

/** `watch`, `jobs`, `logs` and `cancel`: the commands of a person watching backups (`backup` is in backup.ts). */
export function registerJobCommands(program: Command, run: Runner): void {
  program
    .command('watch')
    .description('follow a job’s progress until it ends; the exit code is the job’s (0, 1 or 2)')
    .argument('<jobId>')
    .action((raw: string) => run((client) => watchUntilDone(client, jobId(raw), backupFeed)));

  program
    .command('jobs')
    .description('the last jobs, newest first')
    .option('-n, --limit <count>', 'how many', positiveInteger, 20)
    .option('--json', 'one JSON array, newest first')
    .action((options: { limit: number; json?: boolean }) =>
      run(async (client) => {
        const { jobs } = await client.request(JobsDocument, { limit: options.limit });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(jobs, null, 2)}\n`);
          return 0;
        }
        const rows = jobs.map((job) => [
          job.id,
          job.status,
          job.status === 'RUNNING' ? formatPercent(job.progress.percent) : '',
          formatBytes(job.progress.originalSize),
          job.startedAt ?? job.createdAt,
          job.repositoryPath,
        ]);
        const table = [['ID', 'STATUS', '', 'READ', 'STARTED', 'REPOSITORY'], ...rows];
        const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => String(row[column]).length)));
        for (const row of table)
          process.stdout.write(
            `${row
              .map((cell, column) => String(cell).padEnd(widths[column]!))
              .join('  ')
              .trimEnd()}\n`,
          );
        return 0;
      }),
    );

  program
    .command('logs')
    .description('print every line of a job’s log')
    .argument('<jobId>')
    .option('-f, --follow', 'keep printing new lines until the job ends')
    .action((raw: string, options: { follow?: boolean }) =>
      run(async (client) => {
        const id = jobId(raw);
        if (!options.follow) {
          await printLogPages(client, id);
          return 0;
        }
        await followLog(client, id);
        return 0;
      }),
    );

  program
    .command('cancel')
    .description('cancel a pending or running job (borg keeps a checkpoint)')
    .argument('<jobId>')
    .action((raw: string) =>
      run(async (client) => {
        const id = jobId(raw);
        const cancelled = await cancelJob(client, id);
        const how = cancelled.processTerminated ? 'borg was stopped' : 'it had not started';
        process.stdout.write(`job ${id} ${cancelled.status.toLowerCase()} (${how})\n`);
        return 0;
      }),
    );
}
