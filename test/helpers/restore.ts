import { readdirSync, readFileSync, readlinkSync, lstatSync } from 'node:fs';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { collectWs, gql } from './graphql.js';

/** What the restore and check tests read of a job of any kind while it runs. */
export interface JobUpdate {
  __typename: string;
  id: string;
  kind: string;
  status: string;
  errorMessage: string | null;
  progress?: { percent: number; filesRestored: number; bytesRestored: number; totalBytes: number | null; currentFile: string | null };
  problemsFound?: number | null;
}

const UPDATES = `subscription($id: ID!) { jobUpdates(id: $id) { __typename id kind status errorMessage
  ... on RestoreJob { progress { percent filesRestored bytesRestored totalBytes currentFile } }
  ... on CheckJob { problemsFound } } }`;

/** Follows a job of any kind (jobUpdates) to its end; every state seen, the final one last. */
export async function followJob(client: Client, id: string, onUpdate?: (job: JobUpdate) => void): Promise<JobUpdate[]> {
  const updates = await collectWs<{ jobUpdates: JobUpdate }>(client, UPDATES, { id }, (data) => onUpdate?.(data.jobUpdates));
  return updates.map((data) => data.jobUpdates);
}

const START_RESTORE = `mutation($input: StartRestoreInput!) { startRestore(input: $input) {
  __typename ... on StartRestoreSuccess { message job { id status } } ... on Error { message } ... on ValidationError { field } } }`;

/** The answer of startRestore: the job id on success, else the typed error. */
export async function startRestore(
  graphqlUrl: string,
  input: Record<string, unknown>,
): Promise<{ __typename: string; message?: string; field?: string | null; job?: { id: string; status: string } }> {
  return (await gql<{ startRestore: { __typename: string; job?: { id: string; status: string } } }>(graphqlUrl, START_RESTORE, { input })).startRestore;
}

/** Waits for a backup started with startBackup to end (as a job of any kind). */
export async function backUp(graphqlUrl: string, client: Client, repository: string): Promise<JobUpdate> {
  const { startBackup } = await gql<{ startBackup: { job: { id: string } } }>(
    graphqlUrl,
    'mutation($r: String!) { startBackup(repository: $r) { ... on StartBackupSuccess { job { id } } } }',
    { r: repository },
  );
  return (await followJob(client, startBackup.job.id)).at(-1) as JobUpdate;
}

/** Every file, folder and link below `root`, relative, sorted. */
export function treeOf(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      found.push(path.relative(root, full));
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(root);
  return found.sort();
}

/** Throws unless `copy` holds the same tree as `original`, every file byte for byte and every link to the same target. */
export function expectSameTree(original: string, copy: string): number {
  const files = treeOf(original);
  const copied = treeOf(copy);
  if (JSON.stringify(files) !== JSON.stringify(copied)) throw new Error(`trees differ: ${files.length} entries in ${original}, ${copied.length} in ${copy}`);
  for (const relative of files) {
    const a = path.join(original, relative);
    const b = path.join(copy, relative);
    const stat = lstatSync(a);
    if (stat.isSymbolicLink()) {
      if (readlinkSync(a) !== readlinkSync(b)) throw new Error(`link ${relative} differs`);
    } else if (stat.isFile() && !readFileSync(a).equals(readFileSync(b))) {
      throw new Error(`file ${relative} differs`);
    }
  }
  return files.length;
}
