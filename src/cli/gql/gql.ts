/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment StatusJob on BackupJob {\n    id\n    status\n    repositoryPath\n    archiveName\n    createdAt\n    completedAt\n    errorMessage\n    progress {\n      percent\n      originalSize\n      speedMBps\n      etaSeconds\n      currentFile\n    }\n  }\n": typeof types.StatusJobFragmentDoc,
    "\n  query StatusOverview($recent: Int!) {\n    repositories {\n      id\n      name\n      path\n      lastJob {\n        id\n        status\n        completedAt\n      }\n    }\n    jobs(limit: $recent) {\n      ...StatusJob\n    }\n  }\n": typeof types.StatusOverviewDocument,
    "\n  subscription StatusJobEvents {\n    jobEvents {\n      ...StatusJob\n    }\n  }\n": typeof types.StatusJobEventsDocument,
    "\n  fragment CliJobState on BackupJob {\n    id\n    status\n    repositoryPath\n    archiveName\n    exitCode\n    errorMessage\n    progress {\n      percent\n      originalSize\n      deduplicatedSize\n      filesProcessed\n      currentFile\n      speedMBps\n      etaSeconds\n    }\n  }\n": typeof types.CliJobStateFragmentDoc,
    "\n  mutation CliStartBackup($repository: String!) {\n    startBackup(repository: $repository) {\n      __typename\n      ... on StartBackupSuccess {\n        job {\n          id\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.CliStartBackupDocument,
    "\n  mutation CliAddRepository($input: AddRepositoryInput!) {\n    addRepository(input: $input) {\n      __typename\n      ... on AddRepositorySuccess {\n        repository {\n          id\n          name\n          path\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.CliAddRepositoryDocument,
    "\n  subscription CliJobProgress($id: ID!) {\n    jobProgress(id: $id) {\n      ...CliJobState\n    }\n  }\n": typeof types.CliJobProgressDocument,
    "\n  fragment CliRestoreState on RestoreJob {\n    id\n    status\n    archiveName\n    destination\n    dryRun\n    exitCode\n    errorMessage\n    progress {\n      percent\n      bytesRestored\n      filesRestored\n      currentFile\n      speedMBps\n      etaSeconds\n    }\n  }\n": typeof types.CliRestoreStateFragmentDoc,
    "\n  mutation CliStartRestore($input: StartRestoreInput!) {\n    startRestore(input: $input) {\n      __typename\n      ... on StartRestoreSuccess {\n        job {\n          id\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.CliStartRestoreDocument,
    "\n  subscription CliRestoreUpdates($id: ID!) {\n    jobUpdates(id: $id) {\n      __typename\n      ... on RestoreJob {\n        ...CliRestoreState\n      }\n    }\n  }\n": typeof types.CliRestoreUpdatesDocument,
    "\n  query CliJobs($limit: Int!) {\n    jobs(limit: $limit) {\n      id\n      status\n      repositoryPath\n      trigger\n      archiveName\n      createdAt\n      startedAt\n      completedAt\n      exitCode\n      errorMessage\n      progress {\n        percent\n        originalSize\n      }\n    }\n  }\n": typeof types.CliJobsDocument,
    "\n  query CliJobLogPage($id: ID!, $offset: Int!, $limit: Int!) {\n    job(id: $id) {\n      logs(offset: $offset, limit: $limit) {\n        hasMore\n        lines {\n          lineNumber\n          content\n        }\n      }\n    }\n  }\n": typeof types.CliJobLogPageDocument,
    "\n  subscription CliJobLogs($id: ID!, $offset: Int!) {\n    jobLogs(id: $id, offset: $offset) {\n      lineNumber\n      content\n    }\n  }\n": typeof types.CliJobLogsDocument,
    "\n  mutation CliCancelBackup($id: ID!) {\n    cancelBackup(id: $id) {\n      __typename\n      ... on CancelBackupSuccess {\n        processTerminated\n        job {\n          id\n          status\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.CliCancelBackupDocument,
    "\n  mutation CliCreateApiToken($name: String!, $role: Role!) {\n    createApiToken(name: $name, role: $role) {\n      __typename\n      ... on CreateApiTokenSuccess {\n        secret\n        apiToken {\n          id\n          name\n          role\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.CliCreateApiTokenDocument,
    "\n  mutation CliRevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      __typename\n      ... on RevokeApiTokenSuccess {\n        apiToken {\n          id\n          name\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.CliRevokeApiTokenDocument,
    "\n  mutation TestAddRepository($input: AddRepositoryInput!) {\n    addRepository(input: $input) {\n      __typename\n      ... on AddRepositorySuccess {\n        repository {\n          id\n          path\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.TestAddRepositoryDocument,
    "\n  query TestJobStatus($id: ID!) {\n    job(id: $id) {\n      id\n      status\n      exitCode\n      progress {\n        percent\n      }\n    }\n  }\n": typeof types.TestJobStatusDocument,
    "\n  query TestApiTokens {\n    apiTokens(includeRevoked: true) {\n      id\n      name\n      role\n      revokedAt\n    }\n  }\n": typeof types.TestApiTokensDocument,
};
const documents: Documents = {
    "\n  fragment StatusJob on BackupJob {\n    id\n    status\n    repositoryPath\n    archiveName\n    createdAt\n    completedAt\n    errorMessage\n    progress {\n      percent\n      originalSize\n      speedMBps\n      etaSeconds\n      currentFile\n    }\n  }\n": types.StatusJobFragmentDoc,
    "\n  query StatusOverview($recent: Int!) {\n    repositories {\n      id\n      name\n      path\n      lastJob {\n        id\n        status\n        completedAt\n      }\n    }\n    jobs(limit: $recent) {\n      ...StatusJob\n    }\n  }\n": types.StatusOverviewDocument,
    "\n  subscription StatusJobEvents {\n    jobEvents {\n      ...StatusJob\n    }\n  }\n": types.StatusJobEventsDocument,
    "\n  fragment CliJobState on BackupJob {\n    id\n    status\n    repositoryPath\n    archiveName\n    exitCode\n    errorMessage\n    progress {\n      percent\n      originalSize\n      deduplicatedSize\n      filesProcessed\n      currentFile\n      speedMBps\n      etaSeconds\n    }\n  }\n": types.CliJobStateFragmentDoc,
    "\n  mutation CliStartBackup($repository: String!) {\n    startBackup(repository: $repository) {\n      __typename\n      ... on StartBackupSuccess {\n        job {\n          id\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.CliStartBackupDocument,
    "\n  mutation CliAddRepository($input: AddRepositoryInput!) {\n    addRepository(input: $input) {\n      __typename\n      ... on AddRepositorySuccess {\n        repository {\n          id\n          name\n          path\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.CliAddRepositoryDocument,
    "\n  subscription CliJobProgress($id: ID!) {\n    jobProgress(id: $id) {\n      ...CliJobState\n    }\n  }\n": types.CliJobProgressDocument,
    "\n  fragment CliRestoreState on RestoreJob {\n    id\n    status\n    archiveName\n    destination\n    dryRun\n    exitCode\n    errorMessage\n    progress {\n      percent\n      bytesRestored\n      filesRestored\n      currentFile\n      speedMBps\n      etaSeconds\n    }\n  }\n": types.CliRestoreStateFragmentDoc,
    "\n  mutation CliStartRestore($input: StartRestoreInput!) {\n    startRestore(input: $input) {\n      __typename\n      ... on StartRestoreSuccess {\n        job {\n          id\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.CliStartRestoreDocument,
    "\n  subscription CliRestoreUpdates($id: ID!) {\n    jobUpdates(id: $id) {\n      __typename\n      ... on RestoreJob {\n        ...CliRestoreState\n      }\n    }\n  }\n": types.CliRestoreUpdatesDocument,
    "\n  query CliJobs($limit: Int!) {\n    jobs(limit: $limit) {\n      id\n      status\n      repositoryPath\n      trigger\n      archiveName\n      createdAt\n      startedAt\n      completedAt\n      exitCode\n      errorMessage\n      progress {\n        percent\n        originalSize\n      }\n    }\n  }\n": types.CliJobsDocument,
    "\n  query CliJobLogPage($id: ID!, $offset: Int!, $limit: Int!) {\n    job(id: $id) {\n      logs(offset: $offset, limit: $limit) {\n        hasMore\n        lines {\n          lineNumber\n          content\n        }\n      }\n    }\n  }\n": types.CliJobLogPageDocument,
    "\n  subscription CliJobLogs($id: ID!, $offset: Int!) {\n    jobLogs(id: $id, offset: $offset) {\n      lineNumber\n      content\n    }\n  }\n": types.CliJobLogsDocument,
    "\n  mutation CliCancelBackup($id: ID!) {\n    cancelBackup(id: $id) {\n      __typename\n      ... on CancelBackupSuccess {\n        processTerminated\n        job {\n          id\n          status\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.CliCancelBackupDocument,
    "\n  mutation CliCreateApiToken($name: String!, $role: Role!) {\n    createApiToken(name: $name, role: $role) {\n      __typename\n      ... on CreateApiTokenSuccess {\n        secret\n        apiToken {\n          id\n          name\n          role\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.CliCreateApiTokenDocument,
    "\n  mutation CliRevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      __typename\n      ... on RevokeApiTokenSuccess {\n        apiToken {\n          id\n          name\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.CliRevokeApiTokenDocument,
    "\n  mutation TestAddRepository($input: AddRepositoryInput!) {\n    addRepository(input: $input) {\n      __typename\n      ... on AddRepositorySuccess {\n        repository {\n          id\n          path\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.TestAddRepositoryDocument,
    "\n  query TestJobStatus($id: ID!) {\n    job(id: $id) {\n      id\n      status\n      exitCode\n      progress {\n        percent\n      }\n    }\n  }\n": types.TestJobStatusDocument,
    "\n  query TestApiTokens {\n    apiTokens(includeRevoked: true) {\n      id\n      name\n      role\n      revokedAt\n    }\n  }\n": types.TestApiTokensDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment StatusJob on BackupJob {\n    id\n    status\n    repositoryPath\n    archiveName\n    createdAt\n    completedAt\n    errorMessage\n    progress {\n      percent\n      originalSize\n      speedMBps\n      etaSeconds\n      currentFile\n    }\n  }\n"): typeof import('./graphql.js').StatusJobFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StatusOverview($recent: Int!) {\n    repositories {\n      id\n      name\n      path\n      lastJob {\n        id\n        status\n        completedAt\n      }\n    }\n    jobs(limit: $recent) {\n      ...StatusJob\n    }\n  }\n"): typeof import('./graphql.js').StatusOverviewDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription StatusJobEvents {\n    jobEvents {\n      ...StatusJob\n    }\n  }\n"): typeof import('./graphql.js').StatusJobEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CliJobState on BackupJob {\n    id\n    status\n    repositoryPath\n    archiveName\n    exitCode\n    errorMessage\n    progress {\n      percent\n      originalSize\n      deduplicatedSize\n      filesProcessed\n      currentFile\n      speedMBps\n      etaSeconds\n    }\n  }\n"): typeof import('./graphql.js').CliJobStateFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CliStartBackup($repository: String!) {\n    startBackup(repository: $repository) {\n      __typename\n      ... on StartBackupSuccess {\n        job {\n          id\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').CliStartBackupDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CliAddRepository($input: AddRepositoryInput!) {\n    addRepository(input: $input) {\n      __typename\n      ... on AddRepositorySuccess {\n        repository {\n          id\n          name\n          path\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').CliAddRepositoryDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription CliJobProgress($id: ID!) {\n    jobProgress(id: $id) {\n      ...CliJobState\n    }\n  }\n"): typeof import('./graphql.js').CliJobProgressDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CliRestoreState on RestoreJob {\n    id\n    status\n    archiveName\n    destination\n    dryRun\n    exitCode\n    errorMessage\n    progress {\n      percent\n      bytesRestored\n      filesRestored\n      currentFile\n      speedMBps\n      etaSeconds\n    }\n  }\n"): typeof import('./graphql.js').CliRestoreStateFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CliStartRestore($input: StartRestoreInput!) {\n    startRestore(input: $input) {\n      __typename\n      ... on StartRestoreSuccess {\n        job {\n          id\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').CliStartRestoreDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription CliRestoreUpdates($id: ID!) {\n    jobUpdates(id: $id) {\n      __typename\n      ... on RestoreJob {\n        ...CliRestoreState\n      }\n    }\n  }\n"): typeof import('./graphql.js').CliRestoreUpdatesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CliJobs($limit: Int!) {\n    jobs(limit: $limit) {\n      id\n      status\n      repositoryPath\n      trigger\n      archiveName\n      createdAt\n      startedAt\n      completedAt\n      exitCode\n      errorMessage\n      progress {\n        percent\n        originalSize\n      }\n    }\n  }\n"): typeof import('./graphql.js').CliJobsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CliJobLogPage($id: ID!, $offset: Int!, $limit: Int!) {\n    job(id: $id) {\n      logs(offset: $offset, limit: $limit) {\n        hasMore\n        lines {\n          lineNumber\n          content\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').CliJobLogPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription CliJobLogs($id: ID!, $offset: Int!) {\n    jobLogs(id: $id, offset: $offset) {\n      lineNumber\n      content\n    }\n  }\n"): typeof import('./graphql.js').CliJobLogsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CliCancelBackup($id: ID!) {\n    cancelBackup(id: $id) {\n      __typename\n      ... on CancelBackupSuccess {\n        processTerminated\n        job {\n          id\n          status\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').CliCancelBackupDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CliCreateApiToken($name: String!, $role: Role!) {\n    createApiToken(name: $name, role: $role) {\n      __typename\n      ... on CreateApiTokenSuccess {\n        secret\n        apiToken {\n          id\n          name\n          role\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').CliCreateApiTokenDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CliRevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      __typename\n      ... on RevokeApiTokenSuccess {\n        apiToken {\n          id\n          name\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').CliRevokeApiTokenDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TestAddRepository($input: AddRepositoryInput!) {\n    addRepository(input: $input) {\n      __typename\n      ... on AddRepositorySuccess {\n        repository {\n          id\n          path\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').TestAddRepositoryDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TestJobStatus($id: ID!) {\n    job(id: $id) {\n      id\n      status\n      exitCode\n      progress {\n        percent\n      }\n    }\n  }\n"): typeof import('./graphql.js').TestJobStatusDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TestApiTokens {\n    apiTokens(includeRevoked: true) {\n      id\n      name\n      role\n      revokedAt\n    }\n  }\n"): typeof import('./graphql.js').TestApiTokensDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
