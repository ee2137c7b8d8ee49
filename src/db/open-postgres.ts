import { isAdvisoryLockFree, tryHoldAdvisoryLock, tryHoldNamedAdvisoryLock } from './advisory-locks.js';
import type { ServerDatabase } from './connection.js';
import { PostgresError, SyncPostgres } from './postgres.js';
import { applyPostgresMigrations, resolvePostgresMigrationsDir } from './postgres-migrate.js';
import { StartupError } from './startup-error.js';

/** `postgresql://host:port/database` without user and password: what messages may name. */
export function describePostgresUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.host || 'localhost'}${url.pathname || '/'}`;
}

/** Node's and PostgreSQL's words for "nobody answers there". */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNRESET', '57P03']);

function startupError(where: string, error: unknown): StartupError {
  const code = error instanceof PostgresError ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (code !== undefined && UNREACHABLE.has(code))
    return new StartupError(`cannot reach PostgreSQL at ${where} (${message}): is it running? (DATABASE_URL)`, { cause: error });
  if (code === '3D000')
    return new StartupError(`the PostgreSQL database ${where} does not exist (${message}): create it, or point DATABASE_URL elsewhere`, { cause: error });
  if (code === '28P01' || code === '28000')
    return new StartupError(`PostgreSQL at ${where} refused the login (${message}): check DATABASE_URL's user and password`, { cause: error });
  return new StartupError(`cannot open the PostgreSQL database ${where}: ${message}`, { cause: error });
}

/** Who this server is in a cluster (README "Running several nodes"). */
export interface NodeIdentity {
  /** BORGQL_NODE_NAME */
  nodeName: string;
  /** REDIS_URL: null for a server that runs alone */
  redisUrl: string | null;
}

/**
 * Takes the locks that say who may run beside whom (each an advisory lock on
 * a connection of its own, held for the server's lifetime: a killed process
 * never leaves one behind). Without Redis: the one-server lock, held. With
 * Redis: that lock must be free (a Redis-less server would never hear of the
 * other nodes), and is not kept. Either way the node's name lock, so two
 * processes with one BORGQL_NODE_NAME never run together. Returns their
 * release functions; a StartupError names what runs already.
 */
function takeStartLocks(pg: SyncPostgres, where: string, { nodeName, redisUrl }: NodeIdentity): (() => void)[] {
  const held: (() => void)[] = [];
  try {
    if (redisUrl === null) {
      const server = tryHoldAdvisoryLock(pg, 'server');
      if (!server) throw new StartupError(`another borgql server is using the PostgreSQL database ${where}: stop it first, or give this one its own database`);
      held.push(server);
    } else if (!isAdvisoryLockFree(pg, 'server')) {
      throw new StartupError(`a borgql server without REDIS_URL is using the PostgreSQL database ${where}: stop it, or give it the cluster's REDIS_URL`);
    }
    const node = tryHoldNamedAdvisoryLock(pg, 'node', nodeName);
    if (!node)
      throw new StartupError(`another borgql process runs as node "${nodeName}" on the PostgreSQL database ${where}: give this one its own BORGQL_NODE_NAME`);
    held.push(node);
    return held;
  } catch (error) {
    held.forEach((release) => release());
    throw error;
  }
}

/**
 * A server without Redis runs alone (DESIGN "Scale-out"): it refuses to start
 * while another node's lease is live, since it would never hear of that
 * node's jobs or cancels. Lease ends are compared on this host's clock
 * (nodes' clocks are assumed synchronised, as for the lease sweep).
 */
function refuseBesideLiveNodes(pg: SyncPostgres, where: string, nodeName: string): void {
  const now = new Date().toISOString().replace('Z', '');
  const live = pg.query<{ name: string }>(
    'SELECT "name" FROM "ClusterNode" WHERE "name" <> $1 AND "lastSeenAt" + make_interval(secs => "leaseSeconds") > $2::timestamp ORDER BY "name"',
    [nodeName, now],
  );
  if (live.length > 0) {
    const names = live.map((row) => `"${row.name}"`).join(', ');
    throw new StartupError(
      `another node is live on the PostgreSQL database ${where} (${names}): without REDIS_URL a server runs alone; set REDIS_URL, or stop the other nodes`,
    );
  }
}

/**
 * The PostgreSQL side of openServerDatabase: connects (a server that does not
 * answer is a StartupError in one line, the URL's password left out), takes
 * the start locks (takeStartLocks), then applies the migrations under their
 * own advisory lock; a server without Redis then checks it is alone
 * (refuseBesideLiveNodes).
 */
export function openPostgresDatabase(databaseUrl: string, identity: NodeIdentity): ServerDatabase {
  const where = describePostgresUrl(databaseUrl);
  const pg = new SyncPostgres(databaseUrl);
  let held: (() => void)[] = [];
  try {
    try {
      pg.query('SELECT 1');
    } catch (error) {
      throw startupError(where, error);
    }
    try {
      held = takeStartLocks(pg, where, identity);
    } catch (error) {
      throw error instanceof StartupError ? error : startupError(where, error);
    }
    try {
      applyPostgresMigrations(pg, resolvePostgresMigrationsDir());
    } catch (error) {
      throw new StartupError(`cannot migrate the PostgreSQL database ${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (identity.redisUrl === null) refuseBesideLiveNodes(pg, where, identity.nodeName);
  } catch (error) {
    held.forEach((release) => release());
    pg.close();
    throw error;
  }
  return {
    connection: { kind: 'postgresql', pg },
    close() {
      for (const release of held) {
        try {
          release();
        } catch {
          // closing the thread below ends the sessions, and the locks with them
        }
      }
      pg.close();
    },
  };
}
