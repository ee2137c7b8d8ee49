/**
 * How many lines an unchanged re-backup stores, with real borg through a
 * real server: a first backup of a tree of small files, the same again
 * unchanged (the default list filter, AME), and once more with listFilter
 * "*" (a line for every item: what servers stored before the filter).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal } from '../../src/domain/job-status.js';
import { addRepository, startBackup } from '../lib/borgql.js';
import type { Dataset } from '../lib/dataset.js';
import type { GraphQLClient } from '../lib/graphql.js';

/** One backup of the tree. */
export interface RebackupJob {
  label: string;
  /** lines in the job's log */
  totalLines: number;
  /** of them, lines borg wrote for a file or folder (`A /…`, `U /…`, `d /…`) */
  itemLines: number;
  status: string;
}

/** The re-backup figures of the logs benchmark. */
export interface Rebackup {
  files: number;
  jobs: RebackupJob[];
}

const STATUS = `query Status($id: ID!) { job(id: $id) { status } }`;
const PAGE = `query Page($id: ID!, $offset: Int!) { job(id: $id) { logs(offset: $offset, limit: 10000) { totalLines hasMore lines { content } } } }`;
const SET_FILTER = `mutation Filter($id: ID!, $filter: String) { updateRepository(id: $id, input: { listFilter: $filter }) { __typename ... on Error { message } } }`;
const ITEM_LINE = /^[AMUCEdbchsfi\-x?] \//;

async function runJob(http: GraphQLClient, repository: string, label: string): Promise<RebackupJob> {
  const id = await startBackup(http, repository);
  let status = 'PENDING';
  while (!isTerminal(status)) {
    await sleep(250);
    status = (await http.request<{ job: { status: string } }>(STATUS, { id })).job.status;
  }
  let totalLines = 0;
  let itemLines = 0;
  for (let offset = 0, more = true; more;) {
    const { job } = await http.request<{ job: { logs: { totalLines: number; hasMore: boolean; lines: { content: string }[] } } }>(PAGE, { id, offset });
    totalLines = job.logs.totalLines;
    itemLines += job.logs.lines.filter((line) => ITEM_LINE.test(line.content)).length;
    offset += job.logs.lines.length;
    more = job.logs.hasMore;
  }
  return { label, totalLines, itemLines, status };
}

/** Backs `dataset` up three times through `http` (a server running real borg) into a new repository at `repoPath`. */
export async function measureRebackup(http: GraphQLClient, dataset: Dataset, repoPath: string, log: (message: string) => void): Promise<Rebackup> {
  const repository = await addRepository(http, { name: 'rebackup', path: repoPath, sourcePaths: [dataset.root], encryption: 'none', initialize: true });
  const jobs: RebackupJob[] = [];
  const run = async (label: string) => {
    jobs.push(await runJob(http, repoPath, label));
    log(`re-backup: ${label}: ${jobs.at(-1)!.totalLines} lines`);
  };
  await run('first backup (every file added)');
  await run('unchanged re-backup, default listFilter (AME)');
  const { updateRepository } = await http.request<{ updateRepository: { __typename: string; message?: string } }>(SET_FILTER, {
    id: repository.id,
    filter: '*',
  });
  if (updateRepository.__typename !== 'AddRepositorySuccess') throw new Error(`updateRepository: ${updateRepository.message}`);
  await run('unchanged re-backup, listFilter "*" (every item, as before the filter)');
  return { files: dataset.files, jobs };
}
