/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
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

/** VIEWER reads; OPERATOR also starts and cancels backups; ADMIN also manages repositories, schedules and tokens */
export type Role =
  | 'ADMIN'
  | 'OPERATOR'
  | 'VIEWER';

export type CliJobStateFragment = { id: string, status: JobStatus, repositoryPath: string, archiveName: string | null, exitCode: number | null, errorMessage: string | null, progress: { percent: number, originalSize: number, deduplicatedSize: number, filesProcessed: number, currentFile: string | null, speedMBps: number, etaSeconds: number | null } };

export type CliStartBackupMutationVariables = Exact<{
  repository: string;
}>;


export type CliStartBackupMutation = { startBackup:
    | { __typename: 'NotFoundError', message: string }
    | { __typename: 'StartBackupSuccess', job: { id: string } }
    | { __typename: 'ValidationError', message: string }
   };

export type CliJobProgressSubscriptionVariables = Exact<{
  id: string;
}>;


export type CliJobProgressSubscription = { jobProgress: { id: string, status: JobStatus, repositoryPath: string, archiveName: string | null, exitCode: number | null, errorMessage: string | null, progress: { percent: number, originalSize: number, deduplicatedSize: number, filesProcessed: number, currentFile: string | null, speedMBps: number, etaSeconds: number | null } } };

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