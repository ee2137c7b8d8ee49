import type { PrismaClient } from '../db/client.js';

/**
 * Gives this node the repositories it must run (DESIGN "Borg runs where the
 * data is"), at start. On SQLite the one server is the only node, so it takes
 * every repository, whatever name it carries: a host renamed (the default node
 * name is the host name) must not leave its repositories to a node that will
 * never come back, their jobs PENDING forever. On PostgreSQL other nodes own
 * theirs: a node takes only the rows no node adopted yet ("", from before
 * nodes existed). Returns how many it took.
 */
export async function adoptRepositories(prisma: PrismaClient, nodeName: string, postgres: boolean): Promise<number> {
  const where = postgres ? { node: '' } : { node: { not: nodeName } };
  const { count } = await prisma.repository.updateMany({ where, data: { node: nodeName } });
  return count;
}
