// `npm run migrate:new -- <name>`: writes the next migration, the SQL that
// takes a database built by prisma/migrations to prisma/schema.prisma.
// Stands in for `prisma migrate dev --create-only`, which needs the native
// schema engine (not downloadable here); the SQL is the same engine's output.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  LOCKFILE_NAME,
  MIGRATIONS_DIR,
  SQLITE_LOCKFILE_CONTENT,
  diffMigrationsToSchema,
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

async function main(): Promise<number> {
  const name = slug(process.argv.slice(2).join('_'));
  if (!name) {
    console.error('usage: npm run migrate:new -- <name>');
    return 2;
  }
  const script = await diffMigrationsToSchema();
  if (script === '') {
    console.error('no changes: prisma/migrations already produce prisma/schema.prisma');
    return 1;
  }
  const dirName = `${timestamp(new Date())}_${name}`;
  const dir = path.join(MIGRATIONS_DIR, dirName);
  if (existsSync(dir)) {
    console.error(`${dir} already exists`);
    return 1;
  }
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'migration.sql'), script, 'utf8');
  const lockfile = path.join(MIGRATIONS_DIR, LOCKFILE_NAME);
  if (!existsSync(lockfile)) await writeFile(lockfile, SQLITE_LOCKFILE_CONTENT, 'utf8');
  console.log(`wrote prisma/migrations/${dirName}/migration.sql`);
  console.log('review it; the server applies it at start-up (src/db/migrate.ts)');
  return 0;
}

process.exitCode = await main();
