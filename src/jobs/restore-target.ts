import { mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { isRemoteLocation, normalizeArchivePath } from '../borg/index.js';
import type { Repository } from '../db/client.js';
import { ValidationError } from '../domain/errors.js';
import { parseStringList } from '../repositories/repository-settings.js';

/** What a restore asks for, before any check. */
export interface RestoreRequest {
  destination: string;
  paths: readonly string[];
  overwrite: boolean;
  dryRun: boolean;
}

/** Whether `inner` is `outer` or lies below it (both absolute and normalised). */
function within(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * The path with every part that exists resolved through symlinks, so a link
 * that points into the repository is judged by where it leads.
 */
function resolveExisting(absolute: string): string {
  let existing = absolute;
  const rest: string[] = [];
  while (true) {
    try {
      return path.join(realpathSync(existing), ...rest.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return absolute;
      rest.push(path.basename(existing));
      existing = parent;
    }
  }
}

/**
 * Checks a restore's destination and paths (README "Restore"): the
 * destination is absolute (`..` normalised away), never the repository's
 * folder or inside it, never a source of the repository unless
 * `overwrite`, and, when it exists, a folder that is empty unless
 * `overwrite`. Paths are archive paths (normalizeArchivePath: a leading `/`
 * is dropped). Returns the normalised destination and paths.
 * @throws ValidationError naming the field at fault
 */
export function checkRestoreTarget(request: RestoreRequest, repository: Pick<Repository, 'path' | 'sourcePaths'>): { destination: string; paths: string[] } {
  const raw = request.destination.trim();
  if (!path.isAbsolute(raw)) throw new ValidationError(`destination must be an absolute path, got ${JSON.stringify(request.destination)}`, 'destination');
  if (raw.includes('\0')) throw new ValidationError('destination must not contain NUL', 'destination');
  const destination = path.resolve(raw);
  const real = resolveExisting(destination);
  if (!isRemoteLocation(repository.path)) {
    const repo = resolveExisting(path.resolve(repository.path));
    if (within(real, repo))
      throw new ValidationError(`destination ${destination} is inside the repository ${repository.path}: restore elsewhere`, 'destination');
  }
  if (!request.overwrite) {
    const source = parseStringList(repository.sourcePaths).find((source) => within(real, resolveExisting(path.resolve(source))));
    if (source)
      throw new ValidationError(
        `destination ${destination} is inside the source ${source} of the repository: restore elsewhere, or set overwrite`,
        'destination',
      );
  }
  let stats;
  try {
    stats = statSync(destination);
  } catch {
    stats = null;
  }
  if (stats && !stats.isDirectory()) throw new ValidationError(`destination ${destination} is not a folder`, 'destination');
  if (stats && !request.overwrite && readdirSync(destination).length > 0) {
    throw new ValidationError(`destination ${destination} is not empty: choose an empty or new folder, or set overwrite`, 'destination');
  }
  const paths: string[] = [];
  for (const given of request.paths) {
    let archivePath: string;
    try {
      archivePath = normalizeArchivePath(given);
    } catch (error) {
      throw new ValidationError((error as Error).message, 'paths');
    }
    if (archivePath === '') throw new ValidationError('paths must not hold an empty path (leave paths empty to restore everything)', 'paths');
    paths.push(archivePath);
  }
  return { destination, paths };
}

/**
 * Checks the destination again when the restore starts (it may have filled
 * up while the job waited) and creates it, 0700, when missing. A dry run
 * creates nothing: borg then runs in the nearest folder that exists, where
 * it writes nothing either. Returns the folder borg runs in.
 * @throws ValidationError as checkRestoreTarget
 */
export function prepareRestoreTarget(request: RestoreRequest, repository: Pick<Repository, 'path' | 'sourcePaths'>): string {
  const { destination } = checkRestoreTarget(request, repository);
  if (!request.dryRun) {
    mkdirSync(destination, { recursive: true, mode: 0o700 });
    return destination;
  }
  let existing = destination;
  while (!isFolder(existing)) existing = path.dirname(existing);
  return existing;
}

function isFolder(candidate: string): boolean {
  try {
    return statSync(candidate).isDirectory();
  } catch {
    return false;
  }
}
