import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEFAULT_FAILURE_LIMITS } from '../../src/server/auth/failure-limiter.js';
import { collectWs, gqlRaw, wsClient } from '../helpers/graphql.js';
import { rest } from '../helpers/rest.js';
import { JOB_EVENTS, createApiToken } from '../helpers/documents.js';
import { bearer } from '../helpers/server.js';
import { useServer } from '../helpers/use-server.js';

const wrong = (i: number) => `bq_wrong-token-${String(i).padStart(4, '0')}-xxxxxxxxxxxxxxxxxxxxxxxxxx`;

/** How a graphql-ws connection with these params ends: 0 when it was accepted. */
function wsOutcome(url: string, connectionParams: Record<string, unknown>): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: connectionParams })));
    socket.on('message', (data) => {
      if (JSON.parse((data as Buffer).toString('utf8')).type === 'connection_ack') {
        socket.close();
        resolve({ code: 0, reason: '' });
      }
    });
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    socket.on('error', reject);
  });
}

/**
 * Failed authentications are limited per client address: a flood of wrong
 * tokens gets 429 with Retry-After and no more guesses checked, on every
 * transport; tokens this address has used successfully keep working.
 */
describe('rate limiting of failed authentication', () => {
  const { server } = useServer('auth-rate-limit');
  let unusedViewer = '';

  beforeAll(async () => {
    // the admin token authenticates from this address before the flood (the beforeAll's own request)
    unusedViewer = await createApiToken(server.graphqlUrl, 'never used', 'VIEWER');
  });

  it('a flood of 300 wrong tokens: the first failures get 401, every later one 429 with Retry-After and {"detail"}', async () => {
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => rest(server.url, 'GET', '/api/backup/jobs', { token: wrong(i) })));
    const statuses = answers.map((answer) => answer.status);
    // the check and the count happen before any lookup: parallel guesses cannot slip past the limit
    expect(statuses.filter((status) => status === 401)).toHaveLength(DEFAULT_FAILURE_LIMITS.maxFailures);
    expect(statuses.filter((status) => status === 429)).toHaveLength(300 - DEFAULT_FAILURE_LIMITS.maxFailures);
    const limited = answers.find((answer) => answer.status === 429);
    const retryAfter = Number(limited?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(DEFAULT_FAILURE_LIMITS.windowMs / 1000);
    expect(limited?.body).toEqual({ detail: expect.stringMatching(/too many failed authentications from this address: retry after \d+ s/) });
  });

  it('GraphQL over HTTP answers 429 in its own shape (code RATE_LIMITED)', async () => {
    const { status, body } = await gqlRaw(server.graphqlUrl, '{ jobs { id } }', {}, bearer(wrong(1000)));
    expect(status).toBe(429);
    expect(body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    const sse = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { ...bearer(wrong(1001)), 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: JOB_EVENTS }),
    });
    expect(sse.status).toBe(429);
    expect(sse.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('graphql-ws refuses the connection with 4429', async () => {
    const outcome = await wsOutcome(server.wsUrl, bearer(wrong(1002)));
    expect(outcome.code).toBe(4429);
    expect(outcome.reason).toMatch(/too many failed authentications/);
  });

  it('the token this address used before still works, over every transport, while the address is limited', async () => {
    expect((await rest(server.url, 'GET', '/api/backup/jobs')).status).toBe(200);
    expect((await gqlRaw(server.graphqlUrl, '{ jobs { id } }')).status).toBe(200);
    const client = wsClient(server.wsUrl);
    try {
      expect(await collectWs(client, '{ jobs { id } }')).toEqual([{ jobs: [] }]);
    } finally {
      await client.dispose();
    }
    // and the limit still holds for the others
    expect((await rest(server.url, 'GET', '/api/backup/jobs', { token: wrong(1003) })).status).toBe(429);
  });

  it('a token never used from this address is not checked while it is limited: guessing gets nowhere, even a right guess', async () => {
    const answer = await rest(server.url, 'GET', '/api/backup/jobs', { token: unusedViewer });
    expect(answer.status).toBe(429);
    expect((await wsOutcome(server.wsUrl, bearer(unusedViewer))).code).toBe(4429);
  });

  it('requests without a token and public routes are not limited: they guess nothing', async () => {
    const anonymous = await rest(server.url, 'GET', '/api/backup/jobs', { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.detail).toMatch(/authentication required/);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
