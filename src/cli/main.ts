#!/usr/bin/env node
/**
 * `borgql`, the command line (package.json `bin`): runs the server (`serve`)
 * or talks to one at BORGQL_URL with BORGQL_TOKEN (README, "Command line").
 * Exit codes follow borg's: 0 completed, 1 completed with warnings, 2 failed,
 * cancelled, or an error before any job. A failure is one line on stderr.
 */
// first: sets NODE_ENV before graphql loads (production-mode.ts)
import './production-mode.js';
import { Command, CommanderError } from 'commander';
import { registerBackupCommand } from './backup.js';
import { BorgqlClient, CliError } from './client.js';
import { registerJobCommands, type Action } from './jobs.js';
import { registerRestoreCommand } from './restore.js';
import { serve } from './serve.js';
import { registerTokenCommands } from './token.js';

/** Runs a command's work and sets the exit code; the failures a person can act on are one line, without a stack. */
async function exitWith(work: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await work();
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    process.stderr.write(`borgql: ${error.message}\n`);
    process.exitCode = error.exitCode;
  }
}

function runAgainstServer(action: Action): Promise<void> {
  const client = BorgqlClient.fromEnvironment();
  return exitWith(async () => {
    try {
      return await action(client);
    } finally {
      await client.close();
    }
  });
}

const program = new Command('borgql')
  .description('Run BorgBackup jobs and watch them live (server: borgql serve; the other commands talk to BORGQL_URL with BORGQL_TOKEN)')
  .showHelpAfterError()
  // usage errors exit 2 like borg's, never 1 (which means "completed with warnings" here)
  .exitOverride((error: CommanderError) => {
    process.exit(error.exitCode === 0 ? 0 : 2);
  });

program
  .command('serve')
  .description('run the server (what npm start runs), configured by the environment (README, "Configuration")')
  .action(() => serve());

registerBackupCommand(program, runAgainstServer, exitWith);
registerJobCommands(program, runAgainstServer);
registerRestoreCommand(program, runAgainstServer);
registerTokenCommands(program, exitWith);

program.parseAsync().catch((error: unknown) => {
  // not a failure the CLI foresaw: still one line, the cause named, exit 2
  process.stderr.write(`borgql: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
