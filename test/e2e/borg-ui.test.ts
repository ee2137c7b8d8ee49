import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { borg } from '../helpers/borg.js';
import { collectWs, gql, wsClient } from '../helpers/graphql.js';
import { rest } from '../helpers/rest.js';
import { startServer, tempDir, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { leaveForeignStaleLock } from '../helpers/stale-lock.js';

const WATCH = `subscription($id: ID!) { jobProgress(id: $id) { id status archiveName progress { originalSize speedMBps etaSeconds } } }`;
const JOB = `query($id: ID!) { job(id: $id) { id status archiveName errorMessage retryOfId retryOf { id status } logs(limit: 10000) { lines { content } } } }`;
const START = `mutation($r: String!, $s: [String!], $a: String) { startBackup(repository: $r, sourcePaths: $s, archiveName: $a) {
  __typename ... on StartBackupSuccess { job { id } } ... on Error { message } } }`;
const RETRY = `mutation($id: ID!) { retryJob(id: $id) { __typename ... on StartBackupSuccess { message job { id retryOf { id } } } ... on Error { message } } }`;
const BREAK_LOCK = `mutation($r: String!) { breakLock(repository: $r) {
  __typename ... on BreakLockSuccess { message repository { id } } ... on RepositoryBusyError { jobId } ... on BorgError { msgid } ... on Error { message } } }`;

type Progress = { id: string; status: string; archiveName: string | null; progress: { originalSize: number; speedMBps: number; etaSeconds: number | null } };

/** Borg UI's clients, unchanged, against borgql (README "REST (Borg UI compatible)"): real REST paths, real borg. */
describe('Borg UI clients against the backup API', () => {
  const tmp = tempDir('borg-ui');
  const small = path.join(tmp.dir, 'small');
  const other = path.join(tmp.dir, 'other');
  const repos = path.join(tmp.dir, 'repos');
  const testBorgBase = path.join(tmp.dir, 'test-borg-base');
  const borgEnv = { BORG_BASE_DIR: testBorgBase, BORG_PASSPHRASE: '' };
  const ids: Record<string, number> = {};
  let server: TestServer;
  let client: Client;
  let operatorToken = '';

  const finish = async (id: number | string) => (await collectWs<{ jobProgress: Progress }>(client, WATCH, { id: String(id) })).at(-1)?.jobProgress;
  const job = async (id: number | string) => (await gql<{ job: any }>(server.graphqlUrl, JOB, { id: String(id) })).job;
  const status = async (id: number) => (await rest(server.url, 'GET', `/api/backup/status/${id}`)).body;
  const started = (answer: { status: number; body: any }) => {
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toEqual({ job_id: expect.any(Number), status: 'pending', message: 'Backup job started' });
    return answer.body.job_id as number;
  };

  beforeAll(async () => {
    for (const dir of [small, other]) mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(small, 'a.txt'), 'small');
    writeFileSync(path.join(other, 'b.txt'), 'other');
    const big = path.join(tmp.dir, 'big');
    mkdirSync(big);
    // 3 × 64 MiB of random data: a backup runs for a while, and a SIGINT lets borg finish the file it reads
    for (let i = 0; i < 3; i++) writeFileSync(path.join(big, `r${i}.bin`), randomBytes(64 << 20));
    server = await startServer({ dataDir: path.join(tmp.dir, 'data') });
    client = wsClient(server.wsUrl);
    for (const [name, sources] of [
      ['small', small],
      ['big', big],
      ['locked', small],
      ['doomed', small],
    ] as const) {
      const input = { name, path: path.join(repos, name), sourcePaths: [sources], encryption: 'none', initialize: true, lockWaitSeconds: 1 };
      const { addRepository } = await gql<{ addRepository: any }>(
        server.graphqlUrl,
        'mutation($input: AddRepositoryInput!) { addRepository(input: $input) { __typename ... on AddRepositorySuccess { repository { id } } } }',
        { input },
      );
      expect(addRepository.__typename).toBe('AddRepositorySuccess');
      ids[name] = Number(addRepository.repository.id);
    }
    const { createApiToken } = await gql<{ createApiToken: { secret: string } }>(
      server.graphqlUrl,
      'mutation { createApiToken(name: "borg-ui operator", role: OPERATOR) { ... on CreateApiTokenSuccess { secret } } }',
    );
    operatorToken = createApiToken.secret;
  }, 120_000);

  afterAll(async () => {
    await client?.dispose();
    await server?.stop();
    tmp.cleanup();
  });

  let runJob = 0;

  it('X-Borg-Authorization works like Authorization on REST, GraphQL over HTTP, SSE and graphql-ws; Authorization wins when both come', async () => {
    runJob = started(await rest(server.url, 'POST', '/api/backup/run', { body: { repository: path.join(repos, 'small') }, header: 'X-Borg-Authorization' }));
    expect((await finish(runJob))?.status).toBe('COMPLETED');
    expect((await rest(server.url, 'GET', '/api/backup/jobs', { header: 'x-borg-authorization' })).status).toBe(200);
    expect((await rest(server.url, 'GET', '/api/backup/jobs', { header: 'X-Borg-Authorization', token: 'bq_not-a-token-000000000000000000' })).status).toBe(
      401,
    );
    const both = async (authorization: string, borgUi: string) =>
      (
        await fetch(`${server.url}/api/backup/jobs?limit=1`, {
          headers: { authorization: `Bearer ${authorization}`, 'X-Borg-Authorization': `Bearer ${borgUi}` },
        })
      ).status;
    expect(await both(TEST_ADMIN_TOKEN, 'bq_not-a-token-000000000000000000')).toBe(200);
    expect(await both('bq_not-a-token-000000000000000000', TEST_ADMIN_TOKEN)).toBe(401);

    const query = JSON.stringify({ query: `{ job(id: "${runJob}") { status } }` });
    const http = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Borg-Authorization': `Bearer ${TEST_ADMIN_TOKEN}` },
      body: query,
    });
    expect(await http.json()).toEqual({ data: { job: { status: 'COMPLETED' } } });
    const sse = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'X-Borg-Authorization': `Bearer ${TEST_ADMIN_TOKEN}` },
      body: JSON.stringify({ query: `subscription { jobProgress(id: "${runJob}") { status } }` }),
    });
    expect(sse.status).toBe(200);
    expect(await sse.text()).toMatch(/"status":"COMPLETED"[\s\S]*event: complete/);
    for (const key of ['X-Borg-Authorization', 'x-borg-authorization']) {
      const borgUiClient = wsClient(server.wsUrl, { [key]: `Bearer ${TEST_ADMIN_TOKEN}` });
      const states = await collectWs<{ jobProgress: { status: string } }>(borgUiClient, WATCH, { id: String(runJob) });
      expect(states.at(-1)?.jobProgress.status).toBe('COMPLETED');
      await borgUiClient.dispose();
    }
    const refused = wsClient(server.wsUrl, { 'X-Borg-Authorization': 'Bearer bq_not-a-token-000000000000000000' });
    await expect(collectWs(refused, WATCH, { id: String(runJob) })).rejects.toBeTruthy();
    await refused.dispose();
  });

  it('POST /start takes {"repository_id"} with source_directories and archive_name for that one job; GraphQL startBackup the same', async () => {
    const id = started(
      await rest(server.url, 'POST', '/api/backup/start', { body: { repository_id: ids.small, source_directories: [other], archive_name: 'borg-ui-manual' } }),
    );
    expect((await finish(id))?.status).toBe('COMPLETED');
    expect(await status(id)).toMatchObject({ status: 'completed', archive_name: 'borg-ui-manual', repository: path.join(repos, 'small') });
    const listed = await borg(['list', '--short', `${path.join(repos, 'small')}::borg-ui-manual`], borgEnv);
    expect(listed.stdout.split('\n')).toContain(path.join(other, 'b.txt').slice(1));
    expect(listed.stdout).not.toContain('a.txt');
    expect((await job(id)).logs.lines.map((l: { content: string }) => l.content)).toContain(`this job backs up ${other} instead of the repository's sources`);

    const { startBackup } = await gql<{ startBackup: any }>(server.graphqlUrl, START, { r: String(ids.small), s: [other, small], a: 'graphql-manual' });
    expect(startBackup.__typename).toBe('StartBackupSuccess');
    expect(await finish(startBackup.job.id)).toMatchObject({ status: 'COMPLETED', archiveName: 'graphql-manual' });

    for (const [body, detail] of [
      [{ repository_id: ids.small, source_directories: ['relative/path'] }, /source path must be absolute/],
      [{ repository_id: ids.small, source_directories: [] }, /at least one source path/],
      [{ repository_id: ids.small, source_directories: [path.join(tmp.dir, 'missing')] }, /does not exist/],
      [{ repository_id: ids.small, archive_name: 'a/b' }, /must not contain "\/" or "::"/],
      [{ repository_id: ids.small, archive_name: 'nightly-{now}' }, /placeholders/],
      [{ repository_id: ids.small, archive_name: 'bell\u0007' }, /control characters/],
      [{ repository_id: ids.small, archive_name: ' ' }, /must not be empty/],
    ] as const) {
      const answer = await rest(server.url, 'POST', '/api/backup/start', { body });
      expect(answer, JSON.stringify(body)).toMatchObject({ status: 400, body: { detail: expect.stringMatching(detail) } });
    }
    expect((await gql<{ startBackup: any }>(server.graphqlUrl, START, { r: String(ids.small), a: 'x::y' })).startBackup.__typename).toBe('ValidationError');
  });

  it('POST /run is /start (Borg UI alias): the job of the first test completed with the repository’s own settings', async () => {
    expect(await status(runJob)).toMatchObject({
      status: 'completed',
      archive_name: expect.stringMatching(new RegExp(`^borgql-${runJob}-`)),
      retry_of_job_id: null,
    });
  });

  it('POST /jobs/{id}/retry: 202, a new job with the same repository and overrides linked by retry_of_job_id; GraphQL retryJob and retryOf', async () => {
    // the archive name of the first test is taken: this job fails before any archive exists
    const failed = started(
      await rest(server.url, 'POST', '/api/backup/start', { body: { repository_id: ids.small, source_directories: [other], archive_name: 'borg-ui-manual' } }),
    );
    expect((await finish(failed))?.status).toBe('FAILED');
    expect(await status(failed)).toMatchObject({ status: 'failed', archive_name: null, error_message: expect.stringMatching(/^Archive.AlreadyExists/) });

    const retried = await rest(server.url, 'POST', `/api/backup/jobs/${failed}/retry`, { token: operatorToken, rawBody: '', contentType: 'application/json' });
    expect(retried).toMatchObject({ status: 202, body: { job_id: expect.any(Number), status: 'pending', message: 'Backup job retry started' } });
    const retry = retried.body.job_id as number;
    // the same overrides: the same archive name, taken again
    expect((await finish(retry))?.status).toBe('FAILED');
    expect(await status(retry)).toMatchObject({ retry_of_job_id: failed, archive_name: null, error_message: expect.stringMatching(/^Archive.AlreadyExists/) });
    expect(await job(retry)).toMatchObject({ retryOfId: String(failed), retryOf: { id: String(failed), status: 'FAILED' } });
    const listed = (await rest(server.url, 'GET', '/api/backup/jobs?limit=3')).body.jobs;
    expect(listed.find((j: { id: number }) => j.id === retry)).toMatchObject({ retry_of_job_id: failed });

    // a retry of a job without overrides runs with the repository's settings, through GraphQL
    const { retryJob } = await gql<{ retryJob: any }>(server.graphqlUrl, RETRY, { id: String(runJob) });
    expect(retryJob).toMatchObject({ __typename: 'StartBackupSuccess', message: 'Backup job retry started', job: { retryOf: { id: String(runJob) } } });
    expect((await finish(retryJob.job.id))?.status).toBe('COMPLETED');
    expect((await gql<{ retryJob: any }>(server.graphqlUrl, RETRY, { id: '99999' })).retryJob).toEqual({
      __typename: 'NotFoundError',
      message: 'job 99999 not found',
    });
    expect((await rest(server.url, 'POST', `/api/backup/jobs/${failed}/retry`, { token: null })).status).toBe(401);
  });

  let busy = 0;
  const running: Progress[] = [];

  it('a retry of a job still pending or running is a 400, and break-lock of a repository a job runs on a 409 (RepositoryBusyError)', async () => {
    busy = started(await rest(server.url, 'POST', '/api/backup/start', { body: { repository: String(ids.big) } }));
    let resolveRunning!: () => void;
    const isRunning = new Promise<void>((resolve) => (resolveRunning = resolve));
    void collectWs<{ jobProgress: Progress }>(client, WATCH, { id: String(busy) }, (data) => {
      running.push(data.jobProgress);
      if (data.jobProgress.status === 'RUNNING' && data.jobProgress.progress.originalSize > 0) resolveRunning();
    }).catch(() => undefined);
    const early = await rest(server.url, 'POST', `/api/backup/jobs/${busy}/retry`);
    expect(early).toMatchObject({
      status: 400,
      body: { detail: expect.stringMatching(new RegExp(`^job ${busy} is (pending|running): only a finished job can be retried$`)) },
    });
    await isRunning;
    expect((await rest(server.url, 'POST', `/api/backup/jobs/${busy}/retry`)).body.detail).toBe(`job ${busy} is running: only a finished job can be retried`);
    const refused = await rest(server.url, 'POST', `/api/repositories/${ids.big}/break-lock`);
    expect(refused).toMatchObject({ status: 409, body: { detail: expect.stringMatching(new RegExp(`^job ${busy} is running on repository "big"`)) } });
    const { breakLock } = await gql<{ breakLock: any }>(server.graphqlUrl, BREAK_LOCK, { r: 'big' });
    expect(breakLock).toMatchObject({ __typename: 'RepositoryBusyError', jobId: String(busy) });
  });

  it('POST /cancel with Content-Type: application/json and an empty body is accepted; the checkpoint borg left is the archive_name, and the log says so', async () => {
    const cancel = await rest(server.url, 'POST', `/api/backup/cancel/${busy}`, { rawBody: '', contentType: 'application/json' });
    expect(cancel).toMatchObject({ status: 200, body: { message: 'Backup cancelled successfully', process_terminated: true } });
    const after = await status(busy);
    expect(after).toMatchObject({ status: 'cancelled', archive_name: expect.stringMatching(new RegExp(`^borgql-${busy}-.*\\.checkpoint$`)) });
    const checkpoints = await borg(['list', '--short', '--consider-checkpoints', path.join(repos, 'big')], borgEnv);
    expect(checkpoints.stdout.split('\n')).toContain(after.archive_name);
    const log = (await job(busy)).logs.lines.map((l: { content: string }) => l.content);
    expect(log).toContain(`borg saved the checkpoint archive ${after.archive_name}: the next backup reuses its chunks`);
    // a malformed body is still refused
    expect((await rest(server.url, 'POST', `/api/backup/cancel/${busy}`, { rawBody: '{', contentType: 'application/json' })).status).toBe(400);
  });

  it('ETA is null until a speed above 0 is shown (every state of the running job)', () => {
    expect(running.some((state) => state.progress.originalSize > 0)).toBe(true);
    for (const state of running) if (state.progress.etaSeconds !== null) expect(state.progress.speedMBps, JSON.stringify(state)).toBeGreaterThan(0);
  });

  it('a lock left by a killed borg: the job fails with LOCK_ERROR:: on REST, break-lock (ADMIN) removes it, the retry succeeds', async () => {
    const locked = path.join(repos, 'locked');
    await leaveForeignStaleLock(locked, testBorgBase);
    const id = started(await rest(server.url, 'POST', '/api/backup/start', { body: { repository: locked } }));
    expect((await finish(id))?.status).toBe('FAILED');
    const failed = await status(id);
    expect(failed.archive_name).toBeNull();
    expect(failed.error_message).toMatch(new RegExp(`^LOCK_ERROR::${locked}\\nLockTimeout: `));
    // GraphQL keeps borg's message as it is
    expect((await job(id)).errorMessage).toMatch(/^LockTimeout: /);

    expect((await rest(server.url, 'POST', `/api/repositories/${ids.locked}/break-lock`, { token: operatorToken })).status).toBe(403);
    const broken = await rest(server.url, 'POST', `/api/repositories/${ids.locked}/break-lock`, {
      header: 'X-Borg-Authorization',
      rawBody: '',
      contentType: 'application/json',
    });
    expect(broken).toMatchObject({ status: 200, body: { success: true, message: 'the lock of repository "locked" was broken' } });
    expect(existsSync(path.join(locked, 'lock.exclusive')) && readdirSync(path.join(locked, 'lock.exclusive')).length > 0).toBe(false);
    const retry = await rest(server.url, 'POST', `/api/backup/jobs/${id}/retry`);
    expect(retry.status).toBe(202);
    expect((await finish(retry.body.job_id))?.status).toBe('COMPLETED');
    const { breakLock } = await gql<{ breakLock: any }>(server.graphqlUrl, BREAK_LOCK, { r: locked });
    expect(breakLock).toMatchObject({ __typename: 'BreakLockSuccess', repository: { id: String(ids.locked) } });
  });

  it('typed errors of break-lock on REST: 404 unknown, 422 with borg’s message when borg refuses (BorgError)', async () => {
    expect((await rest(server.url, 'POST', '/api/repositories/99999/break-lock')).status).toBe(404);
    rmSync(path.join(repos, 'doomed'), { recursive: true });
    const refused = await rest(server.url, 'POST', `/api/repositories/${ids.doomed}/break-lock`);
    expect(refused).toMatchObject({ status: 422, body: { detail: expect.stringMatching(/^Repository.DoesNotExist: /) } });
    const { breakLock } = await gql<{ breakLock: any }>(server.graphqlUrl, BREAK_LOCK, { r: 'doomed' });
    expect(breakLock).toMatchObject({ __typename: 'BorgError', msgid: 'Repository.DoesNotExist' });
  });

  it('failed X-Borg-Authorization tokens count for the failure limiter like Authorization ones', async () => {
    let last = 0;
    for (let i = 0; i < 31; i++) {
      last = (
        await rest(server.url, 'GET', '/api/backup/jobs', {
          header: 'X-Borg-Authorization',
          token: `bq_wrong-${String(i).padStart(4, '0')}-xxxxxxxxxxxxxxxxxxxxxx`,
        })
      ).status;
    }
    expect(last).toBe(429);
    // the admin token has authenticated from this address before: it keeps working meanwhile
    expect((await rest(server.url, 'GET', '/api/backup/jobs?limit=1', { header: 'X-Borg-Authorization' })).status).toBe(200);
  });
});
