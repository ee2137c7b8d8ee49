import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, wsClient } from '../helpers/graphql.js';
import { backUp, followJob } from '../helpers/restore.js';
import { rest } from '../helpers/rest.js';
import { startServer, tempDir, type TestServer } from '../helpers/server.js';

/** The keys of a restore job's JSON as README "Restore" lists them (written out, not imported from the code). */
const RESTORE_KEYS = [
  'id',
  'repository',
  'archive',
  'destination',
  'status',
  'started_at',
  'completed_at',
  'progress',
  'error_message',
  'progress_details',
].sort();
const DETAIL_KEYS = ['nfiles', 'current_file', 'progress_percent', 'restore_speed', 'estimated_time_remaining'].sort();

describe("REST: Borg UI's /api/restore and /api/archives (real borg)", () => {
  const tmp = tempDir('restore-rest');
  const source = path.join(tmp.dir, 'src');
  const repo = path.join(tmp.dir, 'repos', 'main');
  const gone = path.join(tmp.dir, 'repos', 'gone');
  let server: TestServer;
  let client: Client;
  let archive: string;
  let backupId: string;
  const call = (method: string, route: string, body?: unknown) => rest(server.url, method, route, body === undefined ? {} : { body });
  const q = (value: string) => encodeURIComponent(value);

  beforeAll(async () => {
    mkdirSync(path.join(source, 'docs'), { recursive: true });
    writeFileSync(path.join(source, 'docs', 'a.txt'), 'hello\n');
    server = await startServer({ dataDir: path.join(tmp.dir, 'data') });
    client = wsClient(server.wsUrl);
    for (const [name, location] of [
      ['main', repo],
      ['gone', gone],
    ]) {
      await gql(server.graphqlUrl, 'mutation($input: AddRepositoryInput!) { addRepository(input: $input) { __typename } }', {
        input: { name, path: location, sourcePaths: [source], encryption: 'none', initialize: true },
      });
    }
    const backup = await backUp(server.graphqlUrl, client, repo);
    backupId = backup.id;
    const listed = await call('GET', `/api/archives/list?repository=${q(repo)}`);
    archive = listed.body.archives[0].name;
  }, 120_000);

  afterAll(async () => {
    await client?.dispose();
    await server?.stop();
    tmp.cleanup();
  });

  it('POST /api/restore/start, GET /api/restore/status/{id} and /jobs: Borg UI shapes', async () => {
    const destination = path.join(tmp.dir, 'out');
    const started = await call('POST', '/api/restore/start', { repository_id: 1, archive, destination, paths: [], dry_run: false });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body).toEqual({ job_id: expect.any(Number), status: 'pending', message: 'Restore job started' });
    const final = (await followJob(client, String(started.body.job_id))).at(-1)!;
    expect(final.status).toBe('COMPLETED');
    const status = await call('GET', `/api/restore/status/${started.body.job_id}`);
    expect(Object.keys(status.body).sort()).toEqual(RESTORE_KEYS);
    expect(Object.keys(status.body.progress_details).sort()).toEqual(DETAIL_KEYS);
    expect(status.body).toMatchObject({
      id: started.body.job_id,
      repository: repo,
      archive,
      destination,
      status: 'completed',
      progress: 100,
      error_message: null,
    });
    const jobs = await call('GET', '/api/restore/jobs?limit=5');
    expect(jobs.body.jobs.map((job: { id: number }) => job.id)).toEqual([started.body.job_id]);
    // done: nothing to cancel
    const cancel = await call('POST', `/api/restore/cancel/${started.body.job_id}`);
    expect(cancel.status).toBe(400);
  }, 60_000);

  it('bad restore input is a 4xx {detail}', async () => {
    const relative = await call('POST', '/api/restore/start', { repository: repo, archive, destination: 'relative' });
    expect(relative.status).toBe(400);
    expect(relative.body.detail).toContain('absolute');
    expect((await call('POST', '/api/restore/start', { repository: '/nowhere', archive, destination: '/tmp/x' })).status).toBe(404);
    expect((await call('POST', '/api/restore/start', { repository: repo, destination: '/tmp/x' })).status).toBe(400);
    expect((await call('GET', '/api/restore/status/999999')).status).toBe(404);
    // a backup is not a restore
    expect((await call('GET', `/api/restore/status/${backupId}`)).status).toBe(404);
    expect((await call('POST', `/api/restore/cancel/${backupId}`)).status).toBe(404);
  });

  it('GET /api/archives/list, /{archive}/info and /{archive}/contents', async () => {
    const list = await call('GET', `/api/archives/list?repository=${q(repo)}`);
    expect(list.body.archives).toEqual([{ name: archive, id: expect.stringMatching(/^[0-9a-f]{64}$/), start: expect.any(String), time: expect.any(String) }]);
    const info = await call('GET', `/api/archives/${q(archive)}/info?repository=${q(repo)}`);
    expect(info.status).toBe(200);
    expect(Object.keys(info.body.info).sort()).toEqual(['comment', 'duration', 'end', 'hostname', 'id', 'name', 'start', 'stats', 'time', 'username']);
    expect(info.body.info.stats).toMatchObject({ nfiles: 1, original_size: 6 });
    const folder = `${source.slice(1)}/docs`;
    const contents = await call('GET', `/api/archives/${q(archive)}/contents?repository=${q(repo)}&path=${q(folder)}`);
    expect(contents.body).toEqual({
      items: [{ path: `${folder}/a.txt`, type: 'file', size: 6, mtime: expect.any(String), mode: '-rw-r--r--' }],
      has_more: false,
    });
    expect((await call('GET', `/api/archives/nope/info?repository=${q(repo)}`)).status).toBe(404);
    expect((await call('GET', `/api/archives/nope/contents?repository=${q(repo)}`)).status).toBe(404);
    expect((await call('GET', `/api/archives/list?repository=${q('/nowhere')}`)).status).toBe(404);
    expect((await call('GET', `/api/archives/${q(archive)}/contents?repository=${q(repo)}&limit=0`)).status).toBe(400);
  });

  it("borg's refusal is a 422 with its message", async () => {
    renameSync(gone, `${gone}.moved`);
    const list = await call('GET', `/api/archives/list?repository=${q(gone)}`);
    expect(list.status).toBe(422);
    expect(list.body.detail).toMatch(/Repository.DoesNotExist/);
  });

  it('DELETE /api/archives/{archive}: 409 while a job holds the repository, then 200', async () => {
    const { startBackup } = await gql(server.graphqlUrl, 'mutation($r: String!) { startBackup(repository: $r) { ... on StartBackupSuccess { job { id } } } }', {
      r: repo,
    });
    const busy = await call('DELETE', `/api/archives/${q(archive)}?repository=${q(repo)}`);
    expect(busy.status).toBe(409);
    expect(busy.body.detail).toContain(`(${startBackup.job.id})`);
    await followJob(client, startBackup.job.id);
    const deleted = await call('DELETE', `/api/archives/${q(archive)}?repository=${q(repo)}`);
    expect(deleted).toMatchObject({ status: 200, body: { message: `Archive ${archive} deleted` } });
    expect((await call('DELETE', `/api/archives/${q(archive)}?repository=${q(repo)}`)).status).toBe(404);
  }, 60_000);

  it('every route is in the OpenAPI document', async () => {
    const { body } = await call('GET', '/api/docs/json');
    for (const route of [
      '/api/restore/start',
      '/api/restore/jobs',
      '/api/restore/status/{job_id}',
      '/api/restore/cancel/{job_id}',
      '/api/archives/list',
      '/api/archives/{archive}/info',
      '/api/archives/{archive}/contents',
      '/api/archives/{archive}',
    ]) {
      expect(Object.keys(body.paths)).toContain(route);
    }
  });
});
