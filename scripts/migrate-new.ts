// `npm run migrate:new -- <name>`: writes the next migration for both
// databases, the SQL that takes a database built by prisma/migrations
// (SQLite) or prisma/postgres/migrations (PostgreSQL) to prisma/schema.prisma.
// Stands in for `prisma migrate dev --create-only`, which needs the native
// schema engine (not downloadable here); the SQL is the same engine's output.
// The PostgreSQL side needs a PostgreSQL server for its shadow database
// (BORGQL_MIGRATE_POSTGRES_URL, default the local service). Run
// `node scripts/generate-prisma.mjs` afterwards for the clients.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  LOCKFILE_NAME,
  MIGRATIONS_DIR,
  POSTGRES_LOCKFILE_CONTENT,
  POSTGRES_MIGRATIONS_DIR,
  SQLITE_LOCKFILE_CONTENT,
  diffMigrationsToSchema,
  diffPostgresMigrationsToSchema,
} from './prisma-wasm-engine.js';

/** Prisma's directory timestamp: UTC `yyyyMMddHHmmss`. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** Lower-case, `[a-z0-9_]` only, like the CLI's slug, so directory names sort and quote cleanly. */
function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 200);
}

/** One database's migrations folder and how its next migration is computed. */
interface Target {
  dir: string;
  lockfileContent: string;
  diff: () => Promise<string>;
}

const TARGETS: Target[] = [
  { dir: MIGRATIONS_DIR, lockfileContent: SQLITE_LOCKFILE_CONTENT, diff: () => diffMigrationsToSchema() },
  { dir: POSTGRES_MIGRATIONS_DIR, lockfileContent: POSTGRES_LOCKFILE_CONTENT, diff: () => diffPostgresMigrationsToSchema() },
];

async function main(): Promise<number> {
  const name = slug(process.argv.slice(2).join('_'));
  if (!name) {
    console.error('usage: npm run migrate:new -- <name>');
    return 2;
  }
  const dirName = `${timestamp(new Date())}_${name}`;
  // both computed before anything is written: a failure leaves neither folder changed
  const scripts = await Promise.all(TARGETS.map((target) => target.diff()));
  if (scripts.every((script) => script === '')) {
    console.error('no changes: the migrations already produce prisma/schema.prisma');
    return 1;
  }
  for (const [index, target] of TARGETS.entries()) {
    const script = scripts[index]!;
    const relative = path.relative(process.cwd(), target.dir);
    if (script === '') {
      console.log(`${relative}: no changes`);
      continue;
    }
    const dir = path.join(target.dir, dirName);
    if (existsSync(dir)) {
      console.error(`${dir} already exists`);
      return 1;
    }
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'migration.sql'), script, 'utf8');
    const lockfile = path.join(target.dir, LOCKFILE_NAME);
    if (!existsSync(lockfile)) await writeFile(lockfile, target.lockfileContent, 'utf8');
    console.log(`wrote ${relative}/${dirName}/migration.sql`);
  }
  console.log('review them; the server applies them at start-up (src/db/migrate.ts, src/db/postgres-migrate.ts)');
  return 0;
}

process.exitCode = await main();
