// prisma/postgres/migrations against schema.prisma (drift), and the start-up
// applier (src/db/postgres-migrate.ts) against Prisma's own schema engine, on
// the local PostgreSQL service (README "Running several nodes"): the twin of
// migrations.test.ts. Each test gets its own database, dropped afterwards.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { POSTGRES_SCHEMA, SQLITE_SCHEMA, postgresSchema } from '../../scripts/postgres-schema.mjs';
import { diffPostgresMigrationsToSchema, readMigrationsList, withSchemaEngine } from '../../scripts/prisma-wasm-engine.js';
import { sha256 } from '../../src/db/migrate.js';
import { SyncPostgres } from '../../src/db/postgres.js';
import { applyPostgresMigrations, resolvePostgresMigrationsDir } from '../../src/db/postgres-migrate.js';
import { createTestDatabase, dropTestDatabase, onMaintenanceDatabase } from '../helpers/test-database.js';
import pg from 'pg';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'borgql-pg-migrations-'));
const databases: string[] = [];
const connections: SyncPostgres[] = [];
afterAll(async () => {
  for (const connection of connections) connection.close();
  for (const name of databases) await dropTestDatabase(name);
  rmSync(tmp, { recursive: true, force: true });
});

const migrationsDir = resolvePostgresMigrationsDir();
const migrationNames = readdirSync(migrationsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
const sqlOf = (dir: string, name: string) => readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
let counter = 0;

async function freshDatabase(): Promise<{ url: string; pg: SyncPostgres }> {
  const { name, url } = await createTestDatabase();
  databases.push(name);
  const connection = new SyncPostgres(url);
  connections.push(connection);
  return { url, pg: connection };
}

/** Tables, columns, indexes and constraints of the public schema, the ledger left out, in a stable order. */
async function schemaOf(url: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query(
      `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY table_name, column_name`,
    );
    const indexes = await client.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY indexname`,
    );
    const constraints = await client.query(
      `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid <> '"_prisma_migrations"'::regclass ORDER BY conname`,
    );
    return [columns.rows, indexes.rows, constraints.rows];
  } finally {
    await client.end();
  }
}

function copyMigrations(): string {
  const dir = path.join(tmp, `migrations${++counter}`);
  cpSync(migrationsDir, dir, { recursive: true });
  return dir;
}

describe('PostgreSQL migrations folder vs schema.prisma', () => {
  it('prisma/postgres/schema.prisma is what scripts/postgres-schema.mjs writes from prisma/schema.prisma', () => {
    expect(readFileSync(POSTGRES_SCHEMA, 'utf8')).toBe(postgresSchema(readFileSync(SQLITE_SCHEMA, 'utf8')));
    expect(readFileSync(path.join(migrationsDir, 'migration_lock.toml'), 'utf8')).toContain('provider = "postgresql"');
    expect(migrationNames.some((n) => /^\d{14}_init$/.test(n))).toBe(true);
  });

  it('produces exactly schema.prisma (no drift)', async () => {
    expect(await diffPostgresMigrationsToSchema()).toBe('');
  });

  it('reports drift when schema.prisma has a field the migrations lack', async () => {
    const source = readFileSync(SQLITE_SCHEMA, 'utf8');
    const drifted = source.replace(/(\n\s*borgPid\s+Int\?)/, '$1\n  driftProbe String?');
    expect(drifted).not.toBe(source);
    expect(await diffPostgresMigrationsToSchema({ schema: drifted })).toContain('ALTER TABLE "BackupJob" ADD COLUMN     "driftProbe" TEXT');
  });
});

describe('applyPostgresMigrations (start-up applier)', () => {
  it('creates every table, records each migration with its checksum, then applies nothing', async () => {
    const { url, pg: db } = await freshDatabase();
    expect(applyPostgresMigrations(db, migrationsDir).applied).toEqual(migrationNames);
    expect(applyPostgresMigrations(db, migrationsDir).applied).toEqual([]);
    const rows = db.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(migrationNames);
    for (const row of rows) {
      expect(row.checksum).toBe(sha256(sqlOf(migrationsDir, row.migration_name)));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }
    expect(((await schemaOf(url))[0] as { table_name: string }[]).map((c) => c.table_name)).toEqual(
      expect.arrayContaining(['Repository', 'BackupJob', 'JobLogBlock']),
    );
  });

  it('builds the same database as Prisma’s engine, and each accepts the other’s ledger', async () => {
    const ours = await freshDatabase();
    const engine = await freshDatabase();
    applyPostgresMigrations(ours.pg, migrationsDir);
    const migrationsList = await readMigrationsList(migrationsDir);
    const filters = { externalTables: [], externalEnums: [] };
    const applied = await withSchemaEngine({ postgres: engine.url }, {}, (e) => e.applyMigrations({ migrationsList, filters }));
    expect(applied.appliedMigrationNames).toEqual(migrationNames);
    expect(await schemaOf(ours.url)).toEqual(await schemaOf(engine.url));
    const again = await withSchemaEngine({ postgres: ours.url }, {}, (e) => e.applyMigrations({ migrationsList, filters }));
    expect(again.appliedMigrationNames).toEqual([]);
    expect(applyPostgresMigrations(engine.pg, migrationsDir).applied).toEqual([]);
  });

  it('nodes that start together migrate once (the advisory lock)', async () => {
    const { url, pg: db } = await freshDatabase();
    const script = `import { SyncPostgres } from './src/db/postgres.ts';
      import { applyPostgresMigrations, resolvePostgresMigrationsDir } from './src/db/postgres-migrate.ts';
      const pg = new SyncPostgres(process.env.URL);
      console.log(JSON.stringify(applyPostgresMigrations(pg, resolvePostgresMigrationsDir()).applied));
      pg.close();`;
    const run = () =>
      new Promise<string[]>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, env: { ...process.env, URL: url } });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as string[]) : reject(new Error(out))));
      });
    const results = await Promise.all([run(), run(), run()]);
    expect(results.flat().sort()).toEqual(migrationNames);
    expect(db.query<{ n: string }>('SELECT count(*) AS n FROM "_prisma_migrations"')[0]?.n).toBe(String(migrationNames.length));
  });
});

describe('applyPostgresMigrations refuses', () => {
  it('a failing migration: rolled back, named, and retried once fixed', async () => {
    const dir = copyMigrations();
    const broken = '99990101000000_broken';
    mkdirSync(path.join(dir, broken));
    writeFileSync(path.join(dir, broken, 'migration.sql'), 'CREATE TABLE "Probe" ("id" INTEGER);\nINSERT INTO "Nope" VALUES (1);\n');
    const { pg: db } = await freshDatabase();
    expect(() => applyPostgresMigrations(db, dir)).toThrow(new RegExp(`${broken}.*"Nope" does not exist`));
    expect(db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'Probe'")).toEqual([]);
    expect(db.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations" ORDER BY 1').map((r) => r.migration_name)).toEqual(
      migrationNames,
    );
    writeFileSync(path.join(dir, broken, 'migration.sql'), 'CREATE TABLE "Probe" ("id" INTEGER);\n');
    expect(applyPostgresMigrations(db, dir).applied).toEqual([broken]);
  });

  it('an applied migration edited afterwards (checksum mismatch)', async () => {
    const dir = copyMigrations();
    const { pg: db } = await freshDatabase();
    applyPostgresMigrations(db, dir);
    const first = migrationNames[0]!;
    writeFileSync(path.join(dir, first, 'migration.sql'), `${sqlOf(dir, first)}\n-- edited\n`);
    expect(() => applyPostgresMigrations(db, dir)).toThrow(new RegExp(`migration ${first} was edited after it was applied`));
  });
});

describe('the test service', () => {
  it('keeps no database of this file once it is done (afterAll drops them)', async () => {
    const count = await onMaintenanceDatabase(
      async (client) => (await client.query("SELECT count(*) AS n FROM pg_database WHERE datname LIKE 'borgql_test_%'")).rows,
    );
    expect(count.length).toBe(1);
  });
});
