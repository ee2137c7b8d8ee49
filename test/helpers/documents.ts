import { gql } from './graphql.js';

// The GraphQL documents many test files send as they are. A file whose
// assertions need other fields keeps its own document beside its tests.

/** Adds a repository (`$input`); answers only the result's type. */
export const ADD_REPOSITORY = 'mutation($input: AddRepositoryInput!) { addRepository(input: $input) { __typename } }';

/** Adds a repository (`$input`); answers the result's type and, on failure, the message. */
export const ADD_REPOSITORY_OR_ERROR = 'mutation($input: AddRepositoryInput!) { addRepository(input: $input) { __typename ... on Error { message } } }';

/** Starts a backup of the repository `$r` (name or path); answers the job's id on success. */
export const START_BACKUP = 'mutation($r: String!) { startBackup(repository: $r) { ... on StartBackupSuccess { job { id } } } }';

/** The states of job `$id` until it ends: its status only. */
export const JOB_STATUS_UPDATES = 'subscription($id: ID!) { jobProgress(id: $id) { status } }';

/** Every job event, by job id. */
export const JOB_EVENTS = 'subscription { jobEvents { id } }';

/** Job `$id`'s status and error message. */
export const JOB_STATUS = 'query($id: ID!) { job(id: $id) { status errorMessage } }';

/** Creates an API token named `$name` with the role `$role`; answers its secret on success. */
export const CREATE_API_TOKEN =
  'mutation($name: String!, $role: Role!) { createApiToken(name: $name, role: $role) { ... on CreateApiTokenSuccess { secret } } }';

/** Starts a backup of `repository` as the test admin and returns the job's id. */
export async function startBackup(graphqlUrl: string, repository: string): Promise<string> {
  return (await gql<{ startBackup: { job: { id: string } } }>(graphqlUrl, START_BACKUP, { r: repository })).startBackup.job.id;
}

/** Creates an API token as the test admin and returns its secret. */
export async function createApiToken(graphqlUrl: string, name: string, role: 'VIEWER' | 'OPERATOR' | 'ADMIN'): Promise<string> {
  return (await gql<{ createApiToken: { secret: string } }>(graphqlUrl, CREATE_API_TOKEN, { name, role })).createApiToken.secret;
}
