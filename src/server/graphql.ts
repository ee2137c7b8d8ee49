import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { createYoga, maskError as defaultMaskError, type YogaServerInstance } from 'graphql-yoga';
import { JobNotCancellableError, NotFoundError, RepositoryBorgError, ValidationError } from '../jobs/errors.js';
import type { Context } from '../schema/context.js';
import { schema } from '../schema/index.js';

export interface ServerContext {
  req?: FastifyRequest;
  reply?: FastifyReply;
}

export type Yoga = YogaServerInstance<ServerContext, Context>;

/** GraphQL error codes of the domain's expected failures outside result unions. */
function codeOf(error: unknown): string | null {
  if (error instanceof ValidationError) return 'BAD_USER_INPUT';
  if (error instanceof NotFoundError) return 'NOT_FOUND';
  if (error instanceof JobNotCancellableError) return 'JOB_NOT_CANCELLABLE';
  if (error instanceof RepositoryBorgError) return 'BORG_ERROR';
  return null;
}

/**
 * Expected failures keep their message and get a code (a subscription to an
 * unknown job, a page size over the cap); anything else is masked, so
 * internals never leak.
 */
function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  const code = codeOf(original);
  if (code && original instanceof Error) {
    const located = error instanceof GraphQLError ? error : undefined;
    return new GraphQLError(original.message, {
      nodes: located?.nodes,
      path: located?.path,
      extensions: { code, ...(original instanceof ValidationError && original.field ? { field: original.field } : {}) },
    });
  }
  return defaultMaskError(error, message, isDev);
}

/** The yoga instance serving /graphql (HTTP, SSE, GraphiQL) and, through getEnveloped, graphql-ws. */
export function createGraphQLServer(context: Context, log: { warn: (msg: string) => void; error: (msg: string) => void }): Yoga {
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    context: () => context,
    maskedErrors: { maskError },
    // GraphiQL with its assets inlined: backup servers often have no internet
    renderGraphiQL,
    graphiql: { title: 'borgql', subscriptionsProtocol: 'WS' },
    landingPage: false,
    logging: {
      debug: () => undefined,
      info: () => undefined,
      warn: (...args: unknown[]) => log.warn(args.map(String).join(' ')),
      error: (...args: unknown[]) => log.error(args.map(String).join(' ')),
    },
  });
}
