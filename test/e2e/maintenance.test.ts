import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { borg } from '../helpers/borg.js';
import { startBackup } from '../helpers/documents.js';
import { collectWs, gql } from '../helpers/graphql.js';
import { useServer } from '../helpers/use-server.js';

const PRUNE_BLOCKER = fileURLToPath(new URL('../helpers/prune-blocker.sh', import.meta.url));
const WATCH = `subscription($id: ID!) { jobProgress(id: $id) { id status maintenanceStatus exitCode errorMessage } }`;
const LOG = `query($id: ID!) { job(id: $id) { logs(limit: 10000) { lines { content level } } } }`;
const ADD = `mutation($input: AddRepositoryInput!) { addRepository(input: $input) {
  __typename ... on Error { message } ... on AddRepositorySuccess { repository { id retention { keepLast compact } } } } }`;

type State = { id: string; status: string; maintenanceStatus: string | null; errorMessage: string | null };

describe('retention: prune and compact after each backup', () => {
  // borg as BORG_BIN would be; the blocker only interferes with `prune`, and only when asked
  const { dir, server, client } = useServer('maintenance', { BORG_BIN: PRUNE_BLOCKER });
  const source = path.join(dir, 'src');
  const borgEnv = { BORG_BASE_DIR: path.join(dir, 'data', 'borg-base'), BORG_PASSPHRASE: '' };

  beforeAll(async () => {
    mkdirSync(source, { recursive: true });
    writeFileSync(path.join(source, 'a.txt'), 'first');
  });

  async function addRepository(name: string, extra: Record<string, unknown>, blockPrune = false): Promise<{ path: string; id: string }> {
    const repository = path.join(dir, 'repos', name);
    const input = { name, path: repository, sourcePaths: [source], encryption: 'none', initialize: true, ...extra };
    const { addRepository } = await gql<{ addRepository: any }>(server.graphqlUrl, ADD, { input });
    expect(addRepository.__typename, addRepository.message).toBe('AddRepositorySuccess');
    if (blockPrune) writeFileSync(`${repository}.block-prune`, '');
    return { path: repository, id: addRepository.repository.id };
  }
  async function backup(repository: string): Promise<State[]> {
    const id = await startBackup(server.graphqlUrl, repository);
    return (await collectWs<{ jobProgress: State }>(client, WATCH, { id })).map((e) => e.jobProgress);
  }
  const logOf = async (id: string) =>
    (await gql<{ job: { logs: { lines: { content: string; level: string | null }[] } } }>(server.graphqlUrl, LOG, { id })).job.logs.lines;

  it('four backups with keepLast 2 leave two archives; each job moves through every maintenance step', async () => {
    const repository = await addRepository('pruned', { retention: { keepLast: 2 } });
    let states: State[] = [];
    for (let i = 0; i < 4; i++) {
      writeFileSync(path.join(source, `b${i}.txt`), `change ${i}`);
      states = await backup(repository.path);
      expect(states.at(-1)).toMatchObject({ status: 'COMPLETED', maintenanceStatus: 'maintenance_completed' });
    }
    const steps = states.map((s) => s.maintenanceStatus).filter((step, i, all) => step !== null && step !== all[i - 1]);
    expect(steps).toEqual(['running_prune', 'prune_completed', 'running_compact', 'compact_completed', 'maintenance_completed']);
    // RUNNING through maintenance, the backup's own outcome at the end
    expect(states.filter((s) => s.maintenanceStatus === 'running_compact').every((s) => s.status === 'RUNNING')).toBe(true);

    const list = await borg(['list', '--short', repository.path], borgEnv);
    expect(list.stdout.trim().split('\n')).toHaveLength(2);
    const log = (await logOf(states.at(-1)?.id as string)).map((line) => line.content);
    expect(log.filter((line) => line.startsWith('Keeping archive'))).toHaveLength(2);
    expect(log.filter((line) => line.startsWith('Pruning archive'))).toHaveLength(1);
    expect(
      log.some((line) => /^borg prune .*--keep-last 2 .*--glob-archives=borgql-\*|^borg prune .*--glob-archives=borgql-\* .*--keep-last 2/.test(line)),
    ).toBe(true);
    expect(log.some((line) => /compaction freed/.test(line))).toBe(true);
  });

  it('a failing prune keeps the backup COMPLETED, shows prune_failed, skips compact, and says why in the log', async () => {
    const repository = await addRepository('blocked', { retention: { keepLast: 1 }, lockWaitSeconds: 1 }, true);
    const states = await backup(repository.path);
    const final = states.at(-1) as State;
    expect(final).toMatchObject({ status: 'COMPLETED', maintenanceStatus: 'prune_failed', errorMessage: null });
    expect(states.some((s) => s.maintenanceStatus === 'running_compact')).toBe(false);
    const log = await logOf(final.id);
    expect(log).toContainEqual({ level: 'ERROR', content: expect.stringMatching(/^prune failed: LockTimeout: /) });
  });

  it('cancelling during prune stops that step and ends the job CANCELLED', async () => {
    const repository = await addRepository('cancelled', { retention: { keepLast: 1 }, lockWaitSeconds: 30 }, true);
    const id = await startBackup(server.graphqlUrl, repository.path);
    let pruning!: () => void;
    const inPrune = new Promise<void>((resolve) => (pruning = resolve));
    const watched = collectWs<{ jobProgress: State }>(client, WATCH, { id }, (data) => {
      if (data.jobProgress.maintenanceStatus === 'running_prune') pruning();
    });
    await inPrune;
    await new Promise((resolve) => setTimeout(resolve, 500)); // prune is now waiting for the lock
    const { cancelBackup } = await gql<{ cancelBackup: any }>(
      server.graphqlUrl,
      'mutation($id: ID!) { cancelBackup(id: $id) { __typename ... on CancelBackupSuccess { processTerminated job { status maintenanceStatus } } } }',
      { id },
    );
    expect(cancelBackup).toMatchObject({ processTerminated: true, job: { status: 'CANCELLED', maintenanceStatus: 'prune_failed' } });
    expect((await watched).at(-1)?.jobProgress.status).toBe('CANCELLED');
    const log = (await logOf(id)).map((line) => line.content);
    expect(log.some((line) => line.startsWith('borg compact'))).toBe(false);
  });
});
