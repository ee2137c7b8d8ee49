import { homedir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { BorgqlClient, CliError, DEFAULT_URL, UnreachableError } from './client.js';
import { withEmbeddedServer } from './embedded.js';
import { cancelJob, watchUntilDone, type Runner } from './jobs.js';
import { AddRepositoryDocument, StartBackupDocument } from './operations.js';
import { backupFeed } from './watch.js';

/** Options of `backup`. */
interface BackupOptions {
  watch?: boolean;
  source?: string[];
  init?: boolean;
  encryption: string;
}

/** A location borg takes as it is (ssh://…, borg's own syntax); anything else is a local path. */
const REMOTE_LOCATION = /^[a-z][a-z0-9+.-]*:\/\//i;

/** True when the argument names a place, not a registered name or id: it holds a slash or starts with a dot or tilde. */
function looksLikeLocation(repository: string): boolean {
  return repository.includes('/') || repository.startsWith('.') || repository.startsWith('~');
}

/**
 * A local path as the server registers it: absolute, `~` expanded (a quoted
 * `~` reaches the command unexpanded), since the server resolves nothing
 * against the caller's working folder. Remote locations stay as they are.
 */
function absoluteLocation(location: string): string {
  if (REMOTE_LOCATION.test(location)) return location;
  const expanded = location === '~' || location.startsWith('~/') ? path.join(homedir(), location.slice(1)) : location;
  return path.resolve(expanded);
}

/**
 * Registers a repository the server does not know yet (addRepository), so
 * that one command can go from nothing to a backup. The passphrase comes
 * from the CLI's own BORG_PASSPHRASE, never from argv (other users see argv).
 */
async function register(client: BorgqlClient, repository: string, options: BackupOptions & { source: string[] }): Promise<void> {
  if (!looksLikeLocation(repository)) {
    throw new CliError(`repository "${repository}" not found; to register it with --source, give its path (e.g. ./${repository})`);
  }
  const location = absoluteLocation(repository);
  const { addRepository: result } = await client.request(AddRepositoryDocument, {
    input: {
      name: path.basename(location.replace(/\/+$/, '')) || location,
      path: location,
      sourcePaths: options.source.map(absoluteLocation),
      initialize: options.init === true,
      encryption: options.encryption,
      ...(process.env.BORG_PASSPHRASE ? { passphrase: process.env.BORG_PASSPHRASE } : {}),
    },
  });
  if (result.__typename !== 'AddRepositorySuccess') throw new CliError(`cannot register ${location}: ${result.message}`);
  process.stderr.write(
    `registered repository ${result.repository.id} "${result.repository.name}" (${result.repository.path})${options.init ? ', initialised' : ''}\n`,
  );
}

/** Starts a backup, registering the repository first when it is unknown and sources are given; resolves with the job id. */
async function startBackup(client: BorgqlClient, argument: string, options: BackupOptions): Promise<string> {
  // a relative path names the same repository from any folder, and as it was registered
  const repository = looksLikeLocation(argument) ? absoluteLocation(argument) : argument;
  const first = (await client.request(StartBackupDocument, { repository })).startBackup;
  if (first.__typename === 'StartBackupSuccess') return first.job.id;
  const { source } = options;
  if (first.__typename !== 'NotFoundError' || !source?.length) throw new CliError(first.message);
  await register(client, repository, { ...options, source });
  const second = (await client.request(StartBackupDocument, { repository })).startBackup;
  if (second.__typename !== 'StartBackupSuccess') throw new CliError(second.message);
  return second.job.id;
}

/** Prints the started job, or with --watch follows it to its exit code. */
function followOrPrint(client: BorgqlClient, id: string, options: BackupOptions): Promise<number> | number {
  if (options.watch) return watchUntilDone(client, id, backupFeed);
  process.stdout.write(`started job ${id} (borgql watch ${id} follows it)\n`);
  return 0;
}

/**
 * The backup in a server of its own, for when none answers: it lives as long
 * as this command, so the command always watches, and Ctrl-C cancels the job
 * (borg keeps a checkpoint) instead of leaving it running.
 */
function backupEmbedded(repository: string, options: BackupOptions): Promise<number> {
  return withEmbeddedServer(DEFAULT_URL, async (client, server) => {
    const id = await startBackup(client, repository, options);
    // said once the job exists, so that a failure before it stays the one line it is with a server
    process.stderr.write(`borgql: no server at ${DEFAULT_URL}; job ${id} runs in this process on ${server.dataDir} (Ctrl-C cancels it)\n`);
    if (server.initialAdminToken) {
      // a fresh data folder: the one time its first admin token can be shown (README "Authentication")
      process.stderr.write(`borgql: created the data folder's first admin API token; it is shown only this once, store it now: ${server.initialAdminToken}\n`);
    }
    return watchUntilDone(client, id, backupFeed, async (job) => {
      process.stderr.write(`\ncancelling job ${job}: its server runs in this command and stops with it\n`);
      await cancelJob(client, job);
    });
  });
}

/**
 * `backup`: through the server at BORGQL_URL; when BORGQL_URL is not set and
 * nothing answers at the default URL, in an embedded server on the local
 * data folder (an explicit BORGQL_URL that does not answer stays an error:
 * that server was meant, and its data is elsewhere).
 */
export function registerBackupCommand(program: Command, run: Runner, exitWith: (work: () => Promise<number>) => Promise<void>): void {
  program
    .command('backup')
    .description(
      'start a backup of a repository (its path, name or id); with --source an unknown one is registered first. ' +
        'Without BORGQL_URL and with no server at the default URL, it runs in this process on BORGQL_DATA_DIR (default ./data) and is watched to its end; Ctrl-C then cancels it',
    )
    .argument('<repository>', 'the repository: its path, name or id')
    .option('-w, --watch', 'follow its progress until it ends; the exit code is then the job’s (0, 1 or 2)')
    .option(
      '-s, --source <path>',
      'register an unknown repository (given by its path) with this source; repeatable',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--init', 'with --source: run borg init on the new repository first')
    .option(
      '--encryption <mode>',
      'with --init: borg init --encryption mode; the passphrase is read from BORG_PASSPHRASE in this environment, never from the command line',
      'repokey-blake2',
    )
    .action((repository: string, options: BackupOptions) => {
      if (process.env.BORGQL_URL) return run(async (client) => followOrPrint(client, await startBackup(client, repository, options), options));
      const client = BorgqlClient.fromEnvironment();
      return exitWith(async () => {
        try {
          let id: string;
          try {
            id = await startBackup(client, repository, options);
          } catch (error) {
            // only before a job exists: a server that dies during the watch must not start a second backup
            if (!(error instanceof UnreachableError)) throw error;
            return await backupEmbedded(repository, options);
          }
          return await followOrPrint(client, id, options);
        } finally {
          await client.close();
        }
      });
    });
}
