import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';

/** Owner read and write, nobody else: the mode of every file borgql keeps secrets or data in. */
export const OWNER_ONLY = 0o600;

/**
 * Sets a file to exactly 0600 when it exists with another mode. The mode a
 * file is created with passes through the process umask, and files an older
 * version left behind may be 0644: both are corrected here.
 */
export function restrictToOwner(file: string): void {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (mode === OWNER_ONLY) return;
  try {
    chmodSync(file, OWNER_ONLY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      `${file} has mode ${mode.toString(8)} and could not be set to 0600 (${code}): it must belong to the user borgql runs as, on a writable disk`,
      { cause: error },
    );
  }
}

/**
 * Creates an empty file readable by its owner only, unless it exists, then
 * sets its mode to exactly 0600. Creating it 0600 (rather than chmod after
 * someone else created it) leaves no moment in which another user could open
 * it and keep reading through that descriptor later.
 */
export function createOwnerOnlyFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', OWNER_ONLY));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  restrictToOwner(file);
}

/** Reads a key file (tightening its mode to 0600 first); null when it does not exist. */
export function readKeyFile(file: string): Buffer | null {
  try {
    restrictToOwner(file);
    return readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Writes `bytes` random bytes to a new key file, 0600 and exclusively (two
 * servers starting at once cannot both write one: the second one reads the
 * first one's key). Returns the key in the file.
 */
export function createKeyFile(file: string, bytes: number): Buffer {
  try {
    writeFileSync(file, randomBytes(bytes), { flag: 'wx', mode: OWNER_ONLY });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = readKeyFile(file);
  if (!key) throw new Error(`${file} vanished right after it was created`);
  return key;
}
