// Which repositories a node takes at start (src/cluster/repository-adoption.ts).
import { afterAll, describe, expect, it } from 'vitest';
import { adoptRepositories } from '../../src/cluster/repository-adoption.js';
import { standinJobs } from '../helpers/standin-jobs.js';
import { QUICK, testCluster } from './nodes.js';

const domains = standinJobs('adoption');
afterAll(() => domains.remove());

describe('repository adoption', () => {
  it('on SQLite the one server takes every repository, also those of its old host name', async () => {
    const jobs = domains.create();
    try {
      await jobs.repository('old-name', QUICK, { node: 'old-host' });
      await jobs.repository('unadopted', QUICK, { node: '' });
      await jobs.repository('mine', QUICK, { node: 'new-host' });
      expect(await adoptRepositories(jobs.prisma, 'new-host', false)).toBe(2);
      const rows = await jobs.prisma.repository.findMany({ select: { node: true } });
      expect(rows.map((row) => row.node)).toEqual(['new-host', 'new-host', 'new-host']);
    } finally {
      await jobs.close();
    }
  });

  it("on PostgreSQL a node takes only the repositories no node adopted yet, never another node's", async () => {
    const cluster = await testCluster('adoption');
    try {
      await cluster.node('a'); // migrates the database (and adopts nothing: it is empty)
      const unadopted = await cluster.repository('unadopted', '', QUICK);
      const ofOther = await cluster.repository('of-other', 'other', QUICK);
      expect(await adoptRepositories(cluster.prisma, 'a', true)).toBe(1);
      expect(await cluster.prisma.repository.findUniqueOrThrow({ where: { id: unadopted.id } })).toMatchObject({ node: 'a' });
      expect(await cluster.prisma.repository.findUniqueOrThrow({ where: { id: ofOther.id } })).toMatchObject({ node: 'other' });
    } finally {
      await cluster.remove();
    }
  });
});
