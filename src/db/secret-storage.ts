import type { DatabaseConnection } from './connection.js';
import type { SyncPostgres } from './postgres.js';
import type { SqliteDatabase } from './sqlite.js';

/** A stored value of a secret column, by its row. */
export interface StoredValue {
  id: number;
  name: string;
  value: string;
}

/** A value to write in place of a stored one (null deletes it). */
export interface SecretChange {
  table: string;
  column: string;
  id: number;
  value: string | null;
}

/** What openSecretsAtRest needs from the database: the one place its SQL differs per database. */
export interface SecretStorage {
  /** the non-empty values of `table.column`, with the row's name */
  read(table: string, column: string): StoredValue[];
  /** writes the changes in one transaction */
  rewrite(changes: readonly SecretChange[]): void;
  /**
   * Removes the copies of replaced values the database may keep outside its
   * live rows (after clear text was encrypted); returns a notice when it
   * could not finish.
   */
  purgeOldCopies(tables: readonly string[]): string | null;
}

const readSql = (table: string, column: string) =>
  `SELECT "id" AS id, "name" AS name, "${column}" AS value FROM "${table}" WHERE "${column}" IS NOT NULL AND "${column}" <> ''`;

/** SQLite: secure_delete while rewriting, then VACUUM and an emptied write-ahead log. */
export function sqliteSecretStorage(db: SqliteDatabase): SecretStorage {
  return {
    read: (table, column) => db.prepare<[], StoredValue>(readSql(table, column)).all(),
    rewrite(changes) {
      if (changes.length === 0) return;
      db.pragma('secure_delete = ON');
      try {
        db.transaction(() => {
          for (const { table, column, id, value } of changes) db.prepare(`UPDATE "${table}" SET "${column}" = ? WHERE "id" = ?`).run(value, id);
        })();
      } finally {
        db.pragma('secure_delete = OFF');
      }
    },
    // Clear text replaced in place can survive in the file: in free space of its page, in pages an older version
    // freed, in the write-ahead log. VACUUM rebuilds the database from live rows only and the TRUNCATE checkpoint
    // empties the log. It costs time in proportion to the database's size.
    purgeOldCopies() {
      db.exec('VACUUM');
      const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      return result?.busy
        ? 'could not empty the write-ahead log after encrypting secrets (another connection is reading); it is emptied at a later checkpoint'
        : null;
    },
  };
}

/** PostgreSQL: an UPDATE leaves the old row version behind until a vacuum; VACUUM FULL rewrites the table without it. */
export function postgresSecretStorage(pg: SyncPostgres): SecretStorage {
  return {
    read: (table, column) => pg.query<StoredValue>(readSql(table, column)),
    rewrite(changes) {
      if (changes.length === 0) return;
      pg.batch(
        changes.map(({ table, column, id, value }) => ({ sql: `UPDATE "${table}" SET "${column}" = $1 WHERE "id" = $2`, params: [value, id] })),
        { transaction: true },
      );
    },
    purgeOldCopies(tables) {
      for (const table of tables) pg.execute(`VACUUM FULL "${table}"`);
      return null;
    },
  };
}

/** The secret storage of a connection. */
export function secretStorage(connection: DatabaseConnection): SecretStorage {
  return connection.kind === 'sqlite' ? sqliteSecretStorage(connection.sqlite) : postgresSecretStorage(connection.pg);
}
