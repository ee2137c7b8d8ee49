import path from 'node:path';
import type { Command } from 'commander';
import { CliError } from './client.js';
import type { CliRestoreStateFragment } from './gql/graphql.js';
import { watchUntilDone, type Runner } from './jobs.js';
import { RestoreUpdatesDocument, StartRestoreDocument } from './operations.js';
import { formatBytes } from './format.js';
import { endedJobLine, type JobFeed } from './watch.js';

/** Options of `restore`. */
interface RestoreOptions {
  path?: string[];
  dryRun?: boolean;
  overwrite?: boolean;
  watch?: boolean;
}

/** The line that closes the watch of a restore. */
function restoreOutcome(job: CliRestoreStateFragment): string {
  const written = `${formatBytes(job.progress.bytesRestored)} ${job.dryRun ? 'read (dry run)' : 'written'}, ${job.progress.filesRestored} items`;
  return endedJobLine(job, `${job.archiveName} restored to ${job.destination}, ${written}`);
}

/** A restore as a watch follows it (`jobUpdates`, any kind of job; a restore's id gets RestoreJob states). */
const restoreFeed: JobFeed<CliRestoreStateFragment> = {
  subscribe: (client, id, next, signal) =>
    client.subscribe(
      RestoreUpdatesDocument,
      { id },
      {
        signal,
        // another kind of job sends no restore state: the watch then ends saying it got none
        next: ({ jobUpdates }) => {
          if (jobUpdates.__typename === 'RestoreJob') next(jobUpdates);
        },
      },
    ),
  shown: (job) => ({ id: job.id, status: job.status, ...job.progress, bytes: job.progress.bytesRestored }),
  outcome: restoreOutcome,
};

/** `restore <repository> <archive> <destination>`: borg extract of an archive, or of some of its paths, into a folder. */
export function registerRestoreCommand(program: Command, run: Runner): void {
  program
    .command('restore')
    .description('restore an archive (or some of its paths) of a registered repository into a folder')
    .argument('<repository>', 'the repository: its path, name or id')
    .argument('<archive>', 'the archive’s name')
    .argument('<destination>', 'the folder to restore into (created when missing; must be empty unless --overwrite)')
    .option(
      '-p, --path <path>',
      'restore only this archive path (as borg lists it, no leading slash); repeatable',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--dry-run', 'read the archive, write nothing')
    .option('--overwrite', 'restore into a folder that is not empty, replacing files of the same name')
    .option('-w, --watch', 'follow its progress until it ends; the exit code is then the job’s (0, 1 or 2)')
    .action((repository: string, archive: string, destination: string, options: RestoreOptions) =>
      run(async (client) => {
        const { startRestore } = await client.request(StartRestoreDocument, {
          input: {
            repository,
            archive,
            // the server's own working folder is not the caller's: a relative destination is the caller's
            destination: path.resolve(destination),
            paths: options.path ?? [],
            dryRun: options.dryRun === true,
            overwrite: options.overwrite === true,
          },
        });
        if (startRestore.__typename !== 'StartRestoreSuccess') throw new CliError(startRestore.message);
        const { id } = startRestore.job;
        if (options.watch) return watchUntilDone(client, id, restoreFeed);
        process.stdout.write(`started restore job ${id} (borgql logs ${id} --follow shows its log)\n`);
        return 0;
      }),
    );
}
