import { createSourceEventStream, execute, getOperationAST, GraphQLError, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../schema/context.js';

type MaybePromise<T> = T | Promise<T>;

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> => typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/**
 * Maps a subscription's source events to results, one event at a time.
 * A hand-written iterator rather than an async generator: `return()` on a
 * generator waiting for the next event would wait for that event, and an
 * unsubscribed client would keep its pubsub listener until then.
 */
function mapEvents(
  source: AsyncIterable<unknown>,
  run: (payload: unknown) => MaybePromise<ExecutionResult>,
  wrapError: (error: unknown) => unknown,
): AsyncIterableIterator<ExecutionResult> & { return(): Promise<IteratorResult<ExecutionResult>> } {
  const events = source[Symbol.asyncIterator]();
  const done = { done: true, value: undefined } as const;
  return {
    async next() {
      let event: IteratorResult<unknown>;
      try {
        event = await events.next();
      } catch (error) {
        throw wrapError(error);
      }
      return event.done ? done : { done: false, value: await run(event.value) };
    },
    async return() {
      await events.return?.();
      return done;
    },
    async throw(error: unknown) {
      await events.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * Executes each subscription event once per distinct operation instead of
 * once per subscriber.
 *
 * The pubsub hands every subscriber of a topic the same payload object (one
 * job state, one log line), and yoga's executor would run the selection on
 * it separately for each subscriber: with 1,000 dashboards on one job that
 * was most of an event's cost (BENCHMARKS.md, fanout). Here subscribers that
 * sent the same document (yoga's parser cache makes equal query strings one
 * DocumentNode) with the same variables and role share the first one's
 * result; everything after (error masking, serialisation, sending) stays per
 * subscriber.
 *
 * Sound while an event's result depends only on the payload, the operation
 * and the caller's role (scope-auth works by role). A field whose value
 * depended on anything else in the context (the token itself, the request's
 * origin) would have to join the key below. A field that reads elsewhere (a
 * job's `logs` page) is read once per event, by the first subscriber's
 * execution: every subscriber sees the same snapshot of that event.
 * Subscribing itself (auth, the source stream) is still done per subscriber.
 */
export function useSharedEventExecution(): Plugin<Context> {
  const documentIds = new WeakMap<DocumentNode, number>();
  let documents = 0;
  // results live as long as their payload object: a slow subscriber still holding it finds them
  const results = new WeakMap<object, Map<string, MaybePromise<ExecutionResult>>>();
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args: ExecutionArgs) => {
        const stream = await createSourceEventStream(args);
        if (!isAsyncIterable(stream)) return stream;
        let documentId = documentIds.get(args.document);
        if (documentId === undefined) documentIds.set(args.document, (documentId = documents++));
        const role = (args.contextValue as Context).auth?.role ?? '';
        const key = `${documentId}\n${args.operationName ?? ''}\n${role}\n${JSON.stringify(args.variableValues ?? {})}`;
        const operation = getOperationAST(args.document, args.operationName);
        const run = (payload: unknown): MaybePromise<ExecutionResult> => {
          if (typeof payload !== 'object' || payload === null) return execute({ ...args, rootValue: payload });
          let byOperation = results.get(payload);
          if (!byOperation) results.set(payload, (byOperation = new Map<string, MaybePromise<ExecutionResult>>()));
          let result = byOperation.get(key);
          if (!result) byOperation.set(key, (result = execute({ ...args, rootValue: payload })));
          return result;
        };
        // as yoga's executor reports an error of the source stream: located at the operation
        const wrapError = (error: unknown) =>
          new GraphQLError(error instanceof Error ? error.message : String(error), {
            originalError: error instanceof Error ? error : undefined,
            nodes: operation ? [operation] : undefined,
          });
        return mapEvents(stream, run, wrapError);
      });
    },
  };
}
