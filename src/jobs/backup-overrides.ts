import { existsSync } from 'node:fs';
import { isValidArchiveName } from '../borg/index.js';
import type { BackupJob, Repository } from '../db/client.js';
import { ValidationError } from '../domain/errors.js';
import { parseStringList, validateSourcePaths } from '../repositories/repository-settings.js';

/**
 * What one job may do differently from its repository's settings (REST
 * `source_directories` / `archive_name`, GraphQL `startBackup(sourcePaths,
 * archiveName)`). Stored on the job row, so a retry or a restart runs the
 * same backup.
 */
export interface BackupOverrides {
  /** absolute paths backed up instead of the repository's sources; null: the repository's */
  sourcePaths?: readonly string[] | null;
  /** the archive's name instead of a generated `borgql-<job>-<time>`; null: generated */
  archiveName?: string | null;
}

/** The job columns that hold {@link BackupOverrides}. */
export type OverrideColumns = Pick<BackupJob, 'requestedSourcePaths' | 'requestedArchiveName'>;

/** Longest archive name taken: far beyond any generated one, short enough for every log line and listing. */
export const MAX_ARCHIVE_NAME_LENGTH = 200;

/**
 * Checks an archive name a caller chose: borg's own rules (not empty, no
 * `/`, no `::`), no control characters, and no `{`/`}`, which borg would
 * expand as placeholders ({now}, {hostname}), so the archive would not carry
 * the name the job records.
 */
export function validateArchiveName(name: string, field = 'archiveName'): string {
  if (name.trim() === '') throw new ValidationError('archive name must not be empty', field);
  if (name.length > MAX_ARCHIVE_NAME_LENGTH) throw new ValidationError(`archive name must be at most ${MAX_ARCHIVE_NAME_LENGTH} characters`, field);
  if (/\p{Cc}/u.test(name)) throw new ValidationError('archive name must not contain control characters', field);
  if (/[{}]/.test(name)) throw new ValidationError('archive name must not contain "{" or "}": borg reads them as placeholders ({now}, {hostname}…)', field);
  if (!isValidArchiveName(name)) throw new ValidationError(`archive name must not contain "/" or "::", got ${JSON.stringify(name)}`, field);
  return name;
}

/**
 * Checks overrides as a repository's settings are checked (absolute,
 * existing source paths within the argv limits; a valid archive name) and
 * returns the job columns that store them.
 * @throws ValidationError naming the field at fault
 */
export function overrideColumns(overrides: BackupOverrides): OverrideColumns {
  let requestedSourcePaths: string | null = null;
  if (overrides.sourcePaths != null) {
    const sources = validateSourcePaths(overrides.sourcePaths);
    const missing = sources.find((source) => !existsSync(source));
    if (missing) throw new ValidationError(`source path "${missing}" does not exist`, 'sourcePaths');
    requestedSourcePaths = JSON.stringify(sources);
  }
  const requestedArchiveName = overrides.archiveName == null ? null : validateArchiveName(overrides.archiveName);
  return { requestedSourcePaths, requestedArchiveName };
}

/** The overrides a job row holds, as a retry passes them on. */
export function overridesOf(job: OverrideColumns): BackupOverrides {
  return {
    sourcePaths: job.requestedSourcePaths === null ? null : parseStringList(job.requestedSourcePaths),
    archiveName: job.requestedArchiveName,
  };
}

/** The sources a job backs up: its own when it has some, else its repository's. */
export function sourcePathsOf(job: OverrideColumns, repository: Pick<Repository, 'sourcePaths'>): string[] {
  return parseStringList(job.requestedSourcePaths ?? repository.sourcePaths);
}
