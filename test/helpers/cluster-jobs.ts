// Repositories and jobs of the cluster tests: real borg repositories in the
// test's temp folder, sources to back up, a `borg create` held back until
// the test lets it go (test/helpers/create-holder.sh), and job reads through
// any node.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { makeTree } from './borg.js';
import type { ClusterNode } from './cluster.js';

/** BORG_BIN of cluster nodes: real borg, except that `borg create` into REPO waits while REPO.hold exists (at most 60 s). */
export const CREATE_HOLDER = fileURLToPath(new URL('./create-holder.sh', import.meta.url));

/** What the cluster tests read of a job. */
export interface ClusterJob {
  id: string;
  status: string;
  node: string | null;
  errorMessage: string | null;
  startedAt: string | null;
  completedAt: string | null;
}

export const JOB_FIELDS = 'id status node errorMessage startedAt completedAt';
const JOB = `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`;
const JOB_LOG = `query($id: ID!, $offset: Int!) { job(id: $id) { logs(offset: $offset, limit: 1000) { hasMore lines { lineNumber content } } } }`;
const ADD = `mutation($input: AddRepositoryInput!) { addRepository(input: $input) {
  __typename ... on Error { message } ... on AddRepositorySuccess { repository { id name path node } } } }`;
const START = `mutation($r: String!) { startBackup(repository: $r) { __typename ... on Error { message } ... on StartBackupSuccess { job { id } } } }`;
const TERMINAL = ['COMPLETED', 'COMPLETED_WITH_WARNINGS', 'FAILED', 'CANCELLED'];

/** A source folder of `files` random files (about `bytesPerFile` each) under the test's folder. */
export function makeSource(dir: string, name: string, files: number, bytesPerFile: number): string {
  const root = path.join(dir, 'sources', name);
  makeTree(root, files, bytesPerFile);
  return root;
}

/** A repository as the cluster tests add it. */
export interface AddedRepository {
  id: string;
  name: string;
  path: string;
  node: string;
}

/**
 * Adds and initializes an unencrypted repository through `via`; `node`
 * names its node (AddRepositoryInput.node), else it is `via`'s.
 */
export async function addRepository(
  via: ClusterNode,
  dir: string,
  input: { name: string; sourcePaths: string[]; node?: string; listFilter?: string; schedule?: string },
): Promise<AddedRepository> {
  const repositoryPath = path.join(dir, 'repos', input.name);
  const { addRepository: result } = await via.gql<{ addRepository: any }>(ADD, {
    input: { path: repositoryPath, encryption: 'none', initialize: true, lockWaitSeconds: 30, ...input },
  });
  expect(result.__typename, result.message).toBe('AddRepositorySuccess');
  return result.repository as AddedRepository;
}

/** Starts a backup through `via` and returns the job's id. */
export async function startBackup(via: ClusterNode, repository: string): Promise<string> {
  const { startBackup: result } = await via.gql<{ startBackup: any }>(START, { r: repository });
  expect(result.__typename, result.message).toBe('StartBackupSuccess');
  return result.job.id as string;
}

/** The job as `via` answers it. */
export async function readJob(via: ClusterNode, id: string): Promise<ClusterJob> {
  return (await via.gql<{ job: ClusterJob }>(JOB, { id })).job;
}

/** Waits (polling `via`, up to `timeoutMs`) until the job ends; returns it. */
export async function jobEnded(via: ClusterNode, id: string, timeoutMs = 120_000): Promise<ClusterJob> {
  await expect.poll(async () => (await readJob(via, id)).status, { timeout: timeoutMs, interval: 250 }).toSatisfy((s: string) => TERMINAL.includes(s));
  return readJob(via, id);
}

/** Waits until the job is RUNNING (polling `via`). */
export async function jobRunning(via: ClusterNode, id: string, timeoutMs = 60_000): Promise<void> {
  await expect.poll(async () => (await readJob(via, id)).status, { timeout: timeoutMs, interval: 200 }).toBe('RUNNING');
}

/** Every line of the job's log as `via` serves it, page by page. */
export async function storedLog(via: ClusterNode, id: string): Promise<{ lineNumber: number; content: string }[]> {
  const lines: { lineNumber: number; content: string }[] = [];
  for (;;) {
    const { job } = await via.gql<{ job: { logs: { hasMore: boolean; lines: { lineNumber: number; content: string }[] } } }>(JOB_LOG, {
      id,
      offset: lines.length,
    });
    lines.push(...job.logs.lines);
    if (!job.logs.hasMore || job.logs.lines.length === 0) return lines;
  }
}

/** Holds back the next `borg create` into the repository (CREATE_HOLDER) until {@link release}. */
export function hold(repositoryPath: string): void {
  writeFileSync(`${repositoryPath}.hold`, '');
}

/** Lets a held `borg create` go. */
export function release(repositoryPath: string): void {
  rmSync(`${repositoryPath}.hold`, { force: true });
}

/** Pids of the processes working on the repository's archives now (`borg create REPO::…`, or the holder before it). */
export function borgOn(repositoryPath: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ').pop()?.[0];
      // a zombie has done its work; its parent reaps it
      if (state !== 'Z' && argv.some((arg) => arg.startsWith(`${repositoryPath}::`))) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Whether the repository has a borg lock left (a killed borg leaves one). */
export function hasLock(repositoryPath: string): boolean {
  return existsSync(path.join(repositoryPath, 'lock.exclusive'));
}
