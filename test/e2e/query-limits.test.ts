import { beforeAll, describe, expect, it } from 'vitest';
import { QUERY_LIMITS } from '../../src/server/query-limits.js';
import { gqlRaw, wsClient, type GraphQLResponse } from '../helpers/graphql.js';
import { rest } from '../helpers/rest.js';
import { createApiToken } from '../helpers/documents.js';
import { bearer } from '../helpers/server.js';
import { useServer } from '../helpers/use-server.js';

const nested = (levels: number, open: string, close: string, inner: string) => open.repeat(levels) + inner + close.repeat(levels);

/** One chain of nested objects (not lists), 9 levels deep, wide at the bottom: costly structure, few list items. */
const CHAIN =
  'jobs(limit: 1) { repository { lastJob { repository { lastJob { repository { lastJob { progress { percent speedMBps originalSize compressedSize deduplicatedSize filesProcessed currentFile etaSeconds totalExpectedSize } } } } } } } }';

/** Documents that would cost seconds of CPU, a stack overflow or gigabytes, and the limit each breaks; each must be refused before it runs. */
const HOSTILE: [string, string, RegExp, Record<string, unknown>?][] = [
  ['2,000 nested selections', `{ ${nested(2000, 'jobs { ', ' }', 'id')} }`, /Token limit/],
  ['3,000 nested input objects', `mutation { addRepository(input: ${nested(3000, '{ a: ', ' }', '1')}) { __typename } }`, /Document of \d+ characters/],
  ['5,000 nested lists', `{ jobs(status: ${nested(5000, '[', ']', '')}) { id } }`, /Token limit/],
  [
    '3,000 aliases of jobs × logs',
    `{ ${Array.from({ length: 3000 }, (_, i) => `a${i}: jobs(limit: 10000) { logs(limit: 10000) { totalLines } }`).join(' ')} }`,
    /Document of/,
  ],
  ['nesting deeper than the limit', `{ ${nested(QUERY_LIMITS.depth, 'repositories { schedules { ', ' } }', 'id')} }`, /depth limit of 10/],
  [
    'more aliases than the limit',
    `{ ${Array.from({ length: QUERY_LIMITS.aliases + 1 }, (_, i) => `a${i}: repositories { id }`).join(' ')} }`,
    /Aliases limit of 20/,
  ],
  [
    'more directives than the limit',
    `{ jobs { ${Array.from({ length: QUERY_LIMITS.directives + 1 }, () => 'id @include(if: true)').join(' ')} } }`,
    /Directives limit of 20/,
  ],
  ['more tokens than the limit', `{ jobs { ${'id '.repeat(QUERY_LIMITS.tokens)} } }`, /Token limit of 1000/],
  ['a document longer than the limit', `{ jobs { id } } # ${'x'.repeat(QUERY_LIMITS.length)}`, /Document of \d+ characters exceeds the limit of 20000/],
  ['a costly structure', `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: ${CHAIN}`).join(' ')} }`, /Cost limit of 5000/],
  ['jobs(limit: 10000) × logs(limit: 10000)', '{ jobs(limit: 10000) { logs(limit: 10000) { totalLines } } }', /could read 100,010,000 list items/],
  [
    'list limits multiplied through variables',
    'query($jobs: Int, $lines: Int) { jobs(limit: $jobs) { logs(limit: $lines) { lines { content } } } }',
    /could read 505,000 list items/,
    { jobs: 5000, lines: 100 },
  ],
  [
    'list limits multiplied through a fragment spread twice',
    '{ ...F ...F } fragment F on Query { jobs(limit: 1000) { logs(limit: 200) { totalLines } } }',
    /could read 402,000/,
  ],
];

function expectRefused(body: GraphQLResponse, what: string, limit: RegExp): void {
  expect(body.data, what).toBeUndefined();
  expect(body.errors?.length, what).toBeGreaterThan(0);
  // a document can break several limits at once (deep is also costly): each is named
  for (const error of body.errors ?? []) expect(error.extensions?.code, `${what}: ${error.message}`).toBe('QUERY_TOO_COMPLEX');
  expect(body.errors?.map((error) => error.message).join(' | '), what).toMatch(limit);
}

describe('query limits: depth, aliases, tokens, directives, cost and list sizes', () => {
  const { server } = useServer('query-limits');
  let viewer = '';

  beforeAll(async () => {
    viewer = await createApiToken(server.graphqlUrl, 'viewer', 'VIEWER');
  });

  it.each(HOSTILE)('HTTP POST refuses %s (a VIEWER token) with 400 QUERY_TOO_COMPLEX', async (what, query, limit, variables) => {
    const { status, body } = await gqlRaw(server.graphqlUrl, query, variables ?? {}, bearer(viewer));
    expect(status, what).toBe(400);
    expectRefused(body, what, limit);
  });

  it('HTTP GET refuses too', async () => {
    const query = '{ jobs(limit: 10000) { logs(limit: 10000) { totalLines } } }';
    const response = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent(query)}`, {
      headers: { ...bearer(viewer), accept: 'application/graphql-response+json' },
    });
    expect(response.status).toBe(400);
    expectRefused(await response.json(), 'GET list sizes', /list items/);
  });

  it.each(HOSTILE)('graphql-ws refuses %s and keeps the connection', async (what, query, limit, variables) => {
    const client = wsClient(server.wsUrl, bearer(viewer));
    try {
      const outcome = await new Promise<GraphQLResponse>((resolve, reject) => {
        client.subscribe(
          { query, variables: variables ?? {} },
          // validation refusals come as graphql-ws `error` messages, execution refusals as a result with errors
          {
            next: (result) => resolve(result as GraphQLResponse),
            error: (errors) => resolve({ errors: errors as GraphQLResponse['errors'] }),
            complete: () => undefined,
          },
        );
        setTimeout(() => reject(new Error(`${what}: no answer`)), 20_000).unref();
      });
      expectRefused(outcome, what, limit);
      // the same connection still serves a modest operation
      const modest = await new Promise<unknown>((resolve, reject) => {
        client.subscribe({ query: '{ jobs(limit: 5) { id } }' }, { next: (result) => resolve(result), error: reject, complete: () => undefined });
      });
      expect(modest).toEqual({ data: { jobs: [] } });
    } finally {
      await client.dispose();
    }
  });

  it.each([
    [
      'nesting',
      `subscription { jobEvents { ${nested(QUERY_LIMITS.depth, 'repository { schedules { repositories { lastJob { ', ' } } } }', 'id')} } }`,
      /depth limit/,
    ],
    ['list sizes', 'subscription { jobEvents { repository { schedules { repositories { lastJob { logs(limit: 10000) { totalLines } } } } } } }', /list items/],
    ['tokens', `subscription { jobEvents { ${'id '.repeat(QUERY_LIMITS.tokens)} } }`, /Token limit/],
  ] as const)('SSE refuses a subscription over the limits (%s) before it starts', async (what, query, limit) => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { ...bearer(viewer), 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query }),
    });
    // the whole answer arrives and the stream ends: jobEvents never ends by itself, so the subscription did not start
    const text = await response.text();
    const payloads = [...text.matchAll(/^data: (.+)$/gm)].map((match) => JSON.parse(match[1] as string) as GraphQLResponse);
    expect(payloads.length, `${what}: ${text}`).toBe(1);
    expectRefused(payloads[0] as GraphQLResponse, what, limit);
  });

  it('operations inside the limits run: the defaults, a large page, many small ones', async () => {
    const { body } = await gqlRaw(
      server.graphqlUrl,
      `query($n: Int) { jobs { id logs { totalLines lines { content } } } big: jobs(limit: 10000) { id } job(id: "1") { logs(limit: 10000) { lines { content } } }
        few: jobs(limit: $n) { logs(limit: 1000) { totalLines } } repositories { name schedules { name } } }`,
      { n: 10 },
      bearer(viewer),
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ jobs: [], big: [], job: null, few: [], repositories: [] });
  });

  it('the REST shims run their documents at their largest pages', async () => {
    expect((await rest(server.url, 'GET', '/api/backup/jobs?limit=10000')).status).toBe(200);
    expect((await rest(server.url, 'GET', '/api/backup/logs/1/stream?offset=0&limit=10000')).body).toEqual({ detail: 'job 1 not found' });
    expect((await rest(server.url, 'GET', '/api/backup/status/1')).body).toEqual({ detail: 'job 1 not found' });
    expect((await rest(server.url, 'POST', '/api/backup/start', { body: { repository: '/nowhere' } })).status).toBe(404);
    expect((await rest(server.url, 'POST', '/api/backup/cancel/1')).body).toEqual({ detail: 'job 1 not found' });
  });
});
