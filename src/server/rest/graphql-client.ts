import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../auth/principal.js';
import type { Yoga } from '../graphql.js';
import { RestError, restErrorOfGraphQL } from './errors.js';

interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: unknown } }[];
}

/**
 * Runs a GraphQL document through yoga for a REST shim, as the caller: the
 * same schema, validation, role checks and error masking as /graphql. Any
 * error becomes a RestError with its HTTP status; otherwise the data.
 * `auth` overrides the caller's bearer token (the log download's own token).
 */
export async function runGraphQL<T>(
  yoga: Yoga,
  request: FastifyRequest,
  query: string,
  variables: Record<string, unknown>,
  auth: Principal | null = request.auth,
): Promise<T> {
  const response = await yoga.fetch(
    `http://localhost${yoga.graphqlEndpoint}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    },
    { req: request, auth },
  );
  const body = (await response.json()) as GraphQLBody<T>;
  const error = body.errors?.[0];
  if (error) throw restErrorOfGraphQL(error);
  if (!body.data) throw new RestError(500, 'internal server error');
  return body.data;
}
