import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { archiveStats, borg, makeTree } from '../helpers/borg.js';
import { collectSse, collectWs, gql } from '../helpers/graphql.js';
import { useServer } from '../helpers/use-server.js';

const JOB_FIELDS = `id status trigger archiveName repositoryPath exitCode errorMessage createdAt startedAt completedAt
  progress { percent originalSize compressedSize deduplicatedSize filesProcessed currentFile speedMBps etaSeconds totalExpectedSize }`;

const ADD = `mutation Add($input: AddRepositoryInput!) {
  addRepository(input: $input) {
    __typename
    ... on AddRepositorySuccess { repository { id name path sourcePaths hasPassphrase encryption } }
    ... on Error { message }
    ... on BorgError { msgid }
  }
}`;
const START = `mutation Start($repository: String!) {
  startBackup(repository: $repository) {
    __typename
    ... on StartBackupSuccess { message job { id status } }
    ... on Error { message }
  }
}`;
const PROGRESS = `subscription Progress($id: ID!) { jobProgress(id: $id) { ${JOB_FIELDS} } }`;

type Job = {
  id: string;
  status: string;
  exitCode: number | null;
  archiveName: string | null;
  startedAt: string | null;
  completedAt: string | null;
  progress: {
    percent: number;
    originalSize: number;
    compressedSize: number;
    deduplicatedSize: number;
    filesProcessed: number;
    totalExpectedSize: number | null;
  };
};

/**
 * The job's final sizes are `borg create --json`'s own summary of the run
 * (what `borg create --stats` prints). `borg info` recounts the archive later:
 * without the archive's metadata stream in original/compressed size (a few
 * hundred bytes per thousand files), and with the archive's metadata chunks
 * in the deduplicated size (~50 bytes per file here). The file count is
 * identical. README "Progress and statistics" explains the choice.
 */
function expectBorgStats(progress: Job['progress'], info: { original_size: number; compressed_size: number; deduplicated_size: number; nfiles: number }) {
  expect(progress.filesProcessed).toBe(info.nfiles);
  for (const [ours, borgInfo] of [
    [progress.originalSize, info.original_size],
    [progress.compressedSize, info.compressed_size],
  ] as const) {
    expect(ours).toBeGreaterThan(borgInfo);
    expect(ours - borgInfo).toBeLessThan(info.nfiles); // < 1 byte per file
  }
  expect(Math.abs(progress.deduplicatedSize - info.deduplicated_size)).toBeLessThan(info.nfiles * 100);
}

describe('backups through GraphQL with live progress', () => {
  const { dir, server, client } = useServer('backup');
  const sources = path.join(dir, 'src');
  const borgEnv = { BORG_BASE_DIR: path.join(dir, 'borg-test-base'), BORG_PASSPHRASE: 'correct horse' };
  let treeBytes = 0;

  beforeAll(async () => {
    // a few thousand files, big enough that borg reports progress several times
    treeBytes = makeTree(sources, 3000, 40_000).bytes;
  });

  async function addRepository(input: Record<string, unknown>) {
    return (await gql<{ addRepository: any }>(server.graphqlUrl, ADD, { input })).addRepository;
  }

  async function startBackup(repository: string): Promise<string> {
    const { startBackup } = await gql<{ startBackup: any }>(server.graphqlUrl, START, { repository });
    expect(startBackup.__typename).toBe('StartBackupSuccess');
    expect(startBackup.job.status).toBe('PENDING');
    return startBackup.job.id as string;
  }

  const encrypted = path.join(dir, 'repos', 'encrypted');
  const existing = path.join(dir, 'repos', 'existing');

  it('adds a repository with borg init, passphrase write-only', async () => {
    const result = await addRepository({
      name: 'encrypted',
      path: encrypted,
      sourcePaths: [sources],
      passphrase: borgEnv.BORG_PASSPHRASE,
      initialize: true,
    });
    expect(result.__typename).toBe('AddRepositorySuccess');
    expect(result.repository).toMatchObject({ name: 'encrypted', path: encrypted, hasPassphrase: true, encryption: 'repokey-blake2' });
    // borg itself agrees the repository exists and opens with that passphrase
    expect((await borg(['info', '--json', encrypted], borgEnv)).exitCode).toBe(0);
  });

  it('adds an existing repository after borg info proved it', async () => {
    expect((await borg(['init', '--encryption=none', existing], borgEnv)).exitCode).toBe(0);
    const result = await addRepository({ name: 'existing', path: existing, sourcePaths: [sources] });
    expect(result.__typename).toBe('AddRepositorySuccess');
    expect(result.repository.hasPassphrase).toBe(false);
    const { repositories } = await gql<{ repositories: { name: string }[] }>(server.graphqlUrl, '{ repositories { name } }');
    expect(repositories.map((r) => r.name)).toEqual(['encrypted', 'existing']);
  });

  it('streams growing progress over graphql-ws until COMPLETED with the archive stats borg reports', async () => {
    const id = await startBackup(encrypted);
    const events = await collectWs<{ jobProgress: Job }>(client, PROGRESS, { id });
    const states = events.map((e) => e.jobProgress);
    const final = states.at(-1) as Job;
    expect(final.status).toBe('COMPLETED');

    const running = states.filter((s) => s.status === 'RUNNING' && s.progress.originalSize > 0);
    const sizes = running.map((s) => s.progress.originalSize);
    expect(new Set(sizes).size).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeGreaterThanOrEqual(sizes[i - 1] as number);
    // 100 % only once borg has saved the archive (exitCode known)
    for (const state of running) if (state.exitCode === null) expect(state.progress.percent).toBeLessThan(100);

    const stats = await archiveStats(encrypted, final.archiveName as string, borgEnv);
    expect(final.progress).toMatchObject({ percent: 100, filesProcessed: stats.nfiles, totalExpectedSize: treeBytes });
    expect(stats.nfiles).toBe(3000);
    expectBorgStats(final.progress, stats);

    const { job } = await gql<{ job: Job & { logs: { totalLines: number; lines: { content: string }[] } } }>(
      server.graphqlUrl,
      `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} logs(limit: 10000) { totalLines lines { content } } } }`,
      { id },
    );
    expect(job.status).toBe('COMPLETED');
    expect(job.progress).toEqual(final.progress);
    const fileLines = job.logs.lines.filter((line) => /^A \//.test(line.content));
    expect(fileLines).toHaveLength(3000);
  });

  it('streams the same over SSE', async () => {
    const id = await startBackup(existing);
    const events = await collectSse<{ jobProgress: Job }>(server.graphqlUrl, PROGRESS, { id });
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events[0]?.jobProgress.id).toBe(id);
    const final = events.at(-1)?.jobProgress as Job;
    expect(final.status).toBe('COMPLETED');
    const stats = await archiveStats(existing, final.archiveName as string, borgEnv);
    expectBorgStats(final.progress, stats);
  });

  it('queues a second backup of a busy repository, and runs two repositories at once', async () => {
    const first = await startBackup(encrypted);
    const second = await startBackup(encrypted);
    const other = await startBackup(existing);
    const [a, b, c] = await Promise.all([first, second, other].map((id) => collectWs<{ jobProgress: Job }>(client, PROGRESS, { id })));
    const finalOf = (events: { jobProgress: Job }[] | undefined) => events?.at(-1)?.jobProgress as Job;
    for (const events of [a, b, c]) expect(finalOf(events).status).toBe('COMPLETED');
    // the second waited: PENDING while the first ran, started only after it ended
    expect(b?.some((e) => e.jobProgress.status === 'PENDING')).toBe(true);
    expect(Date.parse(finalOf(b).startedAt as string)).toBeGreaterThanOrEqual(Date.parse(finalOf(a).completedAt as string));
    // the other repository did not wait for the first
    expect(Date.parse(finalOf(c).startedAt as string)).toBeLessThan(Date.parse(finalOf(a).completedAt as string));

    const { jobs } = await gql<{ jobs: { id: string }[] }>(server.graphqlUrl, `query($r: String) { jobs(repository: $r) { id } }`, { r: encrypted });
    expect(jobs.map((j) => j.id)).toEqual([second, first, expect.any(String)]);
    const { log } = await gql<{ log: { logs: { lines: { content: string }[] } } }>(
      server.graphqlUrl,
      `query($id: ID!) { log: job(id: $id) { logs(limit: 1) { lines { content } } } }`,
      { id: second },
    );
    expect(log.logs.lines[0]?.content).toBe(`queued behind job ${first}`);
  });
});
