import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTree } from '../helpers/borg.js';
import { gql, gqlRaw, wsClient } from '../helpers/graphql.js';
import { backUp, expectSameTree, followJob, startRestore, treeOf } from '../helpers/restore.js';
import { bearer, startServer, tempDir, type TestServer } from '../helpers/server.js';

const ARCHIVES = `query($id: ID!) { repository(id: $id) { archives { name id start end hostname username stats { originalSize nfiles } } } }`;
const CONTENTS = `query($id: ID!, $name: String!, $path: String!, $limit: Int!, $after: String) { repository(id: $id) {
  archive(name: $name) { contents(path: $path, limit: $limit, after: $after) { hasMore endCursor entries { path type size mtime linkTarget } } } } }`;
const DELETE = `mutation($r: String!, $a: String!) { deleteArchive(repository: $r, archive: $a) {
  __typename ... on DeleteArchiveSuccess { message } ... on Error { message } ... on RepositoryBusyError { jobId } } }`;
const CANCEL = `mutation($id: ID!) { cancelJob(id: $id) { __typename ... on CancelJobSuccess { processTerminated job { status } } ... on Error { message } } }`;

type Entry = { path: string; type: string; size: number; mtime: string | null; linkTarget: string | null };

describe('restores, archives and their contents (real borg)', () => {
  const tmp = tempDir('restore');
  const source = path.join(tmp.dir, 'src');
  const large = path.join(tmp.dir, 'large');
  const repo = path.join(tmp.dir, 'repos', 'main');
  const largeRepo = path.join(tmp.dir, 'repos', 'large');
  /** the archive path of `source`: borg stores absolute paths without their leading slash */
  const sourceInArchive = source.slice(1);
  let server: TestServer;
  let client: Client;
  let repoId: string;
  let archive: string;

  const restoreTo = (name: string) => path.join(tmp.dir, 'restored', name);
  const run = async (input: Record<string, unknown>) => {
    const started = await startRestore(server.graphqlUrl, { repository: repo, archive, ...input });
    expect(started.__typename, started.message).toBe('StartRestoreSuccess');
    return (await followJob(client, started.job!.id)).at(-1)!;
  };
  const contents = async (pathInArchive: string, limit: number, after: string | null = null) =>
    (
      await gql<{ repository: { archive: { contents: { hasMore: boolean; endCursor: string | null; entries: Entry[] } } } }>(server.graphqlUrl, CONTENTS, {
        id: repoId,
        name: archive,
        path: pathInArchive,
        limit,
        after,
      })
    ).repository.archive.contents;

  beforeAll(async () => {
    mkdirSync(path.join(source, 'docs', 'sub'), { recursive: true });
    writeFileSync(path.join(source, 'docs', 'a.txt'), 'hello\n');
    writeFileSync(path.join(source, 'docs', 'b.bin'), randomBytes(300_000));
    writeFileSync(path.join(source, 'docs', 'sub', 'c.txt'), 'deeper\n');
    symlinkSync('docs/a.txt', path.join(source, 'link'));
    makeTree(path.join(source, 'many'), 10_000, 8, 10_000);
    mkdirSync(large, { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(path.join(large, `r${i}.bin`), randomBytes(128 * 1024 * 1024));

    server = await startServer({ dataDir: path.join(tmp.dir, 'data') });
    client = wsClient(server.wsUrl);
    for (const [name, location, sources] of [
      ['main', repo, [source]],
      ['large', largeRepo, [large]],
    ] as const) {
      const { addRepository } = await gql<{ addRepository: { __typename: string; repository: { id: string } } }>(
        server.graphqlUrl,
        'mutation($input: AddRepositoryInput!) { addRepository(input: $input) { __typename ... on AddRepositorySuccess { repository { id } } } }',
        { input: { name, path: location, sourcePaths: sources, encryption: 'none', initialize: true } },
      );
      expect(addRepository.__typename).toBe('AddRepositorySuccess');
      if (name === 'main') repoId = addRepository.repository.id;
      expect((await backUp(server.graphqlUrl, client, location)).status).toBe('COMPLETED');
    }
    const { repository } = await gql<{ repository: { archives: { name: string }[] } }>(server.graphqlUrl, ARCHIVES, { id: repoId });
    archive = repository.archives[0]!.name;
  }, 240_000);

  afterAll(async () => {
    await client?.dispose();
    await server?.stop();
    tmp.cleanup();
  });

  it('restores a whole archive: every file byte for byte, progress to 100 %, a RESTORE job in restoreJobs and anyJob', async () => {
    const destination = restoreTo('all');
    const updates: number[] = [];
    const started = await startRestore(server.graphqlUrl, { repository: repo, archive, destination });
    const final = (await followJob(client, started.job!.id, (job) => updates.push(job.progress?.percent ?? 0))).at(-1)!;
    expect(final).toMatchObject({ __typename: 'RestoreJob', kind: 'RESTORE', status: 'COMPLETED', errorMessage: null });
    expect(final.progress).toMatchObject({ percent: 100, currentFile: null });
    expect(final.progress!.filesRestored).toBeGreaterThan(10_000);
    expect(final.progress!.bytesRestored).toBe(final.progress!.totalBytes);
    expect(updates.every((percent, i) => i === 0 || percent >= updates[i - 1]!)).toBe(true);
    expect(expectSameTree(source, path.join(destination, sourceInArchive))).toBeGreaterThan(10_000);
    // created for the restore, owner-only
    expect(statSync(destination).mode & 0o777).toBe(0o700);

    const { restoreJobs, anyJob, job } = await gql(
      server.graphqlUrl,
      `query($id: ID!) { restoreJobs(limit: 1) { id archiveName destination paths dryRun }
      anyJob(id: $id) { __typename kind } job(id: $id) { id } }`,
      { id: started.job!.id },
    );
    expect(restoreJobs).toEqual([{ id: started.job!.id, archiveName: archive, destination, paths: [], dryRun: false }]);
    expect(anyJob).toEqual({ __typename: 'RestoreJob', kind: 'RESTORE' });
    // the backup queries keep to backups
    expect(job).toBeNull();
    const { jobs } = await gql<{ jobs: { id: string }[] }>(server.graphqlUrl, '{ jobs { id } }');
    expect(jobs.map((j) => j.id)).not.toContain(started.job!.id);
  }, 120_000);

  it('restores one folder, given with or without its leading slash', async () => {
    const destination = restoreTo('folder');
    const final = await run({ destination, paths: [`/${sourceInArchive}/docs`] });
    expect(final.status).toBe('COMPLETED');
    expect(treeOf(destination).filter((p) => p.startsWith(sourceInArchive))).toEqual(
      ['', '/docs', '/docs/a.txt', '/docs/b.bin', '/docs/sub', '/docs/sub/c.txt'].map((p) => `${sourceInArchive}${p}`),
    );
    expectSameTree(path.join(source, 'docs'), path.join(destination, sourceInArchive, 'docs'));
  }, 60_000);

  it('a dry run reads the archive and writes nothing, not even the destination', async () => {
    const destination = restoreTo('dry');
    const final = await run({ destination, dryRun: true });
    expect(final.status).toBe('COMPLETED');
    expect(existsSync(destination)).toBe(false);
  }, 60_000);

  it("a path not in the archive fails the job with borg's message", async () => {
    const final = await run({ destination: restoreTo('missing'), paths: [`${sourceInArchive}/nope`] });
    expect(final.status).toBe('FAILED');
    expect(final.errorMessage).toContain(`Include pattern '${sourceInArchive}/nope' never matched`);
  }, 60_000);

  it("an unknown archive fails the job with borg's message", async () => {
    const started = await startRestore(server.graphqlUrl, { repository: repo, archive: 'no-such-archive', destination: restoreTo('unknown') });
    const final = (await followJob(client, started.job!.id)).at(-1)!;
    expect(final.status).toBe('FAILED');
    expect(final.errorMessage).toMatch(/Archive.DoesNotExist/);
  }, 60_000);

  it('refuses a relative, non-empty, in-repository or source destination, and a path that climbs, with typed errors', async () => {
    const full = restoreTo('full');
    mkdirSync(full, { recursive: true });
    writeFileSync(path.join(full, 'x'), 'x');
    const refusals = [
      [{ destination: 'relative/dir' }, 'absolute'],
      [{ destination: full }, 'not empty'],
      [{ destination: path.join(repo, 'data') }, 'inside the repository'],
      [{ destination: `${repo}/../main` }, 'inside the repository'],
      [{ destination: path.join(source, 'docs') }, 'inside the source'],
      [{ destination: restoreTo('x'), paths: ['a/../../etc'] }, 'never contain ".."'],
    ] as const;
    for (const [input, message] of refusals) {
      const answer = await startRestore(server.graphqlUrl, { repository: repo, archive, ...input });
      expect(answer.__typename).toBe('ValidationError');
      expect(answer.message).toContain(message);
    }
    // overwrite lets a non-empty folder be used
    expect((await run({ destination: full, overwrite: true, paths: [`${sourceInArchive}/docs/a.txt`] })).status).toBe('COMPLETED');
    expect(readdirSync(full).sort()).toEqual([sourceInArchive.split('/')[0], 'x'].sort());
  }, 60_000);

  it('lists archives with their metadata and stats', async () => {
    const { repository } = await gql(server.graphqlUrl, ARCHIVES, { id: repoId });
    expect(repository.archives[0]).toMatchObject({ name: archive, hostname: expect.any(String), username: expect.any(String), stats: { nfiles: 10_003 } });
    expect(Date.parse(repository.archives[0].end)).toBeGreaterThanOrEqual(Date.parse(repository.archives[0].start));
  }, 60_000);

  it('browses one folder level from the top, with folders borg did not store, links, and a 10,000-entry folder in pages', async () => {
    const top = await contents('', 100);
    expect(top.entries).toEqual([{ path: sourceInArchive.split('/')[0], type: 'DIRECTORY', size: 0, mtime: null, linkTarget: null }]);
    const root = await contents(`/${sourceInArchive}/`, 100);
    expect(root.entries.map((e) => [e.path.slice(sourceInArchive.length + 1), e.type])).toEqual([
      ['docs', 'DIRECTORY'],
      ['link', 'SYMLINK'],
      ['many', 'DIRECTORY'],
    ]);
    expect(root.entries[1]!.linkTarget).toBe('docs/a.txt');
    const folder = `${sourceInArchive}/many/d000`;
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 1; ; pages++) {
      const page: { hasMore: boolean; endCursor: string | null; entries: Entry[] } = await contents(folder, 3000, after);
      seen.push(...page.entries.map((e) => e.path));
      expect(page.entries.every((e) => e.type === 'FILE' && e.size > 0 && e.mtime !== null)).toBe(true);
      if (!page.hasMore) {
        expect(pages).toBe(4);
        break;
      }
      after = page.endCursor;
    }
    expect(seen).toHaveLength(10_000);
    expect(new Set(seen).size).toBe(10_000);
    expect(seen).toEqual([...seen].sort());
    const { body } = await gqlRaw(server.graphqlUrl, CONTENTS, { id: repoId, name: archive, path: '', limit: 10_001 });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  }, 120_000);

  it('checks a healthy repository: COMPLETED, no problems', async () => {
    const { startCheck } = await gql(
      server.graphqlUrl,
      'mutation($r: String!) { startCheck(repository: $r) { ... on StartCheckSuccess { job { id kind verifyData } } } }',
      { r: repo },
    );
    expect(startCheck.job).toMatchObject({ kind: 'CHECK', verifyData: false });
    const final = (await followJob(client, startCheck.job.id)).at(-1)!;
    expect(final).toMatchObject({ __typename: 'CheckJob', status: 'COMPLETED', problemsFound: 0 });
    const { checkJobs } = await gql(server.graphqlUrl, '{ checkJobs { id } }');
    expect(checkJobs).toEqual([{ id: startCheck.job.id }]);
  }, 120_000);

  it('roles: a viewer cannot restore or check, an operator cannot delete an archive', async () => {
    const token = async (role: string) =>
      (
        await gql<{ createApiToken: { secret: string } }>(
          server.graphqlUrl,
          `mutation { createApiToken(name: "${role}", role: ${role}) { ... on CreateApiTokenSuccess { secret } } }`,
        )
      ).createApiToken.secret;
    const viewer = bearer(await token('VIEWER'));
    const operator = bearer(await token('OPERATOR'));
    const restore = await gqlRaw(
      server.graphqlUrl,
      'mutation($i: StartRestoreInput!) { startRestore(input: $i) { __typename } }',
      { i: { repository: repo, archive, destination: restoreTo('v') } },
      viewer,
    );
    expect(restore.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const check = await gqlRaw(server.graphqlUrl, 'mutation($r: String!) { startCheck(repository: $r) { __typename } }', { r: repo }, viewer);
    expect(check.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const remove = await gqlRaw(server.graphqlUrl, DELETE, { r: repo, a: archive }, operator);
    expect(remove.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  }, 60_000);

  it('a restore behind a running job waits PENDING; deleteArchive is refused meanwhile; a large restore is cancelled', async () => {
    const { repositoryByReference } = await gql(server.graphqlUrl, 'query($r: String!) { repositoryByReference(reference: $r) { archives { name } } }', {
      r: largeRepo,
    });
    const largeArchive = repositoryByReference.archives[0].name;
    const first = await startRestore(server.graphqlUrl, { repository: largeRepo, archive: largeArchive, destination: restoreTo('large') });
    const second = await startRestore(server.graphqlUrl, { repository: largeRepo, archive: largeArchive, destination: restoreTo('large2'), dryRun: true });
    expect(second.job!.status).toBe('PENDING');
    const busy = (await gql(server.graphqlUrl, DELETE, { r: largeRepo, a: largeArchive })).deleteArchive;
    expect(busy).toMatchObject({ __typename: 'RepositoryBusyError', jobId: first.job!.id });

    let resolveRunning!: () => void;
    const running = new Promise<void>((resolve) => (resolveRunning = resolve));
    const followed = followJob(client, first.job!.id, (job) => {
      if (job.status === 'RUNNING' && job.progress!.bytesRestored > 0) resolveRunning();
    });
    await running;
    const queued = (await gql(server.graphqlUrl, CANCEL, { id: second.job!.id })).cancelJob;
    expect(queued).toMatchObject({ __typename: 'CancelJobSuccess', processTerminated: false, job: { status: 'CANCELLED' } });
    const cancelled = (await gql(server.graphqlUrl, CANCEL, { id: first.job!.id })).cancelJob;
    expect(cancelled).toMatchObject({ __typename: 'CancelJobSuccess', processTerminated: true, job: { status: 'CANCELLED' } });
    expect((await followed).at(-1)!.status).toBe('CANCELLED');
    const again = (await gql(server.graphqlUrl, CANCEL, { id: first.job!.id })).cancelJob;
    expect(again.__typename).toBe('JobNotCancellableError');
    // cancelBackup keeps to backups
    const { cancelBackup } = await gql(server.graphqlUrl, 'mutation($id: ID!) { cancelBackup(id: $id) { __typename } }', { id: first.job!.id });
    expect(cancelBackup.__typename).toBe('NotFoundError');
  }, 120_000);

  it('deletes an archive', async () => {
    expect((await backUp(server.graphqlUrl, client, repo)).status).toBe('COMPLETED');
    const before = (await gql(server.graphqlUrl, ARCHIVES, { id: repoId })).repository.archives.map((a: { name: string }) => a.name);
    expect(before).toHaveLength(2);
    const deleted = (await gql(server.graphqlUrl, DELETE, { r: repo, a: before[1] })).deleteArchive;
    expect(deleted).toEqual({ __typename: 'DeleteArchiveSuccess', message: `Archive ${before[1]} deleted` });
    const after = (await gql(server.graphqlUrl, ARCHIVES, { id: repoId })).repository.archives.map((a: { name: string }) => a.name);
    expect(after).toEqual([before[0]]);
    const unknown = (await gql(server.graphqlUrl, DELETE, { r: repo, a: before[1] })).deleteArchive;
    expect(unknown.__typename).toBe('NotFoundError');
  }, 120_000);
});
