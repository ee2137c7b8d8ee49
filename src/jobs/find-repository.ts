import type { PrismaClient, Repository } from '../db/client.js';
import { NotFoundError } from '../domain/errors.js';
import { parseRecordId } from '../domain/ids.js';

/**
 * Finds a repository by id, path (with or without a trailing slash) or
 * name; NotFoundError otherwise, also for a removed one (its row stays for
 * the history of its jobs).
 */
export async function findRepository(prisma: PrismaClient, reference: string): Promise<Repository> {
  const ref = reference.trim();
  const id = parseRecordId(ref);
  const byId = id === null ? null : await prisma.repository.findFirst({ where: { id, removedAt: null } });
  const found =
    byId ??
    (await prisma.repository.findFirst({
      where: { removedAt: null, OR: [{ path: ref }, { path: ref.replace(/\/+$/, '') }, { name: ref }] },
    }));
  if (!found) throw new NotFoundError(`repository "${reference}" not found`);
  return found;
}
