import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../../domain/errors.js';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../../db/unavailable.js';
import { RETRY_AFTER_SECONDS } from '../error-replies.js';

/** A REST answer other than 200: its status and the `{"detail": …}` body. */
export class RestError extends Error {
  override name = 'RestError';
  constructor(
    readonly statusCode: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** HTTP status of the GraphQL error codes (server/graphql.ts) a shim can meet. */
const STATUS_OF_CODE: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  JOB_NOT_CANCELLABLE: 400,
  // borg refused (wrong passphrase, unknown archive, locked): the request cannot be served as asked
  BORG_ERROR: 422,
  // the repository's node (another server of the cluster) did not answer: try again later
  NODE_UNREACHABLE: 503,
  // the database is out of reach for now (db/unavailable.ts): try again
  SERVICE_UNAVAILABLE: 503,
};

/** HTTP status of the typed errors of mutation result unions. */
const STATUS_OF_TYPENAME: Record<string, number> = {
  NotFoundError: 404,
  ValidationError: 400,
  JobNotCancellableError: 400,
  // one of our jobs holds the repository: try again once it ended
  RepositoryBusyError: 409,
  // borg refused (not a repository, unreachable…): borg's message says why
  BorgError: 422,
  NodeUnreachableError: 503,
};

/** The RestError for a GraphQL error; unknown codes are the server's fault (500, message not passed on). */
export function restErrorOfGraphQL(error: { message: string; extensions?: { code?: unknown } }): RestError {
  const status = STATUS_OF_CODE[String(error.extensions?.code)];
  return status ? new RestError(status, error.message) : new RestError(500, 'internal server error');
}

/** The RestError for a typed error of a result union (`__typename` + `message`), or null for a success. */
export function restErrorOfResult(result: { __typename: string; message?: string }): RestError | null {
  const status = STATUS_OF_TYPENAME[result.__typename];
  if (status) return new RestError(status, result.message ?? result.__typename);
  return result.__typename.endsWith('Success') ? null : new RestError(500, 'internal server error');
}

/**
 * The REST routes' error handler: everything becomes `{"detail": …}`.
 * A domain NotFoundError (an id no row can have) is a 404, a database out
 * of reach a 503 (with Retry-After). Fastify's own
 * 4xx (schema validation, malformed or missing JSON, wrong content type)
 * keep their status and message; anything else is a 500 whose cause goes
 * to the log, not to the client.
 */
export function restErrorHandler(error: FastifyError | RestError | NotFoundError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof RestError) {
    if (error.statusCode === 503) return reply.code(503).header('retry-after', RETRY_AFTER_SECONDS).send({ detail: error.detail });
    if (error.statusCode >= 500) request.log.error({ err: error }, 'REST request failed');
    return reply.code(error.statusCode).send({ detail: error.detail });
  }
  if (isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, 'REST request failed: the database does not answer');
    return reply.code(503).header('retry-after', RETRY_AFTER_SECONDS).send({ detail: DATABASE_UNAVAILABLE_MESSAGE });
  }
  if (error instanceof NotFoundError) return reply.code(404).send({ detail: error.message });
  if (error.validation) return reply.code(400).send({ detail: error.message });
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.code(415).send({ detail: 'unsupported content-type: send application/json' });
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return reply.code(error.statusCode).send({ detail: error.message });
  }
  request.log.error({ err: error }, 'REST request failed');
  return reply.code(500).send({ detail: 'internal server error' });
}
