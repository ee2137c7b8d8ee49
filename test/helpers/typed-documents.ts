/**
 * Operations several test files send, as typed documents (GraphQL Code
 * Generator, codegen.ts): `gql(url, AddRepositoryDocument, { input })` then
 * knows its variables and its answer.
 */
import { graphql } from '../../src/cli/gql/index.js';

export const AddRepositoryDocument = graphql(`
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
`);

export const JobStatusDocument = graphql(`
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
`);

export const ApiTokensDocument = graphql(`
  query TestApiTokens {
    apiTokens(includeRevoked: true) {
      id
      name
      role
      revokedAt
    }
  }
`);
