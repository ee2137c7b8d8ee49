import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { gql, wsClient } from '../helpers/graphql.js';
import { backUp, followJob, startRestore } from '../helpers/restore.js';
import { tempDir } from '../helpers/server.js';

/** The pid of the `borg extract` reading `repository`, from /proc. */
function borgExtractPid(repository: string): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes('extract') && argv.some((arg) => arg.startsWith(`${repository}::`))) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return null;
}

describe('a server that dies during a restore', () => {
  const tmp = tempDir('restore-crash');
  const dataDir = path.join(tmp.dir, 'data');
  const source = path.join(tmp.dir, 'src');
  const repository = path.join(tmp.dir, 'repo');
  const servers: ChildServer[] = [];

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    tmp.cleanup();
  }, 60_000);

  it('kill -9 of server and borg: the restore ends FAILED "interrupted by server restart", like a backup', async () => {
    mkdirSync(source, { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(path.join(source, `r${i}.bin`), randomBytes(128 * 1024 * 1024));
    const first = await spawnServer(dataDir);
    servers.push(first);
    const client = wsClient(first.wsUrl);
    await gql(first.graphqlUrl, 'mutation($input: AddRepositoryInput!) { addRepository(input: $input) { __typename } }', {
      input: { name: 'r', path: repository, sourcePaths: [source], encryption: 'none', initialize: true },
    });
    expect((await backUp(first.graphqlUrl, client, repository)).status).toBe('COMPLETED');
    const { repositoryByReference } = await gql(first.graphqlUrl, 'query($r: String!) { repositoryByReference(reference: $r) { archives { name } } }', {
      r: repository,
    });
    const started = await startRestore(first.graphqlUrl, {
      repository,
      archive: repositoryByReference.archives[0].name,
      destination: path.join(tmp.dir, 'out'),
    });
    const id = started.job!.id;
    let resolveRunning!: () => void;
    const running = new Promise<void>((resolve) => (resolveRunning = resolve));
    void followJob(client, id, (job) => {
      if (job.status === 'RUNNING' && job.progress!.bytesRestored > 0) resolveRunning();
    }).catch(() => undefined);
    await running;

    const borgPid = borgExtractPid(repository);
    if (borgPid !== null) process.kill(borgPid, 'SIGKILL');
    first.child.kill('SIGKILL');
    await first.exited;
    await client.dispose();

    const second = await spawnServer(dataDir);
    servers.push(second);
    expect(second.output()).toContain(`ended jobs interrupted by the previous server: ${id}`);
    const { anyJob } = await gql(
      second.graphqlUrl,
      'query($id: ID!) { anyJob(id: $id) { __typename status errorMessage logs(limit: 10000) { lines { content } } } }',
      { id },
    );
    expect(anyJob).toMatchObject({ __typename: 'RestoreJob', status: 'FAILED', errorMessage: 'interrupted by server restart' });
    const lines = anyJob.logs.lines.map((line: { content: string }) => line.content);
    expect(lines).toContain('interrupted by server restart');
    expect(lines.at(-1)).toBe('job failed');
  }, 180_000);
});
