import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADD_REPOSITORY, JOB_STATUS_UPDATES, startBackup } from '../helpers/documents.js';
import { collectWs, gql, gqlRaw } from '../helpers/graphql.js';
import { rest } from '../helpers/rest.js';
import { useServer } from '../helpers/use-server.js';

/** Ids no row can have: beyond Prisma's 32-bit Int, beyond 64 bits, negative, and numbers not written in decimal digits. */
const BAD_IDS = ['2147483648', '9223372036854775808', '-1', '1e3', '0x10'];

const MUTATIONS = `mutation($id: ID!, $ref: String!) {
  startBackup(repository: $ref) { __typename }
  cancelBackup(id: $id) { __typename }
  updateRepository(id: $id, input: { name: "renamed" }) { __typename ... on ValidationError { field } }
  removeRepository(id: $id) { __typename }
  createSchedule(input: { name: "s", cron: "0 3 * * *", repositoryIds: [$id] }) { __typename }
  updateSchedule(id: $id, input: { name: "renamed" }) { __typename }
  removeSchedule(id: $id) { __typename }
  revokeApiToken(id: $id) { __typename }
}`;

describe('ids out of range or malformed are "not found", never a 500', () => {
  const { dir, server, client } = useServer('ids');
  const sources = path.join(dir, 'src');
  const repoPath = path.join(dir, 'repos', 'r');
  let jobId = '';

  beforeAll(async () => {
    mkdirSync(sources, { recursive: true });
    writeFileSync(path.join(sources, 'file.txt'), 'hello');
    await gql(server.graphqlUrl, ADD_REPOSITORY, {
      input: { name: 'r', path: repoPath, sourcePaths: [sources], encryption: 'none', initialize: true, schedule: '0 3 * * *' },
    });
    jobId = await startBackup(server.graphqlUrl, repoPath);
    await collectWs(client, JOB_STATUS_UPDATES, { id: jobId });
  });

  it.each(BAD_IDS)('GraphQL: %s matches nothing, as a typed error or null', async (id) => {
    const queried = await gqlRaw(server.graphqlUrl, 'query($id: ID!) { job(id: $id) { id } repository(id: $id) { id } }', { id });
    expect(queried).toEqual({ status: 200, body: { data: { job: null, repository: null } } });
    const mutated = await gqlRaw(server.graphqlUrl, MUTATIONS, { id, ref: id });
    expect(mutated).toEqual({
      status: 200,
      body: {
        data: {
          startBackup: { __typename: 'NotFoundError' },
          cancelBackup: { __typename: 'NotFoundError' },
          // the contract's AddRepositoryResult has no NotFoundError (docs/api.md): an unknown id is invalid input
          updateRepository: { __typename: 'ValidationError', field: 'id' },
          removeRepository: { __typename: 'NotFoundError' },
          createSchedule: { __typename: 'NotFoundError' },
          updateSchedule: { __typename: 'NotFoundError' },
          removeSchedule: { __typename: 'NotFoundError' },
          revokeApiToken: { __typename: 'NotFoundError' },
        },
      },
    });
    const download = await gqlRaw(server.graphqlUrl, 'mutation($id: ID!) { logDownloadUrl(jobId: $id) }', { id });
    expect(download.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await expect(collectWs(client, 'subscription($id: ID!) { jobProgress(id: $id) { id } }', { id })).rejects.toThrow(/not found/);
    await expect(collectWs(client, 'subscription($id: ID!) { jobLogs(id: $id) { lineNumber } }', { id })).rejects.toThrow(/not found/);
  });

  it.each([
    ['2147483648', 404],
    ['9223372036854775808', 404],
    ['-1', 400],
    ['1e3', 400],
    ['0x10', 400],
    // other spellings of the existing job 1 do not read it
    ['1.0', 400],
    ['%2B1', 400],
    ['%201', 400],
  ])('REST: job_id %s → %i {"detail"}', async (id, code) => {
    for (const [method, route] of [
      ['GET', `/api/backup/status/${id}`],
      ['POST', `/api/backup/cancel/${id}`],
      ['GET', `/api/backup/logs/${id}/stream`],
      ['GET', `/api/backup/logs/${id}/download?token=x`],
    ] as const) {
      const answer = await rest(server.url, method, route);
      expect({ route, status: answer.status, keys: Object.keys(answer.body) }).toEqual({ route, status: code, keys: ['detail'] });
    }
  });

  it('REST: the same ids as a repository reference of /start are unknown repositories (404)', async () => {
    for (const id of BAD_IDS) {
      const answer = await rest(server.url, 'POST', '/api/backup/start', { body: { repository: id } });
      expect(answer).toMatchObject({ status: 404, body: { detail: `repository "${id}" not found` } });
    }
  });

  it('the existing job and repository are still found by their plain ids', async () => {
    expect(jobId).toBe('1');
    expect((await rest(server.url, 'GET', '/api/backup/status/1')).status).toBe(200);
    const { job, repository } = await gql<{ job: { id: string }; repository: { id: string } }>(
      server.graphqlUrl,
      '{ job(id: "1") { id } repository(id: "1") { id } }',
    );
    expect([job.id, repository.id]).toEqual(['1', '1']);
  });
});
