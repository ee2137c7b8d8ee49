import { describe, expect, it } from 'vitest';
import { gql } from '../helpers/graphql.js';
import { useServer } from '../helpers/use-server.js';

type Row = { id: string; repositoryPath: string; repository?: { name: string; path: string } };

/**
 * The job list loads its jobs' repositories with the page when (and only
 * when) the selection asks for them (src/schema/job.ts): each row must
 * still carry its own repository, however the field is selected.
 */
describe('jobs: each row with its own repository', () => {
  const { server } = useServer('job-list-repository');

  it('matches every row to its repository, selected directly, aliased, in fragments, or not at all', async () => {
    const { prisma } = server.app.services;
    const repositories = await Promise.all(
      ['alpha', 'beta', 'gamma'].map((name) => prisma.repository.create({ data: { name, path: `/srv/list/${name}`, sourcePaths: '["/data"]' } })),
    );
    for (let i = 0; i < 12; i++) {
      const repository = repositories[(i * 7) % 3]!;
      await prisma.backupJob.create({ data: { repositoryId: repository.id, repositoryPath: repository.path, status: 'COMPLETED', completedAt: new Date() } });
    }
    const documents = [
      '{ jobs(limit: 12) { id repositoryPath repository { name path } } }',
      '{ jobs(limit: 12) { id repositoryPath repo: repository { name path } } }',
      '{ jobs(limit: 12) { id ...Row } } fragment Row on BackupJob { repositoryPath ... on BackupJob { repository { name path } } }',
    ];
    for (const document of documents) {
      const { jobs } = await gql<{ jobs: (Row & { repo?: Row['repository'] })[] }>(server.graphqlUrl, document);
      expect(jobs).toHaveLength(12);
      for (const job of jobs) {
        const repository = job.repository ?? job.repo;
        expect(repository?.path, document).toBe(job.repositoryPath);
        expect(`/srv/list/${repository?.name}`).toBe(job.repositoryPath);
      }
    }
    const { jobs } = await gql<{ jobs: Row[] }>(server.graphqlUrl, '{ jobs(limit: 12) { id repositoryPath } }');
    expect(jobs.map((job) => job.repositoryPath).sort()).toEqual(Array.from({ length: 12 }, (_, i) => repositories[(i * 7) % 3]!.path).sort());
  });
});
