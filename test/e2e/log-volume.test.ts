// What a job's log keeps, with real borg (README "How jobs run" and "Job lifecycle" →
// Logs; issue 10 #9): file lines only for added, modified and failed
// files by default (repository listFilter widens or narrows it), file names
// cannot forge log lines, and the log retention removes old jobs' lines but
// keeps the jobs.
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTree } from '../helpers/borg.js';
import { startBackup } from '../helpers/documents.js';
import { collectWs, gql } from '../helpers/graphql.js';
import { rest } from '../helpers/rest.js';
import { useServer } from '../helpers/use-server.js';

type Line = { lineNumber: number; content: string; level: string | null };
const ADD = `mutation($input: AddRepositoryInput!) {
  addRepository(input: $input) { __typename ... on AddRepositorySuccess { repository { id listFilter } } ... on Error { message } ... on ValidationError { field } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateRepositoryInput!) {
  updateRepository(id: $id, input: $input) { __typename ... on AddRepositorySuccess { repository { listFilter } } ... on Error { message } ... on ValidationError { field } } }`;
const WATCH = `subscription($id: ID!) { jobProgress(id: $id) { status errorMessage } }`;
const JOB = `query($id: ID!, $offset: Int) { job(id: $id) { status logsExpired logs(offset: $offset, limit: 10000) { totalLines hasMore lines { lineNumber content level } } } }`;

/** A file line as borg --list writes it: a status letter, a space, an absolute path. */
const FILE_LINE = /^[AMUCEdbchsfi\-x?] \//;

describe('log volume, forged lines and expiry (real borg)', () => {
  const { dir, server, client } = useServer('logvolume');
  const tree = path.join(dir, 'tree');
  const forged = path.join(tree, 'line\nbreak.txt');
  const escape = path.join(tree, 'esc\x1b[31mred.txt');
  const newest = path.join(tree, 'newest.txt');
  let repositoryId: string;
  let repositoryPath: string;
  let firstJob: string;

  beforeAll(async () => {
    makeTree(tree, 300, 200, 50);
    writeFileSync(forged, 'a file whose name holds a newline');
    writeFileSync(escape, 'a file whose name holds a terminal escape sequence');
    // borg keeps the files with the newest ctime of a run out of its files cache, so they are
    // added again by the next run ("A status oddity"); file system clocks tick in milliseconds,
    // so make that one known file, written after a pause
    await sleep(50);
    writeFileSync(newest, 'written last');
    repositoryPath = path.join(dir, 'repo');
    const { addRepository } = await gql<{ addRepository: any }>(server.graphqlUrl, ADD, {
      input: { name: 'volume', path: repositoryPath, sourcePaths: [tree], encryption: 'none', initialize: true },
    });
    expect(addRepository.repository.listFilter).toBe('AME');
    repositoryId = addRepository.repository.id;
  }, 60_000);

  /** Runs a backup to its end; returns the job id and its whole log. */
  async function backup(): Promise<{ id: string; lines: Line[] }> {
    const id = await startBackup(server.graphqlUrl, repositoryPath);
    const final = (await collectWs<{ jobProgress: { status: string; errorMessage: string | null } }>(client, WATCH, { id })).at(-1)?.jobProgress;
    expect(final, JSON.stringify(final)).toMatchObject({ status: 'COMPLETED' });
    const { job } = await gql<{ job: { logs: { hasMore: boolean; lines: Line[] } } }>(server.graphqlUrl, JOB, { id });
    expect(job.logs.hasMore).toBe(false);
    return { id, lines: job.logs.lines };
  }
  const fileLines = (lines: Line[]) => lines.filter((line) => FILE_LINE.test(line.content));

  it('a file name cannot forge log lines: a newline or an escape sequence in it is stored escaped, one line, in the page and the download', async () => {
    const { id, lines } = await backup();
    firstJob = id;
    // the first backup lists every file as added (and nothing else per file: no directories)
    expect(fileLines(lines).filter((line) => line.content.startsWith('A '))).toHaveLength(303);
    expect(fileLines(lines).every((line) => line.content.startsWith('A '))).toBe(true);
    expect(lines.filter((line) => line.content.includes('break.txt')).map((line) => line.content)).toEqual([`A ${tree}/line\\nbreak.txt`]);
    expect(lines.filter((line) => line.content.includes('red.txt')).map((line) => line.content)).toEqual([`A ${tree}/esc\\x1b[31mred.txt`]);
    expect(lines.some((line) => /[\x00-\x1f\x7f-\x9f]/.test(line.content))).toBe(false);

    const { logDownloadUrl } = await gql<{ logDownloadUrl: string }>(server.graphqlUrl, `mutation($id: ID!) { logDownloadUrl(jobId: $id) }`, { id });
    const text = await (await fetch(logDownloadUrl)).text();
    const downloaded = text.split('\n').slice(0, -1);
    expect(downloaded).toEqual(lines.map((line) => line.content));
    expect(downloaded.filter((line) => line.includes('break.txt'))).toEqual([`A ${tree}/line\\nbreak.txt`]);
    expect(text).not.toContain('\x1b');
  });

  it("an unchanged re-backup stores borg's messages and no line per unchanged file; a modified file appears as M", async () => {
    const again = await backup();
    expect(again.lines.filter((line) => line.content.startsWith('U '))).toEqual([]);
    // the one file borg adds again at every run (see beforeAll)
    expect(fileLines(again.lines).map((line) => line.content)).toEqual([`A ${newest}`]);
    expect(again.lines.length).toBeLessThan(40);

    const modified = path.join(tree, 'd002', 'f123.bin');
    appendFileSync(modified, 'more data');
    const third = await backup();
    expect(fileLines(third.lines).map((line) => line.content)).toContain(`M ${modified}`);
    expect(third.lines.filter((line) => line.content.startsWith('U '))).toEqual([]);
  });

  it('listFilter widens the log ("*": every item, unchanged ones and folders too), narrows it, and refuses letters borg does not have', async () => {
    const update = async (listFilter: string | null) =>
      (await gql<{ updateRepository: any }>(server.graphqlUrl, UPDATE, { id: repositoryId, input: { listFilter } })).updateRepository;
    expect(await update('*')).toMatchObject({ repository: { listFilter: '*' } });
    const every = await backup();
    expect(every.lines.filter((line) => line.content.startsWith('U ')).length).toBeGreaterThanOrEqual(300);
    expect(every.lines.filter((line) => line.content.startsWith('d ')).length).toBe(7);

    expect(await update('Ud')).toMatchObject({ repository: { listFilter: 'Ud' } });
    const unchangedAndFolders = await backup();
    expect(new Set(fileLines(unchangedAndFolders.lines).map((line) => line.content[0]))).toEqual(new Set(['U', 'd']));

    expect(await update('')).toMatchObject({ repository: { listFilter: '' } });
    expect(fileLines((await backup()).lines)).toEqual([]);

    for (const bad of ['a', 'AME;rm', 'ALL']) {
      expect(await update(bad), bad).toMatchObject({ __typename: 'ValidationError', field: 'listFilter' });
    }
    const { addRepository } = await gql<{ addRepository: any }>(server.graphqlUrl, ADD, {
      input: { name: 'bad-filter', path: path.join(dir, 'repo2'), sourcePaths: [tree], encryption: 'none', initialize: true, listFilter: 'u' },
    });
    expect(addRepository).toMatchObject({ __typename: 'ValidationError', field: 'listFilter', message: expect.stringContaining('"u"') });
    expect(await update(null)).toMatchObject({ repository: { listFilter: 'AME' } });
  });

  it('expiry removes the lines of jobs that ended before BORGQL_LOG_RETENTION_DAYS and keeps the jobs', async () => {
    const { prisma, logRetention } = server.app.services;
    await prisma.backupJob.update({ where: { id: Number(firstJob) }, data: { completedAt: new Date(Date.now() - 91 * 86_400_000) } });
    const report = await logRetention.sweep();
    expect(report.expiredJobs).toEqual([Number(firstJob)]);

    const { job } = await gql<{ job: { status: string; logsExpired: boolean; logs: { totalLines: number; hasMore: boolean; lines: Line[] } } }>(
      server.graphqlUrl,
      JOB,
      { id: firstJob },
    );
    expect(job).toEqual({ status: 'COMPLETED', logsExpired: true, logs: { totalLines: 0, hasMore: false, lines: [] } });
    const { jobs } = await gql<{ jobs: { id: string; logsExpired: boolean; logs: { totalLines: number } }[] }>(
      server.graphqlUrl,
      '{ jobs { id logsExpired logs(limit: 0) { totalLines } } }',
    );
    expect(jobs.find((listed) => listed.id === firstJob)).toEqual({ id: firstJob, logsExpired: true, logs: { totalLines: 0 } });
    expect(jobs.filter((listed) => listed.id !== firstJob).every((listed) => !listed.logsExpired && listed.logs.totalLines > 0)).toBe(true);

    const status = await rest(server.url, 'GET', `/api/backup/status/${firstJob}`);
    expect(status.body).toMatchObject({ id: Number(firstJob), status: 'completed', has_logs: false });
    expect((await rest(server.url, 'GET', `/api/backup/status/${jobs[0]!.id}`)).body).toMatchObject({ has_logs: true });
    const stream = await rest(server.url, 'GET', `/api/backup/logs/${firstJob}/stream?offset=0`);
    expect(stream.body).toMatchObject({ lines: [], total_lines: 0, has_more: false });
    const { logDownloadUrl } = await gql<{ logDownloadUrl: string }>(server.graphqlUrl, `mutation($id: ID!) { logDownloadUrl(jobId: $id) }`, { id: firstJob });
    expect(await (await fetch(logDownloadUrl)).text()).toBe('');
  });
});
