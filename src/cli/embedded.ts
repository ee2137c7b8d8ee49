import { ConfigError, loadConfig } from '../config.js';
import { StartupError } from '../db/startup-error.js';
import { buildApp, type App } from '../server/app.js';
import { BorgqlClient, CliError } from './client.js';

/** Name of the API token an embedded run creates for itself (and revokes when done). */
const RUN_TOKEN_NAME = 'borgql command (embedded server)';

/** True when the lock of the data folder is what refused the start: another server runs on it. */
function isHeldLock(error: StartupError): boolean {
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** What the work of an embedded run learns about its server. */
export interface EmbeddedServer {
  /** the data folder it runs on */
  dataDir: string;
  /** on a fresh data folder, its first admin token: show it once, nothing else ever will */
  initialAdminToken: string | null;
}

async function startEmbedded(attachedUrl: string): Promise<{ app: App; url: string } & EmbeddedServer> {
  let app: App | null = null;
  try {
    // exactly the data folder `borgql serve` uses, but listening on a free loopback port only
    const config = loadConfig({ ...process.env, HOST: '127.0.0.1', PORT: '0', BORGQL_PUBLIC_URL: '' });
    // the server's own log would mix with the watch on stdout: errors only, unless LOG_LEVEL says otherwise
    app = await buildApp(config, { logLevel: process.env.LOG_LEVEL ?? 'error' });
    const { url, initialAdminToken } = await app.start();
    return { app, url, dataDir: config.dataDir, initialAdminToken };
  } catch (error) {
    await app?.stop('the embedded server could not start').catch(() => undefined);
    if (error instanceof StartupError && isHeldLock(error)) {
      throw new CliError(`another borgql server holds the data folder and does not answer at ${attachedUrl}: set BORGQL_URL to its URL (and BORGQL_TOKEN)`);
    }
    if (error instanceof ConfigError || error instanceof StartupError) throw new CliError(error.message);
    throw error;
  }
}

/**
 * Runs `work` against a server started in this process on the local data
 * folder (BORGQL_DATA_DIR, as `borgql serve`), for when none answers:
 * authenticated by an admin token created on its database for this run and
 * revoked afterwards; the server stops gracefully (cancelling what still
 * runs) when `work` ends, whatever happened.
 *
 * @param attachedUrl the URL that did not answer, named when another server holds the data folder
 */
export async function withEmbeddedServer(attachedUrl: string, work: (client: BorgqlClient, server: EmbeddedServer) => Promise<number>): Promise<number> {
  const { app, url, ...server } = await startEmbedded(attachedUrl);
  try {
    const { token, secret } = await app.services.tokens.create(RUN_TOKEN_NAME, 'ADMIN');
    const client = new BorgqlClient(url, secret);
    try {
      return await work(client, server);
    } finally {
      await client.close();
      await app.services.tokens.revoke(token.id).catch(() => undefined);
    }
  } finally {
    await app.stop('the borgql command that ran it ended');
  }
}
