// The migrations folder against schema.prisma (drift), and our start-up applier
// (src/db/migrate.ts) against Prisma's own schema engine (the wasm build).
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SCHEMA_PATH, applyMigrationsWithEngine, diffMigrationsToSchema, withSchemaEngine, readMigrationsList } from '../../scripts/prisma-wasm-engine.js';
import { applyMigrations, resolveMigrationsDir } from '../../src/db/migrate.js';
import { PrismaClient } from '../../src/generated/prisma/client.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'borgql-migrations-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const migrationsDir = resolveMigrationsDir();
const migrationNames = readdirSync(migrationsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
const sqlOf = (dir: string, name: string) => readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
let counter = 0;
const freshFile = () => path.join(tmp, `db${++counter}`, 'nested', 'borgql.db');

type MasterRow = { type: string; name: string; tbl_name: string; sql: string | null };
/** sqlite_master minus the ledger, in a stable order. */
function schemaOf(file: string, ledger = false): MasterRow[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare<[], MasterRow>('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all();
    return rows.filter((r) => (r.tbl_name === '_prisma_migrations') === ledger);
  } finally {
    db.close();
  }
}
function query<T>(file: string, sql: string): T[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare<[], T>(sql).all();
  } finally {
    db.close();
  }
}
/** A copy of the real migrations to break or edit. */
function copyMigrations(): string {
  const dir = path.join(tmp, `migrations${++counter}`);
  cpSync(migrationsDir, dir, { recursive: true });
  return dir;
}

describe('migrations folder vs schema.prisma', () => {
  it('has at least the initial migration and the sqlite lock file', () => {
    expect(migrationNames.some((n) => /^\d{14}_init$/.test(n))).toBe(true);
    expect(readFileSync(path.join(migrationsDir, 'migration_lock.toml'), 'utf8')).toContain('provider = "sqlite"');
  });

  it('produces exactly schema.prisma (no drift)', async () => {
    expect(await diffMigrationsToSchema()).toBe('');
  });

  it('reports drift when schema.prisma has a field the migrations lack', async () => {
    const source = readFileSync(SCHEMA_PATH, 'utf8');
    const drifted = source.replace(/(\n\s*borgPid\s+Int\?)/, '$1\n  driftProbe String?');
    expect(drifted).not.toBe(source);
    const diff = await diffMigrationsToSchema({ schema: drifted });
    expect(diff).toContain('ALTER TABLE "BackupJob" ADD COLUMN "driftProbe" TEXT');
  });
});

describe('applyMigrations (start-up applier)', () => {
  const file = freshFile();

  it('creates every table in an empty file, then applies nothing', () => {
    expect(applyMigrations(file, migrationsDir).applied).toEqual(migrationNames);
    const tables = schemaOf(file)
      .filter((r) => r.type === 'table')
      .map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['Repository', 'BackupJob', 'JobLogLine']));
    expect(query<{ journal_mode: string }>(file, 'PRAGMA journal_mode')[0]?.journal_mode).toBe('wal');
    expect(applyMigrations(file, migrationsDir).applied).toEqual([]);
  });

  it('records each migration in the ledger with the sha256 of its migration.sql', () => {
    const rows = query<{ migration_name: string; checksum: string; finished_at: string | null; applied_steps_count: number }>(
      file,
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(migrationNames);
    for (const row of rows) {
      expect(row.checksum).toBe(sha256(sqlOf(migrationsDir, row.migration_name)));
      expect(row.finished_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it('builds the same database as Prisma’s engine, and each accepts the other’s ledger', async () => {
    const engineFile = freshFile();
    mkdirSync(path.dirname(engineFile), { recursive: true });
    expect(await applyMigrationsWithEngine(engineFile)).toEqual(migrationNames);
    expect(schemaOf(file)).toEqual(schemaOf(engineFile));
    expect(schemaOf(file, true)).toEqual(schemaOf(engineFile, true));
    // `prisma migrate deploy` on our database: nothing to do, nothing edited.
    expect(await applyMigrationsWithEngine(file)).toEqual([]);
    const migrationsList = await readMigrationsList();
    const diagnosis = await withSchemaEngine(file, {}, (engine) =>
      engine.diagnoseMigrationHistory({
        migrationsList,
        optInToShadowDatabase: false,
        filters: { externalTables: [], externalEnums: [] },
      }),
    );
    expect(diagnosis).toMatchObject({ editedMigrationNames: [], failedMigrationNames: [], history: null });
    // And our applier on the engine's database.
    expect(applyMigrations(engineFile, migrationsDir).applied).toEqual([]);
  });

  it('serves a Prisma client built like the server’s (BigInt sizes, log lines, cascades)', async () => {
    const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${file}` }) });
    try {
      const big = 5n * 2n ** 32n + 7n;
      const repo = await prisma.repository.create({
        data: { name: 'r1', path: '/srv/borg/r1', sourcePaths: JSON.stringify(['/home']) },
      });
      const job = await prisma.backupJob.create({
        data: { repositoryId: repo.id, repositoryPath: repo.path, originalSize: big, compressedSize: big + 1n, totalExpectedSize: big * 3n },
      });
      await prisma.jobLogLine.createMany({
        data: [1, 2, 3].map((lineNumber) => ({ jobId: job.id, lineNumber, content: `line ${lineNumber}`, level: 'INFO', time: new Date() })),
      });
      const read = await prisma.backupJob.findUniqueOrThrow({
        where: { id: job.id },
        include: { repository: true, logLines: { orderBy: { lineNumber: 'asc' } } },
      });
      expect(read.originalSize).toBe(big);
      expect(read.compressedSize).toBe(big + 1n);
      expect(read.totalExpectedSize).toBe(big * 3n);
      expect(read.status).toBe('PENDING');
      expect(read.repository.excludePatterns).toBe('[]');
      expect(read.logLines.map((l) => l.content)).toEqual(['line 1', 'line 2', 'line 3']);
      // better-sqlite3 enforces foreign keys by default: dangling ids fail, deletes cascade.
      await expect(prisma.backupJob.create({ data: { repositoryId: 9999, repositoryPath: '/x' } })).rejects.toThrow();
      await prisma.backupJob.delete({ where: { id: job.id } });
      expect(await prisma.jobLogLine.count()).toBe(0);
    } finally {
      await prisma.$disconnect();
    }
  });
});

describe('applyMigrations with a table redefinition', () => {
  it('keeps child rows (foreign keys stay off while migrating)', async () => {
    // Prisma rewrites a column type by copying the table, dropping the old one
    // and renaming: with foreign keys enforced inside our transaction (where
    // its PRAGMA foreign_keys=OFF is a no-op) the DROP would cascade into JobLogLine.
    const source = readFileSync(SCHEMA_PATH, 'utf8');
    const retyped = source.replace(/(\n\s*percent\s+)Float/, '$1Int  ');
    const sql = await diffMigrationsToSchema({ schema: retyped });
    expect(sql).toContain('DROP TABLE "BackupJob"');
    const dir = copyMigrations();
    const file = freshFile();
    applyMigrations(file, dir);
    const db = new Database(file);
    db.exec(`INSERT INTO Repository (name, path, sourcePaths, updatedAt) VALUES ('r', '/r', '[]', '2020-01-01T00:00:00.000+00:00');
      INSERT INTO BackupJob (repositoryId, repositoryPath) VALUES (1, '/r');
      INSERT INTO JobLogLine (jobId, lineNumber, content) VALUES (1, 1, 'a'), (1, 2, 'b');`);
    db.close();
    mkdirSync(path.join(dir, '99990101000000_retype'));
    writeFileSync(path.join(dir, '99990101000000_retype', 'migration.sql'), sql);
    expect(applyMigrations(file, dir).applied).toEqual(['99990101000000_retype']);
    expect(query<{ n: number }>(file, 'SELECT count(*) AS n FROM JobLogLine')[0]?.n).toBe(2);
  });
});

describe('applyMigrations refuses', () => {
  it('a failing migration: rolled back, named, and retried once fixed', () => {
    const dir = copyMigrations();
    const broken = '99990101000000_broken';
    mkdirSync(path.join(dir, broken));
    writeFileSync(path.join(dir, broken, 'migration.sql'), 'CREATE TABLE "Probe" ("id" INTEGER);\nINSERT INTO "Nope" VALUES (1);\n');
    const file = freshFile();
    expect(() => applyMigrations(file, dir)).toThrow(new RegExp(`${broken}.*no such table: Nope`));
    expect(schemaOf(file).map((r) => r.name)).not.toContain('Probe');
    const ledger = query<{ migration_name: string }>(file, 'SELECT migration_name FROM _prisma_migrations');
    expect(ledger.map((r) => r.migration_name)).toEqual(migrationNames);

    writeFileSync(path.join(dir, broken, 'migration.sql'), 'CREATE TABLE "Probe" ("id" INTEGER);\n');
    expect(applyMigrations(file, dir).applied).toEqual([broken]);
  });

  it('an applied migration edited afterwards (checksum mismatch), but not a line-ending change', () => {
    const dir = copyMigrations();
    const file = freshFile();
    applyMigrations(file, dir);
    const first = migrationNames[0]!;
    const original = sqlOf(dir, first);
    writeFileSync(path.join(dir, first, 'migration.sql'), original.replace(/\n/g, '\r\n'));
    expect(applyMigrations(file, dir).applied).toEqual([]);
    writeFileSync(path.join(dir, first, 'migration.sql'), `${original}-- edited\n`);
    expect(() => applyMigrations(file, dir)).toThrow(new RegExp(`${first} was edited after it was applied`));
  });

  it('a migration Prisma’s engine recorded as failed', () => {
    const file = freshFile();
    applyMigrations(file, migrationsDir);
    const db = new Database(file);
    db.prepare('UPDATE _prisma_migrations SET finished_at = NULL').run();
    db.close();
    expect(() => applyMigrations(file, migrationsDir)).toThrow(/recorded as failed/);
  });
});
