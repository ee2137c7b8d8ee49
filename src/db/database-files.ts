import { createOwnerOnlyFile, restrictToOwner } from '../secrets/key-file.js';

/** The files SQLite keeps beside a database (WAL mode uses -wal and -shm; -journal is the rollback journal). */
const COMPANIONS = ['-wal', '-shm', '-journal'];

/**
 * Makes the SQLite database and its companion files 0600 whatever the
 * folder's mode and the process umask, before anything opens it: the
 * database is created empty and 0600 when missing (SQLite takes an empty
 * file as an empty database), and files an older version left 0644 are
 * tightened. SQLite creates -wal, -shm and -journal with the database
 * file's own mode, so they stay 0600 afterwards.
 */
export function restrictDatabaseFiles(databaseFile: string): void {
  createOwnerOnlyFile(databaseFile);
  for (const suffix of COMPANIONS) restrictToOwner(`${databaseFile}${suffix}`);
}
