import path from 'node:path';

/** Server configuration, read from the environment (DESIGN.md, "Configuration"). */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Prisma datasource URL, `file:<absolute path>` */
  databaseUrl: string;
  /** the SQLite file behind `databaseUrl` */
  databaseFile: string;
  borgBin: string;
  maxConcurrentJobs: number;
  /** BORGQL_ADMIN_TOKEN: an admin bearer token (never logged) */
  adminToken: string | undefined;
  /** lifetime of log download links (logDownloadUrl), seconds */
  downloadTokenTtlSeconds: number;
  /** BORGQL_PUBLIC_URL: the base of absolute URLs the API hands out (behind a proxy); else the request's Host */
  publicUrl: string | undefined;
  /** BORGQL_LOG_RETENTION_DAYS: days a finished job keeps its log lines; 0 keeps them forever */
  logRetentionDays: number;
  /** environment handed to borg (BORG_BASE_DIR, HOME, PATH…); secrets are added per repository */
  borgEnv: NodeJS.ProcessEnv;
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

/** Builds the configuration; relative paths resolve against the working directory. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.BORGQL_DATA_DIR || './data');
  const databaseUrl = env.DATABASE_URL || `file:${path.join(dataDir, 'borgql.db')}`;
  if (!databaseUrl.startsWith('file:')) {
    throw new ConfigError(`DATABASE_URL must be a SQLite file: URL, got "${databaseUrl}"`);
  }
  const databaseFile = path.resolve(databaseUrl.slice('file:'.length));
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
    databaseUrl: `file:${databaseFile}`,
    databaseFile,
    borgBin: env.BORG_BIN || 'borg',
    maxConcurrentJobs: integer(env, 'BORGQL_MAX_CONCURRENT_JOBS', 4, 1),
    adminToken,
    downloadTokenTtlSeconds: integer(env, 'BORGQL_DOWNLOAD_TOKEN_TTL', 300, 1),
    publicUrl,
    logRetentionDays: integer(env, 'BORGQL_LOG_RETENTION_DAYS', 90, 0),
    // borg has no use for the server's own secret
    borgEnv: Object.fromEntries(Object.entries(env).filter(([name]) => name !== 'BORGQL_ADMIN_TOKEN')),
  };
}
