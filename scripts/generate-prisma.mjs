// Runs `prisma generate` offline, for both databases: the SQLite client (and
// the Pothos types) from prisma/schema.prisma, and the PostgreSQL client from
// prisma/postgres/schema.prisma, which this writes first from the SQLite one
// (scripts/postgres-schema.mjs). Every Prisma CLI command checks for the
// native schema engine and tries to download it when missing; generate never
// runs it, so an existing file is enough to satisfy the check. Migrations do
// not need the native engine either: see src/db/migrate.ts and scripts/migrate-new.ts.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { writePostgresSchema } from './postgres-schema.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
// Run outside npm too: the pothos generator is a node_modules/.bin command.
env.PATH = `${path.join(here, '..', 'node_modules', '.bin')}${path.delimiter}${env.PATH ?? ''}`;
env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(here, 'schema-engine-stub.sh');
const cli = path.join(here, '..', 'node_modules', 'prisma', 'build', 'index.js');
const postgresSchema = path.relative(path.join(here, '..'), writePostgresSchema());
for (const args of [['generate'], ['generate', '--schema', postgresSchema]]) {
  const result = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit', env, cwd: path.join(here, '..') });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
