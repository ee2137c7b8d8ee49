// useSharedEventExecution: one execution per event and operation, shared by
// the subscribers that sent the same document, variables and role, through a
// real yoga instance and the project's PubSub.
import { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString, type ExecutionResult } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/domain/errors.js';
import { PubSub } from '../../src/events/pubsub.js';
import type { Role } from '../../src/auth/roles.js';
import { useSharedEventExecution } from '../../src/server/shared-events.js';

interface Topics extends Record<string, unknown> {
  tick: { n: number };
}

const TICK = 'subscription { tick { n secret } }';

function setup() {
  const pubsub = new PubSub<Topics>();
  let executions = 0;
  const Tick = new GraphQLObjectType({
    name: 'Tick',
    fields: {
      n: { type: GraphQLInt, resolve: (tick: { n: number }) => (executions++, tick.n) },
      // a field whose value depends on the caller's role: results must not cross roles
      secret: { type: GraphQLString, resolve: (_tick, _args, ctx: { auth: { role: Role } }) => (ctx.auth.role === 'ADMIN' ? 'for admins' : null) },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt, resolve: () => 1 } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        tick: { type: Tick, args: { every: { type: GraphQLInt } }, subscribe: () => pubsub.subscribe('tick', 1), resolve: (tick) => tick },
        missing: {
          type: Tick,
          // like jobProgress: an async generator that fails on its first read
          subscribe: async function* () {
            yield* [];
            throw new NotFoundError('job 9 not found');
          },
          resolve: (tick) => tick,
        },
      },
    }),
  });
  const yoga = createYoga({ schema, plugins: [useSharedEventExecution() as Plugin], maskedErrors: false, logging: false });
  /** Subscribes the way src/server/websocket.ts does: yoga's enveloped parse (cached) and subscribe. */
  async function subscribe(query: string, role: Role = 'VIEWER', variables: Record<string, unknown> = {}) {
    const { parse, subscribe, contextFactory, schema } = yoga.getEnveloped({ auth: { kind: 'token', tokenId: 1, name: 't', role } });
    const result = await subscribe({ schema, document: parse(query), contextValue: await contextFactory(), variableValues: variables });
    return result as AsyncIterableIterator<ExecutionResult> & { return(): Promise<unknown> };
  }
  return { pubsub, subscribe, executions: () => executions };
}

describe('useSharedEventExecution', () => {
  it('subscribers with the same operation and role share one execution per event; each gets every event', async () => {
    const { pubsub, subscribe, executions } = setup();
    const a = await subscribe(TICK);
    const b = await subscribe(TICK);
    pubsub.publish('tick', 1, { n: 1 });
    pubsub.publish('tick', 1, { n: 2 });
    for (const sub of [a, b]) {
      expect((await sub.next()).value).toEqual({ data: { tick: { n: 1, secret: null } } });
      expect((await sub.next()).value).toEqual({ data: { tick: { n: 2, secret: null } } });
    }
    expect(executions()).toBe(2);
    await Promise.all([a.return(), b.return()]);
    expect(pubsub.subscriberCount).toBe(0);
  });

  it('another role, document or variables is executed on its own', async () => {
    const { pubsub, subscribe, executions } = setup();
    const subs = [
      await subscribe(TICK, 'VIEWER'),
      await subscribe(TICK, 'VIEWER'),
      await subscribe(TICK, 'ADMIN'),
      await subscribe('subscription { tick { n } }', 'VIEWER'),
      await subscribe('subscription Every($every: Int) { tick(every: $every) { n secret } }', 'VIEWER', { every: 2 }),
    ];
    pubsub.publish('tick', 1, { n: 7 });
    const results = await Promise.all(subs.map(async (s) => (await s.next()).value));
    expect(results).toEqual([
      { data: { tick: { n: 7, secret: null } } },
      { data: { tick: { n: 7, secret: null } } },
      { data: { tick: { n: 7, secret: 'for admins' } } },
      { data: { tick: { n: 7 } } },
      { data: { tick: { n: 7, secret: null } } },
    ]);
    expect(executions()).toBe(4);
    await Promise.all(subs.map((s) => s.return()));
  });

  it('return() while waiting for an event ends the wait and unsubscribes at once', async () => {
    const { pubsub, subscribe } = setup();
    const sub = await subscribe(TICK);
    const waiting = sub.next();
    expect(pubsub.subscriberCount).toBe(1);
    await sub.return();
    expect(pubsub.subscriberCount).toBe(0);
    expect(await waiting).toEqual({ done: true, value: undefined });
  });

  it('an error of the source stream keeps its message and original error', async () => {
    const { subscribe } = setup();
    const sub = await subscribe('subscription { missing { n } }');
    const error = await sub.next().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ message: 'job 9 not found', originalError: expect.any(NotFoundError) });
  });
});
