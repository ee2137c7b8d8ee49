import { hostname } from 'node:os';
import path from 'node:path';

/** Server configuration, read from the environment (README "Configuration"). */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Prisma datasource URL: `file:<absolute path>` (SQLite, the default) or `postgresql://…` */
  databaseUrl: string;
  /** the SQLite file behind `databaseUrl`; null on PostgreSQL */
  databaseFile: string | null;
  borgBin: string;
  maxConcurrentJobs: number;
  /** BORGQL_ADMIN_TOKEN: an admin bearer token (never logged) */
  adminToken: string | undefined;
  /** lifetime of log download links (logDownloadUrl), seconds */
  downloadTokenTtlSeconds: number;
  /** BORGQL_PUBLIC_URL: the base of absolute URLs the API hands out (behind a proxy); else the request's Host */
  publicUrl: string | undefined;
  /** BORGQL_CORS_ORIGINS: origins (`https://host[:port]`) whose pages may call the API cross-site; empty: none */
  corsOrigins: string[];
  /** BORGQL_STALLED_CLIENT_TIMEOUT: seconds a subscription connection may stop reading before it is closed */
  stalledClientTimeoutSeconds: number;
  /** BORGQL_LOG_RETENTION_DAYS: days a finished job keeps its log lines; 0 keeps them forever */
  logRetentionDays: number;
  /** environment handed to borg (BORG_BASE_DIR, HOME, PATH…); secrets are added per repository */
  borgEnv: NodeJS.ProcessEnv;
  /** BORGQL_PASSCOMMAND_PREFIXES: the commands a repository's passcommand may start with; empty = no passcommands */
  passcommandPrefixes: string[];
  /** BORGQL_DISCARD_UNREADABLE_SECRETS: delete stored secrets the key file cannot open instead of refusing to start */
  discardUnreadableSecrets: boolean;
  /** BORGQL_WEBHOOK_RETRY_SCALE: multiplies the webhook retry delays (for tests; default 1) */
  webhookRetryScale: number;
  /** REDIS_URL: events cross nodes over Redis pub/sub; null: in process only (README "Running several nodes") */
  redisUrl: string | null;
  /** BORGQL_REDIS_PREFIX: prefix of every Redis channel and key (default: the PostgreSQL database's name, else `borgql`) */
  redisPrefix: string;
  /** BORGQL_NODE_NAME: this node's name, unique in the cluster (default: the host name) */
  nodeName: string;
  /** BORGQL_NODE_LEASE_SECONDS: a node that has not renewed its lease for this long is dead (renewed every third of it) */
  nodeLeaseSeconds: number;
}

/** Thrown for a configuration value that cannot work; main prints it and exits 1. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  }
  return value;
}

/**
 * BORGQL_PASSCOMMAND_PREFIXES, split on `;`: borg runs a passcommand without
 * a shell, so `;` has no use in one. Each prefix is trimmed; quotes and
 * backslashes are refused because borg's shlex would join them with the
 * argument a repository appends in ways nobody reads off the variable.
 */
function passcommandPrefixes(raw: string | undefined): string[] {
  const prefixes = (raw ?? '')
    .split(';')
    .map((prefix) => prefix.trim())
    .filter((prefix) => prefix !== '');
  const bad = prefixes.find((prefix) => /[\x00-\x1f\x7f'"\\]/.test(prefix));
  if (bad !== undefined) {
    throw new ConfigError(
      `BORGQL_PASSCOMMAND_PREFIXES: a prefix is a plain command without quotes, backslashes or control characters, got ${JSON.stringify(bad)}`,
    );
  }
  return prefixes;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (['', '0', 'no', 'false'].includes(raw)) return false;
  if (['1', 'yes', 'true'].includes(raw)) return true;
  throw new ConfigError(`${name} must be yes or no, got "${env[name]}"`);
}

/** BORGQL_CORS_ORIGINS: comma-separated origins, each normalised as a browser sends it (lower-case host, no default port). */
function corsOrigins(raw: string | undefined): string[] {
  const origins = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return origins.map((entry) => {
    const url = URL.canParse(entry) ? new URL(entry) : null;
    const plain = url && /^https?:$/.test(url.protocol) && url.username === '' && url.password === '' && url.search === '' && url.hash === '';
    if (!url || !plain || !/^[a-z]+:\/\/[^/]+\/?$/i.test(entry)) {
      throw new ConfigError(`BORGQL_CORS_ORIGINS takes origins such as https://dashboard.example.org, got "${entry}"`);
    }
    return url.origin;
  });
}

/** BORGQL_WEBHOOK_RETRY_SCALE: a positive factor on the webhook retry delays (tests shorten them). */
function retryScale(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 1)
    throw new ConfigError(`BORGQL_WEBHOOK_RETRY_SCALE must be a number above 0 and at most 1, got "${raw}"`);
  return value;
}

/**
 * DATABASE_URL: a SQLite `file:` URL (made absolute), or a PostgreSQL URL
 * (`postgresql://` or `postgres://`, kept as given: it may hold a password,
 * so a refusal never repeats it).
 */
function databaseOf(url: string): Pick<Config, 'databaseUrl' | 'databaseFile'> {
  if (url.startsWith('file:')) {
    const databaseFile = path.resolve(url.slice('file:'.length));
    return { databaseUrl: `file:${databaseFile}`, databaseFile };
  }
  if (/^postgres(ql)?:\/\//i.test(url) && URL.canParse(url)) return { databaseUrl: url, databaseFile: null };
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? 'no scheme';
  throw new ConfigError(`DATABASE_URL must be a SQLite file: URL or a postgresql:// URL, got one with ${scheme}`);
}

/** REDIS_URL: a `redis://` or `rediss://` URL, or nothing. */
function redisUrlOf(raw: string | undefined): string | null {
  if (raw === undefined || raw.trim() === '') return null;
  const url = raw.trim();
  if (!/^rediss?:\/\//i.test(url) || !URL.canParse(url)) throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  return url;
}

/** BORGQL_NODE_NAME: letters, digits, `.`, `_`, `-` (it names Redis channels and appears in metrics labels). */
function nodeNameOf(raw: string | undefined): string {
  const name = (raw ?? '').trim() || hostname();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) {
    throw new ConfigError(`BORGQL_NODE_NAME must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit, got ${JSON.stringify(name)}`);
  }
  return name;
}

/** BORGQL_REDIS_PREFIX, else the PostgreSQL database's name, else `borgql`. */
function redisPrefixOf(raw: string | undefined, databaseUrl: string): string {
  const explicit = (raw ?? '').trim();
  if (explicit !== '') {
    if (!/^[\x21-\x7e]{1,100}$/.test(explicit)) throw new ConfigError('BORGQL_REDIS_PREFIX must be 1 to 100 printable characters without spaces');
    return explicit;
  }
  if (databaseUrl.startsWith('file:')) return 'borgql';
  return decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, '')) || 'borgql';
}

/** Builds the configuration; relative paths resolve against the working directory. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.BORGQL_DATA_DIR || './data');
  const database = databaseOf(env.DATABASE_URL || `file:${path.join(dataDir, 'borgql.db')}`);
  const port = integer(env, 'PORT', 4000, 0);
  const adminToken = env.BORGQL_ADMIN_TOKEN || undefined;
  // a short admin token is guessable; the message must not echo it
  if (adminToken !== undefined && !/^[\x21-\x7e]{16,256}$/.test(adminToken)) {
    throw new ConfigError('BORGQL_ADMIN_TOKEN must be 16 to 256 printable characters without spaces');
  }
  const publicUrl = env.BORGQL_PUBLIC_URL ? env.BORGQL_PUBLIC_URL.replace(/\/+$/, '') : undefined;
  if (publicUrl !== undefined && !/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(publicUrl)) {
    throw new ConfigError(`BORGQL_PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`);
  }
  if (port > 65535) throw new ConfigError(`PORT must be at most 65535, got ${port}`);
  return {
    port,
    host: env.HOST || '127.0.0.1',
    dataDir,
    ...database,
    borgBin: env.BORG_BIN || 'borg',
    maxConcurrentJobs: integer(env, 'BORGQL_MAX_CONCURRENT_JOBS', 4, 1),
    adminToken,
    downloadTokenTtlSeconds: integer(env, 'BORGQL_DOWNLOAD_TOKEN_TTL', 300, 1),
    publicUrl,
    corsOrigins: corsOrigins(env.BORGQL_CORS_ORIGINS),
    stalledClientTimeoutSeconds: integer(env, 'BORGQL_STALLED_CLIENT_TIMEOUT', 30, 2),
    logRetentionDays: integer(env, 'BORGQL_LOG_RETENTION_DAYS', 90, 0),
    // borg has no use for the server's own secret
    borgEnv: Object.fromEntries(Object.entries(env).filter(([name]) => name !== 'BORGQL_ADMIN_TOKEN')),
    passcommandPrefixes: passcommandPrefixes(env.BORGQL_PASSCOMMAND_PREFIXES),
    discardUnreadableSecrets: flag(env, 'BORGQL_DISCARD_UNREADABLE_SECRETS'),
    webhookRetryScale: retryScale(env.BORGQL_WEBHOOK_RETRY_SCALE),
    redisUrl: redisUrlOf(env.REDIS_URL),
    redisPrefix: redisPrefixOf(env.BORGQL_REDIS_PREFIX, database.databaseUrl),
    nodeName: nodeNameOf(env.BORGQL_NODE_NAME),
    nodeLeaseSeconds: integer(env, 'BORGQL_NODE_LEASE_SECONDS', 30, 3),
  };
}
