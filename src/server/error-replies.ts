import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../db/unavailable.js';

/** What a 503 asks the client to wait before trying again (a lost database reconnects within seconds). */
export const RETRY_AFTER_SECONDS = '5';

/** Where GraphQL is served (HTTP, SSE, GraphiQL and graphql-ws). */
export const GRAPHQL_ENDPOINT = '/graphql';

/** An error answer: its HTTP status, message, the GraphQL `extensions.code` and extra headers. */
export interface ErrorAnswer {
  status: number;
  message: string;
  /** `extensions.code` when the answer is GraphQL's */
  code: string;
  headers?: Record<string, string>;
}

const isGraphQLPath = (request: FastifyRequest) => request.url.split('?')[0] === GRAPHQL_ENDPOINT;

/**
 * Answers an error in the dialect of the path: GraphQL's `{"errors": […]}`
 * (with `extensions.code`) on the GraphQL endpoint, `{"detail": …}`
 * everywhere else (the REST shims' shape).
 */
export function replyError(request: FastifyRequest, reply: FastifyReply, answer: ErrorAnswer): FastifyReply {
  reply.code(answer.status).headers(answer.headers ?? {});
  if (!isGraphQLPath(request)) return reply.type('application/json; charset=utf-8').send(JSON.stringify({ detail: answer.message }));
  const graphqlResponse = (request.headers.accept ?? '').includes('application/graphql-response+json');
  return reply
    .type(graphqlResponse ? 'application/graphql-response+json; charset=utf-8' : 'application/json; charset=utf-8')
    .send(JSON.stringify({ errors: [{ message: answer.message, extensions: { code: answer.code } }] }));
}

/**
 * Fastify's router errors, which no route's error handler sees: a path
 * parameter that is not valid percent-encoding (`/status/%ff`) or longer
 * than the router allows. Both are bad input: 400.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'a path parameter is too long'
      : error.code === 'FST_ERR_BAD_URL'
        ? 'the path is not valid percent-encoding'
        : 'bad request';
  void replyError(request, reply, { status: 400, message, code: 'BAD_REQUEST' });
}

/**
 * The last resort for errors no route handled: a 4xx keeps its status and
 * message (malformed JSON, a body over the limit), a database out of reach
 * is a 503 SERVICE_UNAVAILABLE, anything else is a 500
 * whose cause goes to the log (serialized by the logger's safe `err`
 * serializer), never to the client.
 */
export function rootErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return replyError(request, reply, { status, message: error.message, code: 'BAD_REQUEST' });
  if (isDatabaseUnavailable(error)) {
    // e.g. the token lookup of a request while PostgreSQL is lost: temporary, the client may try again
    request.log.warn({ err: error }, 'request failed: the database does not answer');
    return replyError(request, reply, {
      status: 503,
      message: DATABASE_UNAVAILABLE_MESSAGE,
      code: 'SERVICE_UNAVAILABLE',
      headers: { 'retry-after': RETRY_AFTER_SECONDS },
    });
  }
  request.log.error({ err: error }, 'request failed');
  return replyError(request, reply, { status: 500, message: 'internal server error', code: 'INTERNAL_SERVER_ERROR' });
}

/** Requests Node's HTTP parser refused (malformed request line or headers, headers too large): `{"detail"}` too. */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const detail = status === 408 ? 'request timed out' : status === 431 ? 'request headers too large' : 'malformed HTTP request';
  const body = JSON.stringify({ detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
