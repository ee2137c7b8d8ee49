/**
 * borgql's entry point (`npm start`): reads the configuration from the
 * environment, builds the server (migrating the database), recovers jobs a
 * previous process left, listens, and shuts down gracefully on SIGINT or
 * SIGTERM: running borg gets SIGINT first (stop-borg.ts), jobs are recorded,
 * subscriptions closed. A second signal exits at once.
 */
import { ConfigError, loadConfig } from './config.js';
import { buildApp } from './server/app.js';

/** Upper bound for a graceful stop: borg's escalation takes at most ~14 s. */
const SHUTDOWN_TIMEOUT_MS = 25_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const server = buildApp(config);
  const { url, recovery, initialAdminToken } = await server.start();
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

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `borgql: ${error.message}` : error);
  process.exit(1);
});
