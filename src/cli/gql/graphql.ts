/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AddRepositoryInput = {
  compression?: string | null | undefined;
  /** used when initialize is true */
  encryption?: string | null | undefined;
  /** borg exclude patterns (fm:, sh:, re:, pp:, pf:) */
  excludePatterns?: Array<string> | null | undefined;
  /** run `borg init` first; else the repository must exist */
  initialize?: boolean | null | undefined;
  /** which files get a line in job logs: borg create --filter status letters (A added, M modified, U unchanged, C changed while read, E error, d b c h s f i - x ?; case matters), "*" for every file, "" for none (borg's messages only); default AME */
  listFilter?: string | null | undefined;
  /** how long borg waits for the repository lock (default 5) */
  lockWaitSeconds?: number | null | undefined;
  name: string;
  /** the node whose host runs its jobs (a name of Query.nodes), where borg init and info run now; default the node that answers this request */
  node?: string | null | undefined;
  /** BORG_PASSCOMMAND instead of a passphrase, for passphrases kept in a secret manager: a command prefix the operator allowed (BORGQL_PASSCOMMAND_PREFIXES) plus one plain argument, e.g. "pass show borg/home"; not together with passphrase */
  passcommand?: string | null | undefined;
  /** write-only; reaches borg through its environment only, encrypted at rest */
  passphrase?: string | null | undefined;
  /** local absolute path or ssh://… (borg's own syntax) */
  path: string;
  /** prune + compact after each completed backup when set */
  retention?: RetentionInput | null | undefined;
  /** shorthand: a schedule of this repository alone (cron, 5 fields or 6 with seconds) named after it */
  schedule?: string | null | undefined;
  /** what gets backed up (absolute paths) */
  sourcePaths: Array<string>;
  /** REPOSITORY_STALE when no backup succeeded for this long: a whole number and s, m, h, d or w, e.g. "26h" */
  staleAfter?: string | null | undefined;
  /** IANA name for that schedule, default UTC */
  timezone?: string | null | undefined;
};

export type JobStatus =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'COMPLETED_WITH_WARNINGS'
  | 'FAILED'
  | 'PENDING'
  | 'RUNNING';

export type JobTrigger =
  | 'MANUAL'
  | 'SCHEDULE';

/** borg prune rules (at least one); prune and compact run after each completed backup */
export type RetentionInput = {
  /** run borg compact after the prune */
  compact?: boolean | null | undefined;
  keepDaily?: number | null | undefined;
  keepHourly?: number | null | undefined;
  keepLast?: number | null | undefined;
  keepMonthly?: number | null | undefined;
  keepWeekly?: number | null | undefined;
  /** keep everything within this interval, e.g. "7d" (H d w m y) */
  keepWithin?: string | null | undefined;
  keepYearly?: number | null | undefined;
};

/** VIEWER reads; OPERATOR also starts and cancels backups; ADMIN also manages repositories, schedules and tokens */
export type Role =
  | 'ADMIN'
  | 'OPERATOR'
  | 'VIEWER';

export type StartRestoreInput = {
  archive: string;
  /** absolute; created when missing; must be empty unless overwrite */
  destination: string;
  dryRun?: boolean | null | undefined;
  overwrite?: boolean | null | undefined;
  /** archive paths as Archive.contents lists them; empty: everything */
  paths?: Array<string> | null | undefined;
  /** the repository's path, id or name */
  repository: string;
};

export type StatusJobFragment = { id: string, status: JobStatus, repositoryPath: string, archiveName: string | null, createdAt: string, completedAt: string | null, errorMessage: string | null, progress: { percent: number, originalSize: number, speedMBps: number, etaSeconds: number | null, currentFile: string | null } };

export type StatusOverviewQueryVariables = Exact<{
  recent: number;
}>;


export type StatusOverviewQuery = { repositories: Array<{ id: string, name: string, path: string, lastJob: { id: string, status: JobStatus, completedAt: string | null } | null }>, jobs: Array<{ id: string, status: JobStatus, repositoryPath: string, archiveName: string | null, createdAt: string, completedAt: string | null, errorMessage: string | null, progress: { percent: number, originalSize: number, speedMBps: number, etaSeconds: number | null, currentFile: string | null } }> };

export type StatusJobEventsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type StatusJobEventsSubscription = { jobEvents: { id: string, status: JobStatus, repositoryPath: string, archiveName: string | null, createdAt: string, completedAt: string | null, errorMessage: string | null, progress: { percent: number, originalSize: number, speedMBps: number, etaSeconds: number | null, currentFile: string | null } } };

export type CliJobStateFragment = { id: string, status: JobStatus, repositoryPath: string, archiveName: string | null, exitCode: number | null, errorMessage: string | null, progress: { percent: number, originalSize: number, deduplicatedSize: number, filesProcessed: number, currentFile: string | null, speedMBps: number, etaSeconds: number | null } };

export type CliStartBackupMutationVariables = Exact<{
  repository: string;
}>;


export type CliStartBackupMutation = { startBackup:
    | { __typename: 'NotFoundError', message: string }
    | { __typename: 'StartBackupSuccess', job: { id: string } }
    | { __typename: 'ValidationError', message: string }
   };

export type CliAddRepositoryMutationVariables = Exact<{
  input: AddRepositoryInput;
}>;


export type CliAddRepositoryMutation = { addRepository:
    | { __typename: 'AddRepositorySuccess', repository: { id: string, name: string, path: string } }
    | { __typename: 'BorgError', message: string }
    | { __typename: 'NodeUnreachableError', message: string }
    | { __typename: 'ValidationError', message: string }
   };

export type CliJobProgressSubscriptionVariables = Exact<{
  id: string;
}>;


export type CliJobProgressSubscription = { jobProgress: { id: string, status: JobStatus, repositoryPath: string, archiveName: string | null, exitCode: number | null, errorMessage: string | null, progress: { percent: number, originalSize: number, deduplicatedSize: number, filesProcessed: number, currentFile: string | null, speedMBps: number, etaSeconds: number | null } } };

export type CliRestoreStateFragment = { id: string, status: JobStatus, archiveName: string, destination: string, dryRun: boolean, exitCode: number | null, errorMessage: string | null, progress: { percent: number, bytesRestored: number, filesRestored: number, currentFile: string | null, speedMBps: number, etaSeconds: number | null } };

export type CliStartRestoreMutationVariables = Exact<{
  input: StartRestoreInput;
}>;


export type CliStartRestoreMutation = { startRestore:
    | { __typename: 'NotFoundError', message: string }
    | { __typename: 'StartRestoreSuccess', job: { id: string } }
    | { __typename: 'ValidationError', message: string }
   };

export type CliRestoreUpdatesSubscriptionVariables = Exact<{
  id: string;
}>;


export type CliRestoreUpdatesSubscription = { jobUpdates:
    | { __typename: 'BackupJob' }
    | { __typename: 'CheckJob' }
    | { __typename: 'RestoreJob', id: string, status: JobStatus, archiveName: string, destination: string, dryRun: boolean, exitCode: number | null, errorMessage: string | null, progress: { percent: number, bytesRestored: number, filesRestored: number, currentFile: string | null, speedMBps: number, etaSeconds: number | null } }
   };

export type CliJobsQueryVariables = Exact<{
  limit: number;
}>;


export type CliJobsQuery = { jobs: Array<{ id: string, status: JobStatus, repositoryPath: string, trigger: JobTrigger, archiveName: string | null, createdAt: string, startedAt: string | null, completedAt: string | null, exitCode: number | null, errorMessage: string | null, progress: { percent: number, originalSize: number } }> };

export type CliJobLogPageQueryVariables = Exact<{
  id: string;
  offset: number;
  limit: number;
}>;


export type CliJobLogPageQuery = { job: { logs: { hasMore: boolean, lines: Array<{ lineNumber: number, content: string }> } } | null };

export type CliJobLogsSubscriptionVariables = Exact<{
  id: string;
  offset: number;
}>;


export type CliJobLogsSubscription = { jobLogs: { lineNumber: number, content: string } };

export type CliCancelBackupMutationVariables = Exact<{
  id: string;
}>;


export type CliCancelBackupMutation = { cancelBackup:
    | { __typename: 'CancelBackupSuccess', processTerminated: boolean, job: { id: string, status: JobStatus } }
    | { __typename: 'JobNotCancellableError', message: string }
    | { __typename: 'NotFoundError', message: string }
   };

export type CliCreateApiTokenMutationVariables = Exact<{
  name: string;
  role: Role;
}>;


export type CliCreateApiTokenMutation = { createApiToken:
    | { __typename: 'CreateApiTokenSuccess', secret: string, apiToken: { id: string, name: string, role: Role } }
    | { __typename: 'ValidationError', message: string }
   };

export type CliRevokeApiTokenMutationVariables = Exact<{
  id: string;
}>;


export type CliRevokeApiTokenMutation = { revokeApiToken:
    | { __typename: 'NotFoundError', message: string }
    | { __typename: 'RevokeApiTokenSuccess', apiToken: { id: string, name: string } }
    | { __typename: 'ValidationError', message: string }
   };

export type TestAddRepositoryMutationVariables = Exact<{
  input: AddRepositoryInput;
}>;


export type TestAddRepositoryMutation = { addRepository:
    | { __typename: 'AddRepositorySuccess', repository: { id: string, path: string } }
    | { __typename: 'BorgError', message: string }
    | { __typename: 'NodeUnreachableError', message: string }
    | { __typename: 'ValidationError', message: string }
   };

export type TestJobStatusQueryVariables = Exact<{
  id: string;
}>;


export type TestJobStatusQuery = { job: { id: string, status: JobStatus, exitCode: number | null, progress: { percent: number } } | null };

export type TestApiTokensQueryVariables = Exact<{ [key: string]: never; }>;


export type TestApiTokensQuery = { apiTokens: Array<{ id: string, name: string, role: Role, revokedAt: string | null }> };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const StatusJobFragmentDoc = new TypedDocumentString(`
    fragment StatusJob on BackupJob {
  id
  status
  repositoryPath
  archiveName
  createdAt
  completedAt
  errorMessage
  progress {
    percent
    originalSize
    speedMBps
    etaSeconds
    currentFile
  }
}
    `, {"fragmentName":"StatusJob"}) as unknown as TypedDocumentString<StatusJobFragment, unknown>;
export const CliJobStateFragmentDoc = new TypedDocumentString(`
    fragment CliJobState on BackupJob {
  id
  status
  repositoryPath
  archiveName
  exitCode
  errorMessage
  progress {
    percent
    originalSize
    deduplicatedSize
    filesProcessed
    currentFile
    speedMBps
    etaSeconds
  }
}
    `, {"fragmentName":"CliJobState"}) as unknown as TypedDocumentString<CliJobStateFragment, unknown>;
export const CliRestoreStateFragmentDoc = new TypedDocumentString(`
    fragment CliRestoreState on RestoreJob {
  id
  status
  archiveName
  destination
  dryRun
  exitCode
  errorMessage
  progress {
    percent
    bytesRestored
    filesRestored
    currentFile
    speedMBps
    etaSeconds
  }
}
    `, {"fragmentName":"CliRestoreState"}) as unknown as TypedDocumentString<CliRestoreStateFragment, unknown>;
export const StatusOverviewDocument = new TypedDocumentString(`
    query StatusOverview($recent: Int!) {
  repositories {
    id
    name
    path
    lastJob {
      id
      status
      completedAt
    }
  }
  jobs(limit: $recent) {
    ...StatusJob
  }
}
    fragment StatusJob on BackupJob {
  id
  status
  repositoryPath
  archiveName
  createdAt
  completedAt
  errorMessage
  progress {
    percent
    originalSize
    speedMBps
    etaSeconds
    currentFile
  }
}`) as unknown as TypedDocumentString<StatusOverviewQuery, StatusOverviewQueryVariables>;
export const StatusJobEventsDocument = new TypedDocumentString(`
    subscription StatusJobEvents {
  jobEvents {
    ...StatusJob
  }
}
    fragment StatusJob on BackupJob {
  id
  status
  repositoryPath
  archiveName
  createdAt
  completedAt
  errorMessage
  progress {
    percent
    originalSize
    speedMBps
    etaSeconds
    currentFile
  }
}`) as unknown as TypedDocumentString<StatusJobEventsSubscription, StatusJobEventsSubscriptionVariables>;
export const CliStartBackupDocument = new TypedDocumentString(`
    mutation CliStartBackup($repository: String!) {
  startBackup(repository: $repository) {
    __typename
    ... on StartBackupSuccess {
      job {
        id
      }
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<CliStartBackupMutation, CliStartBackupMutationVariables>;
export const CliAddRepositoryDocument = new TypedDocumentString(`
    mutation CliAddRepository($input: AddRepositoryInput!) {
  addRepository(input: $input) {
    __typename
    ... on AddRepositorySuccess {
      repository {
        id
        name
        path
      }
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<CliAddRepositoryMutation, CliAddRepositoryMutationVariables>;
export const CliJobProgressDocument = new TypedDocumentString(`
    subscription CliJobProgress($id: ID!) {
  jobProgress(id: $id) {
    ...CliJobState
  }
}
    fragment CliJobState on BackupJob {
  id
  status
  repositoryPath
  archiveName
  exitCode
  errorMessage
  progress {
    percent
    originalSize
    deduplicatedSize
    filesProcessed
    currentFile
    speedMBps
    etaSeconds
  }
}`) as unknown as TypedDocumentString<CliJobProgressSubscription, CliJobProgressSubscriptionVariables>;
export const CliStartRestoreDocument = new TypedDocumentString(`
    mutation CliStartRestore($input: StartRestoreInput!) {
  startRestore(input: $input) {
    __typename
    ... on StartRestoreSuccess {
      job {
        id
      }
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<CliStartRestoreMutation, CliStartRestoreMutationVariables>;
export const CliRestoreUpdatesDocument = new TypedDocumentString(`
    subscription CliRestoreUpdates($id: ID!) {
  jobUpdates(id: $id) {
    __typename
    ... on RestoreJob {
      ...CliRestoreState
    }
  }
}
    fragment CliRestoreState on RestoreJob {
  id
  status
  archiveName
  destination
  dryRun
  exitCode
  errorMessage
  progress {
    percent
    bytesRestored
    filesRestored
    currentFile
    speedMBps
    etaSeconds
  }
}`) as unknown as TypedDocumentString<CliRestoreUpdatesSubscription, CliRestoreUpdatesSubscriptionVariables>;
export const CliJobsDocument = new TypedDocumentString(`
    query CliJobs($limit: Int!) {
  jobs(limit: $limit) {
    id
    status
    repositoryPath
    trigger
    archiveName
    createdAt
    startedAt
    completedAt
    exitCode
    errorMessage
    progress {
      percent
      originalSize
    }
  }
}
    `) as unknown as TypedDocumentString<CliJobsQuery, CliJobsQueryVariables>;
export const CliJobLogPageDocument = new TypedDocumentString(`
    query CliJobLogPage($id: ID!, $offset: Int!, $limit: Int!) {
  job(id: $id) {
    logs(offset: $offset, limit: $limit) {
      hasMore
      lines {
        lineNumber
        content
      }
    }
  }
}
    `) as unknown as TypedDocumentString<CliJobLogPageQuery, CliJobLogPageQueryVariables>;
export const CliJobLogsDocument = new TypedDocumentString(`
    subscription CliJobLogs($id: ID!, $offset: Int!) {
  jobLogs(id: $id, offset: $offset) {
    lineNumber
    content
  }
}
    `) as unknown as TypedDocumentString<CliJobLogsSubscription, CliJobLogsSubscriptionVariables>;
export const CliCancelBackupDocument = new TypedDocumentString(`
    mutation CliCancelBackup($id: ID!) {
  cancelBackup(id: $id) {
    __typename
    ... on CancelBackupSuccess {
      processTerminated
      job {
        id
        status
      }
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<CliCancelBackupMutation, CliCancelBackupMutationVariables>;
export const CliCreateApiTokenDocument = new TypedDocumentString(`
    mutation CliCreateApiToken($name: String!, $role: Role!) {
  createApiToken(name: $name, role: $role) {
    __typename
    ... on CreateApiTokenSuccess {
      secret
      apiToken {
        id
        name
        role
      }
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<CliCreateApiTokenMutation, CliCreateApiTokenMutationVariables>;
export const CliRevokeApiTokenDocument = new TypedDocumentString(`
    mutation CliRevokeApiToken($id: ID!) {
  revokeApiToken(id: $id) {
    __typename
    ... on RevokeApiTokenSuccess {
      apiToken {
        id
        name
      }
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<CliRevokeApiTokenMutation, CliRevokeApiTokenMutationVariables>;
export const TestAddRepositoryDocument = new TypedDocumentString(`
    mutation TestAddRepository($input: AddRepositoryInput!) {
  addRepository(input: $input) {
    __typename
    ... on AddRepositorySuccess {
      repository {
        id
        path
      }
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<TestAddRepositoryMutation, TestAddRepositoryMutationVariables>;
export const TestJobStatusDocument = new TypedDocumentString(`
    query TestJobStatus($id: ID!) {
  job(id: $id) {
    id
    status
    exitCode
    progress {
      percent
    }
  }
}
    `) as unknown as TypedDocumentString<TestJobStatusQuery, TestJobStatusQueryVariables>;
export const TestApiTokensDocument = new TypedDocumentString(`
    query TestApiTokens {
  apiTokens(includeRevoked: true) {
    id
    name
    role
    revokedAt
  }
}
    `) as unknown as TypedDocumentString<TestApiTokensQuery, TestApiTokensQueryVariables>;