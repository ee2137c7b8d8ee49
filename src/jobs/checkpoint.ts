import { listArgs, parseArchiveList } from '../borg/index.js';
import type { RepositoryBorg } from '../repositories/repository-borg.js';
import type { LiveJob } from './live-job.js';

/**
 * The checkpoint archive a stopped `borg create` left, if borg lists it.
 * borg 1.2 saves `<name>.checkpoint` on its first SIGINT (docs/borg.md
 * "Signals"), not after SIGTERM or SIGKILL, and never says so on its
 * output: only `borg list --consider-checkpoints` tells. The finding goes
 * into the job's log either way; a listing that fails is noted and counts
 * as no checkpoint.
 */
export async function findCheckpoint(job: LiveJob, borg: RepositoryBorg, archiveName: string): Promise<string | null> {
  const repository = job.row.repository;
  const checkpoint = `${archiveName}.checkpoint`;
  try {
    const args = listArgs(repository.path, repository.lockWaitSeconds, { considerCheckpoints: true });
    const archives = await borg.query(repository, args, parseArchiveList);
    if (archives.some((archive) => archive.name === checkpoint)) {
      job.note(`borg saved the checkpoint archive ${checkpoint}: the next backup reuses its chunks`);
      return checkpoint;
    }
    job.note('borg saved no checkpoint archive');
  } catch (error) {
    job.note(`could not look for a checkpoint archive: ${error instanceof Error ? error.message : String(error)}`, 'WARNING');
  }
  return null;
}
