import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTree } from '../helpers/borg.js';
import { collectWs, gql } from '../helpers/graphql.js';
import { DETAIL_KEYS, JOB_KEYS, rest } from '../helpers/rest.js';
import { useServer } from '../helpers/use-server.js';

const GQL_JOB = `id repositoryPath status trigger scheduleId retryOfId archiveName startedAt completedAt errorMessage maintenanceStatus
  progress { percent originalSize compressedSize deduplicatedSize filesProcessed currentFile speedMBps etaSeconds totalExpectedSize }
  logs(limit: 0) { totalLines }`;
const JOB = `query($id: ID!) { job(id: $id) { ${GQL_JOB} } }`;
const WATCH = `subscription($id: ID!) { jobProgress(id: $id) { id status } }`;

type GqlJob = {
  id: string;
  repositoryPath: string;
  status: string;
  trigger: string;
  scheduleId: string | null;
  retryOfId: string | null;
  archiveName: string | null;
  startedAt: string | null;
  completedAt: string | null;
  errorMessage: string | null;
  maintenanceStatus: string | null;
  progress: Record<string, any>;
  logs: { totalLines: number };
};

/** The contract (README "REST (Borg UI compatible)"), spelled out: what the REST Job JSON of a GraphQL job must be. */
function contractJson(job: GqlJob) {
  const p = job.progress;
  return {
    id: Number(job.id),
    repository: job.repositoryPath,
    status: job.status.toLowerCase(),
    started_at: job.startedAt,
    completed_at: job.completedAt,
    progress: Math.floor(p.percent),
    error_message: job.errorMessage,
    has_logs: job.logs.totalLines > 0,
    maintenance_status: job.maintenanceStatus,
    scheduled_job_id: job.scheduleId === null ? null : Number(job.scheduleId),
    triggered_by: job.trigger.toLowerCase(),
    archive_name: job.archiveName,
    retry_of_job_id: job.retryOfId === null ? null : Number(job.retryOfId),
    progress_details: {
      original_size: p.originalSize,
      compressed_size: p.compressedSize,
      deduplicated_size: p.deduplicatedSize,
      nfiles: p.filesProcessed,
      current_file: p.currentFile ?? '',
      progress_percent: Math.floor(p.percent * 100) / 100,
      backup_speed: p.speedMBps,
      total_expected_size: p.totalExpectedSize ?? 0,
      estimated_time_remaining: p.etaSeconds ?? 0,
    },
  };
}

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** Shape checks every Job JSON passes, whatever its status. */
function expectJobShape(json: any) {
  expect(Object.keys(json).sort()).toEqual(JOB_KEYS);
  expect(Object.keys(json.progress_details).sort()).toEqual(DETAIL_KEYS);
  expect(Number.isInteger(json.id)).toBe(true);
  expect(Number.isInteger(json.progress)).toBe(true);
  expect(json.progress).toBeGreaterThanOrEqual(0);
  expect(json.progress).toBeLessThanOrEqual(100);
  for (const key of ['started_at', 'completed_at']) if (json[key] !== null) expect(json[key]).toMatch(ISO_UTC);
  for (const key of ['original_size', 'compressed_size', 'deduplicated_size', 'nfiles', 'total_expected_size', 'estimated_time_remaining']) {
    expect(Number.isInteger(json.progress_details[key]), key).toBe(true);
  }
  expect(json.status).toMatch(/^(pending|running|completed|completed_with_warnings|failed|cancelled)$/);
}

describe('REST compatibility (/api/backup/*)', () => {
  const { dir, server, client } = useServer('rest');
  const repos = path.join(dir, 'repos');
  const [big, many, warn, gone] = ['big', 'many', 'warn', 'gone'].map((name) => path.join(repos, name)) as [string, string, string, string];
  const vanishing = path.join(dir, 'vanishing');
  const ids: Record<string, number> = {};

  const job = async (id: number) => (await gql<{ job: GqlJob }>(server.graphqlUrl, JOB, { id: String(id) })).job;
  const finish = async (id: number) => (await collectWs<{ jobProgress: { status: string } }>(client, WATCH, { id: String(id) })).at(-1)?.jobProgress;
  const status = (id: number) => rest(server.url, 'GET', `/api/backup/status/${id}`);
  const start = async (repository: string) => {
    const answer = await rest(server.url, 'POST', '/api/backup/start', { body: { repository } });
    expect(answer.status).toBe(200);
    return answer.body.job_id as number;
  };

  beforeAll(async () => {
    const bigSources = path.join(dir, 'big');
    mkdirSync(bigSources, { recursive: true });
    // ~384 MB of random data: borg needs a second or two, long enough to watch it run
    for (let i = 0; i < 3; i++) {
      for (let mb = 0; mb < 128; mb += 64) writeFileSync(path.join(bigSources, `r${i}.bin`), randomBytes(64 << 20), { flag: 'a' });
    }
    // over 10,000 log lines (one per file): the download needs several pages
    makeTree(path.join(dir, 'many'), 10_300, 100, 1000);
    mkdirSync(path.join(dir, 'small'), { recursive: true });
    writeFileSync(path.join(dir, 'small', 'file.txt'), 'hello');
    mkdirSync(vanishing, { recursive: true });

    const add = 'mutation($input: AddRepositoryInput!) { addRepository(input: $input) { __typename ... on AddRepositorySuccess { repository { id } } } }';
    for (const [name, repo, sources] of [
      ['big', big, [bigSources]],
      ['many', many, [path.join(dir, 'many')]],
      ['warn', warn, [path.join(dir, 'small'), vanishing]],
      ['gone', gone, [path.join(dir, 'small')]],
    ] as const) {
      const { addRepository } = await gql<{ addRepository: any }>(server.graphqlUrl, add, {
        input: { name, path: repo, sourcePaths: sources, encryption: 'none', initialize: true },
      });
      expect(addRepository.__typename).toBe('AddRepositorySuccess');
      ids[name] = Number(addRepository.repository.id);
    }
  }, 120_000);

  let running = 0;
  let pending = 0;

  it('POST /start answers job_id, "pending" and the message, and the job is queued', async () => {
    const answer = await rest(server.url, 'POST', '/api/backup/start', { body: { repository: big } });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ job_id: expect.any(Number), status: 'pending', message: 'Backup job started' });
    expect(Number.isInteger(answer.body.job_id)).toBe(true);
    running = answer.body.job_id;
  });

  it('GET /status of a running job: the contract fields, progress_details growing between two GraphQL reads', async () => {
    let json: any;
    for (let tries = 0; tries < 400; tries++) {
      json = (await status(running)).body;
      if (json.status === 'running' && json.progress_details.original_size > 0 && json.progress_details.total_expected_size > 0) break;
      await sleep(25);
    }
    const before = await job(running);
    json = (await status(running)).body;
    const after = await job(running);
    expect(after.status).toBe('RUNNING');
    expectJobShape(json);
    expect(json).toMatchObject({
      id: running,
      repository: big,
      status: 'running',
      completed_at: null,
      error_message: null,
      has_logs: true,
      maintenance_status: null,
      scheduled_job_id: null,
      triggered_by: 'manual',
      archive_name: after.archiveName,
      started_at: after.startedAt,
    });
    // no archive exists yet: the name appears once borg saved it (the completed job below)
    expect(json.archive_name).toBeNull();
    const d = json.progress_details;
    for (const [key, field] of [
      ['original_size', 'originalSize'],
      ['compressed_size', 'compressedSize'],
      ['deduplicated_size', 'deduplicatedSize'],
      ['nfiles', 'filesProcessed'],
    ] as const) {
      expect(d[key], key).toBeGreaterThanOrEqual(before.progress[field]);
      expect(d[key], key).toBeLessThanOrEqual(after.progress[field]);
    }
    expect(d.original_size).toBeGreaterThan(0);
    expect(d.total_expected_size).toBe(3 * 128 * 1024 * 1024);
    expect(d.progress_percent).toBeGreaterThan(0);
    expect(d.progress_percent).toBeLessThan(100);
    expect(json.progress).toBe(Math.floor(d.progress_percent));
    expect(json.progress).toBeLessThan(100);
    expect(d.backup_speed).toBeGreaterThanOrEqual(0);
    expect(d.estimated_time_remaining).toBeGreaterThanOrEqual(0);
    expect(typeof d.current_file).toBe('string');
  });

  it('a second start on the busy repository is pending, with zero progress', async () => {
    pending = await start(big);
    const { status: code, body } = await status(pending);
    expect(code).toBe(200);
    expectJobShape(body);
    expect(body).toEqual(contractJson(await job(pending)));
    expect(body).toMatchObject({
      id: pending,
      status: 'pending',
      started_at: null,
      completed_at: null,
      progress: 0,
      archive_name: null,
      has_logs: true, // "queued behind job N"
      progress_details: {
        original_size: 0,
        compressed_size: 0,
        deduplicated_size: 0,
        nfiles: 0,
        current_file: '',
        progress_percent: 0,
        backup_speed: 0,
        total_expected_size: 0,
        estimated_time_remaining: 0,
      },
    });
  });

  it('GET /logs/{id}/stream pages a running log by offset', async () => {
    const first = await rest(server.url, 'GET', `/api/backup/logs/${running}/stream`);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(['has_more', 'job_id', 'lines', 'status', 'total_lines']);
    expect(first.body).toMatchObject({ job_id: running, status: 'running', has_more: false });
    expect(first.body.lines.length).toBe(first.body.total_lines);
    expect(first.body.lines[0]).toEqual({ line_number: 1, content: expect.any(String) });
    const seen = first.body.total_lines as number;
    const next = await rest(server.url, 'GET', `/api/backup/logs/${running}/stream?offset=${seen}`);
    expect(next.body.total_lines).toBeGreaterThanOrEqual(seen);
    expect(next.body.lines.map((l: any) => l.line_number)).toEqual(
      Array.from({ length: next.body.total_lines - seen }, (_, i) => seen + i + 1).slice(0, next.body.lines.length),
    );
    const paged = await rest(server.url, 'GET', `/api/backup/logs/${running}/stream?offset=1&limit=1`);
    expect(paged.body.lines).toEqual([{ line_number: 2, content: first.body.lines[1].content }]);
    expect(paged.body.has_more).toBe(paged.body.total_lines > 2);
  });

  it('POST /cancel of the pending job: process_terminated false, then cancelled; again → 400', async () => {
    const cancel = await rest(server.url, 'POST', `/api/backup/cancel/${pending}`);
    expect(cancel.status).toBe(200);
    expect(cancel.body).toEqual({ message: 'Backup cancelled successfully', process_terminated: false });
    const { body } = await status(pending);
    expect(body).toEqual(contractJson(await job(pending)));
    expect(body).toMatchObject({ status: 'cancelled', started_at: null, completed_at: expect.stringMatching(ISO_UTC) });
    const again = await rest(server.url, 'POST', `/api/backup/cancel/${pending}`);
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ detail: expect.stringMatching(/cancelled and cannot be cancelled/) });
  });

  it('a completed job: every field equals the GraphQL job, progress 100', async () => {
    expect((await finish(running))?.status).toBe('COMPLETED');
    const { body } = await status(running);
    expectJobShape(body);
    expect(body).toEqual(contractJson(await job(running)));
    expect(body).toMatchObject({ status: 'completed', progress: 100, error_message: null, completed_at: expect.stringMatching(ISO_UTC) });
    expect(body.archive_name).toMatch(new RegExp(`^borgql-${running}-`));
    expect(body.progress_details).toMatchObject({ progress_percent: 100, nfiles: 3, current_file: expect.any(String) });
    expect(body.progress_details.original_size).toBeGreaterThanOrEqual(3 * 128 * 1024 * 1024);
  });

  it('completed_with_warnings and failed jobs', async () => {
    rmSync(vanishing, { recursive: true }); // borg warns about the missing source (exit 1)
    rmSync(gone, { recursive: true }); // borg cannot open the repository (exit 2)
    const warned = await start(warn);
    const failed = await start(gone);
    expect((await finish(warned))?.status).toBe('COMPLETED_WITH_WARNINGS');
    expect((await finish(failed))?.status).toBe('FAILED');
    const w = (await status(warned)).body;
    expectJobShape(w);
    expect(w).toEqual(contractJson(await job(warned)));
    expect(w).toMatchObject({ status: 'completed_with_warnings', progress: 100, error_message: null });
    const f = (await status(failed)).body;
    expectJobShape(f);
    expect(f).toEqual(contractJson(await job(failed)));
    expect(f).toMatchObject({ status: 'failed', error_message: expect.stringMatching(/^Repository.DoesNotExist/), archive_name: null });
    expect(f.progress).toBeLessThan(100);
  });

  it('GET /jobs: newest first, limit, repository, scheduled_only and manual_only', async () => {
    // one scheduled job: a schedule firing every second, removed once it fired
    const { createSchedule } = await gql<{ createSchedule: any }>(
      server.graphqlUrl,
      'mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { __typename ... on ScheduleSuccess { schedule { id } } } }',
      { input: { name: 'every-second', cron: '* * * * * *', repositoryIds: [String(ids.many)] } },
    );
    expect(createSchedule.__typename).toBe('ScheduleSuccess');
    const scheduleId = Number(createSchedule.schedule.id);
    let scheduled: any[] = [];
    for (let tries = 0; tries < 100 && scheduled.length === 0; tries++) {
      await sleep(100);
      scheduled = (await rest(server.url, 'GET', '/api/backup/jobs?scheduled_only=true')).body.jobs;
    }
    await gql(server.graphqlUrl, 'mutation($id: ID!) { removeSchedule(id: $id) { __typename } }', { id: String(scheduleId) });
    expect(scheduled.length).toBe(1);
    expect(scheduled[0]).toMatchObject({ triggered_by: 'schedule', scheduled_job_id: scheduleId, repository: many });
    expect((await finish(scheduled[0].id))?.status).toBe('COMPLETED');
    ids.scheduledJob = scheduled[0].id;

    const all = await rest(server.url, 'GET', '/api/backup/jobs');
    expect(all.status).toBe(200);
    expect(Object.keys(all.body)).toEqual(['jobs']);
    const jobIds = all.body.jobs.map((j: any) => j.id);
    expect(jobIds).toEqual([...jobIds].sort((a, b) => b - a));
    expect(jobIds).toHaveLength(5);
    for (const json of all.body.jobs) {
      expectJobShape(json);
      expect(json).toEqual(contractJson(await job(json.id)));
    }
    const one = await rest(server.url, 'GET', '/api/backup/jobs?limit=1');
    expect(one.body.jobs.map((j: any) => j.id)).toEqual([jobIds[0]]);
    const ofBig = await rest(server.url, 'GET', `/api/backup/jobs?repository=${encodeURIComponent(big)}`);
    expect(ofBig.body.jobs.map((j: any) => j.id)).toEqual([pending, running]);
    const manual = await rest(server.url, 'GET', '/api/backup/jobs?manual_only=true');
    expect(manual.body.jobs.map((j: any) => j.id)).toEqual(jobIds.filter((id: number) => id !== ids.scheduledJob));
    expect(manual.body.jobs.every((j: any) => j.triggered_by === 'manual' && j.scheduled_job_id === null)).toBe(true);
    // the spellings FastAPI (Borg UI) reads as booleans, e.g. Python requests' params={"scheduled_only": True}
    for (const [spelling, expected] of [
      ['True', [ids.scheduledJob]],
      ['1', [ids.scheduledJob]],
      ['yes', [ids.scheduledJob]],
      ['False', jobIds],
      ['0', jobIds],
      ['off', jobIds],
    ] as const) {
      const answer = await rest(server.url, 'GET', `/api/backup/jobs?scheduled_only=${spelling}`);
      expect(
        answer.body.jobs?.map((j: any) => j.id),
        spelling,
      ).toEqual(expected);
    }
  });

  it('the log download streams the whole log as an attachment, page after page', async () => {
    const id = ids.scheduledJob as number;
    const { logDownloadUrl } = await gql<{ logDownloadUrl: string }>(server.graphqlUrl, 'mutation($id: ID!) { logDownloadUrl(jobId: $id) }', {
      id: String(id),
    });
    expect(logDownloadUrl.startsWith(`${server.url}/api/backup/logs/${id}/download?token=`)).toBe(true);
    const response = await fetch(logDownloadUrl); // no Authorization header: the link is enough
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="borgql-job-${id}.log"`);
    const text = await response.text();
    const expected: string[] = [];
    for (let offset = 0; ;) {
      const page = (await rest(server.url, 'GET', `/api/backup/logs/${id}/stream?offset=${offset}`)).body;
      expected.push(...page.lines.map((l: any) => l.content));
      offset += page.lines.length;
      if (!page.has_more) break;
    }
    expect(expected.length).toBeGreaterThan(10_300); // more than one 10,000-line page
    expect(text).toBe(`${expected.join('\n')}\n`);
  });

  it('cancel of a finished job is a 400', async () => {
    const answer = await rest(server.url, 'POST', `/api/backup/cancel/${running}`);
    expect(answer).toMatchObject({ status: 400, body: { detail: `job ${running} is completed and cannot be cancelled` } });
  });
});
