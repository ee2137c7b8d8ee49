import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ApiTokenService } from '../auth/tokens.js';
import { isRole, ROLES, type Role } from '../auth/roles.js';
import { ConfigError, loadConfig } from '../config.js';
import { createPrismaClient } from '../db/client.js';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { ApiError, BorgqlClient, CliError, TOKEN_REFUSED, UnreachableError } from './client.js';
import { CreateApiTokenDocument, RevokeApiTokenDocument } from './operations.js';

/** What a token command needs, through the API or straight on the database. */
interface TokenStore {
  create(name: string, role: Role): Promise<{ id: string; name: string; role: string; secret: string }>;
  revoke(id: string): Promise<{ id: string; name: string }>;
}

function apiStore(client: BorgqlClient): TokenStore {
  return {
    async create(name, role) {
      const { createApiToken: result } = await client.request(CreateApiTokenDocument, { name, role });
      if (result.__typename !== 'CreateApiTokenSuccess') throw new CliError(result.message);
      return { ...result.apiToken, secret: result.secret };
    },
    async revoke(id) {
      const { revokeApiToken: result } = await client.request(RevokeApiTokenDocument, { id });
      if (result.__typename !== 'RevokeApiTokenSuccess') throw new CliError(result.message);
      return result.apiToken;
    },
  };
}

/**
 * The token commands straight on the database (BORGQL_DATA_DIR /
 * DATABASE_URL), for when no server answers or no token is at hand. It
 * never takes the one-server lock: a running server keeps running, and SQLite
 * (WAL) lets this second connection write one short transaction beside it.
 * The server looks every presented token up in the database, so it accepts
 * a token created here at once.
 */
async function withDatabaseStore<T>(use: (store: TokenStore) => Promise<T>): Promise<T> {
  let databaseFile: string | null;
  let databaseUrl: string;
  try {
    ({ databaseFile, databaseUrl } = loadConfig());
  } catch (error) {
    throw error instanceof ConfigError ? new CliError(error.message) : error;
  }
  // PostgreSQL (databaseFile null): the client below reaches it or says why
  if (databaseFile !== null && !existsSync(databaseFile)) {
    throw new CliError(`no borgql database at ${databaseFile}: set BORGQL_DATA_DIR (or DATABASE_URL) to the server's`);
  }
  const where = databaseFile ?? 'on PostgreSQL';
  const prisma = await createPrismaClient(databaseUrl);
  const tokens = new ApiTokenService(prisma, { warn: () => undefined });
  const domainErrors = async <R>(work: () => Promise<R>): Promise<R> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ValidationError || error instanceof NotFoundError) throw new CliError(error.message);
      throw new CliError(`cannot write the database ${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  try {
    return await use({
      create: (name, role) =>
        domainErrors(async () => {
          const { token, secret } = await tokens.create(name, role);
          return { id: String(token.id), name: token.name, role: token.role, secret };
        }),
      revoke: (id) =>
        domainErrors(async () => {
          if (!/^\d{1,10}$/.test(id)) throw new ValidationError(`a token id is a number, got "${id}"`, 'id');
          const token = await tokens.revoke(Number(id));
          return { id: String(token.id), name: token.name };
        }),
    });
  } finally {
    await prisma.$disconnect();
  }
}

/**
 * Runs a token command through the API when it answers and a token is at
 * hand; otherwise (or with `--offline`) on the database: the documented way
 * back in when the admin token is lost.
 */
async function withTokenStore<T>(offline: boolean, use: (store: TokenStore, where: string) => Promise<T>): Promise<T> {
  const client = BorgqlClient.fromEnvironment();
  if (!offline && process.env.BORGQL_TOKEN) {
    try {
      return await use(apiStore(client), `through ${client.url}`);
    } catch (error) {
      if (error instanceof ApiError && error.code === TOKEN_REFUSED) throw new CliError(`${error.message}, or add --offline to work on the server's database`);
      if (!(error instanceof UnreachableError)) throw error;
    }
  }
  return withDatabaseStore((store) => use(store, 'on the database'));
}

function role(raw: string): Role {
  const upper = raw.toUpperCase();
  if (!isRole(upper)) throw new CliError(`--role takes one of ${ROLES.join(', ')} (any case), got "${raw}"`);
  return upper;
}

/** `token create` and `token revoke`. */
export function registerTokenCommands(program: Command, run: (work: () => Promise<number>) => Promise<void>): void {
  const token = program.command('token').description('create or revoke API tokens (also offline, on the database)');
  const offlineHelp = 'work on the database (BORGQL_DATA_DIR / DATABASE_URL) even if the server answers';

  token
    .command('create')
    .description('create an API token; its secret is printed once, on stdout')
    .requiredOption('--name <name>', 'what the token is for')
    .requiredOption('--role <role>', `${ROLES.join(', ')} (any case)`)
    .option('--offline', offlineHelp)
    .action((options: { name: string; role: string; offline?: boolean }) =>
      run(() =>
        withTokenStore(options.offline === true, async (store, where) => {
          const created = await store.create(options.name, role(options.role));
          process.stderr.write(
            `created API token ${created.id} "${created.name}" (${created.role}) ${where}; its secret is shown only this once, store it now:\n`,
          );
          process.stdout.write(`${created.secret}\n`);
          return 0;
        }),
      ),
    );

  token
    .command('revoke')
    .description('revoke an API token (the last active admin token cannot be)')
    .argument('<id>')
    .option('--offline', offlineHelp)
    .action((id: string, options: { offline?: boolean }) =>
      run(() =>
        withTokenStore(options.offline === true, async (store, where) => {
          const revoked = await store.revoke(id);
          process.stdout.write(`revoked API token ${revoked.id} "${revoked.name}" ${where}\n`);
          return 0;
        }),
      ),
    );
}
