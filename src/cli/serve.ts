/**
 * The server (`borgql serve`, and `npm start` through src/main.ts): reads the configuration from the
 * environment, builds the server (migrating the database), recovers jobs a
 * previous process left, listens, and shuts down gracefully on SIGINT or
 * SIGTERM: running borg gets SIGINT first (stop-borg.ts), jobs are recorded,
 * subscriptions closed. A second signal exits at once.
 */
import { ConfigError, loadConfig, type Config } from '../config.js';
import { StartupError } from '../db/startup-error.js';
import { buildApp, type App } from '../server/app.js';

/** Upper bound for a graceful stop: borg's escalation takes at most ~14 s. */
const SHUTDOWN_TIMEOUT_MS = 25_000;

async function startServer(): Promise<void> {
  const config = loadConfig();
  const server = await buildApp(config);
  const { url, recovery, initialAdminToken } = await startOrStop(server, config);
  if (initialAdminToken) {
    // the one time a token is printed: nobody could log in otherwise (README "Authentication")
    console.log(`borgql: created an admin API token; it is shown only this once, store it now:\n\n    ${initialAdminToken}\n`);
  }
  if (recovery.interrupted.length > 0) {
    console.log(`borgql: ended jobs interrupted by the previous server: ${recovery.interrupted.join(', ')}`);
  }
  if (recovery.requeued.length > 0) console.log(`borgql: queued again: ${recovery.requeued.join(', ')}`);
  console.log(`borgql listening on ${url}/graphql (REST /api/backup, docs /api/docs)`);

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      console.error(`borgql: ${signal} again, exiting now`);
      process.exit(1);
    }
    signalled = true;
    console.log(`borgql: ${signal} received, stopping running jobs…`);
    const timeout = setTimeout(() => {
      console.error('borgql: shutdown took too long, exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timeout.unref();
    server.stop(`server received ${signal}`).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('borgql: error during shutdown', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Starts the server; when that fails half-way (the port is taken), stops
 * what already runs, such as re-queued jobs' borg, before the error exits.
 */
async function startOrStop(server: App, config: Config): ReturnType<App['start']> {
  try {
    return await server.start();
  } catch (error) {
    const timeout = setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS);
    timeout.unref();
    await server.stop('server could not start').catch(() => undefined);
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES') {
      const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : 'no such address here';
      throw new StartupError(`cannot listen on ${config.host}:${config.port}: ${why} (set PORT and HOST)`, { cause: error });
    }
    throw error;
  }
}

/**
 * Runs the server until a signal stops it; a start that fails exits the
 * process with 1 (one line for what a person must fix, a stack otherwise).
 */
export function serve(): Promise<void> {
  return startServer().catch((error: unknown) => {
    // problems the person starting borgql must fix are one line; anything else keeps its stack
    console.error(error instanceof ConfigError || error instanceof StartupError ? `borgql: ${error.message}` : error);
    process.exit(1);
  });
}
