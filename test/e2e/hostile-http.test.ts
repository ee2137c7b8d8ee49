import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { MAX_REQUEST_BYTES } from '../../src/server/request-size.js';
import { collectWs, wsClient } from '../helpers/graphql.js';
import { rawHttp } from '../helpers/raw-http.js';
import { rest } from '../helpers/rest.js';
import { TEST_ADMIN_TOKEN, bearer, startServer, tempDir } from '../helpers/server.js';
import { useServer } from '../helpers/use-server.js';

const AUTH = `Authorization: Bearer ${TEST_ADMIN_TOKEN}`;
const JOBS_BODY = JSON.stringify({ query: '{ jobs { id } }' });
/** POST /graphql of a jobs query, as the test admin, with `headers` (CRLF-separated) added. */
const postJobs = (version: string, headers: string) =>
  `POST /graphql ${version}\r\n${headers ? `${headers}\r\n` : ''}${AUTH}\r\nContent-Type: application/json\r\nContent-Length: ${JOBS_BODY.length}\r\n\r\n${JOBS_BODY}`;

/** Requests a careless or hostile client sends get a 4xx in the route's dialect, never a 500, and the server keeps serving. */
describe('hostile HTTP and WebSocket input', () => {
  const { server } = useServer('hostile-http');

  describe('a malformed Host header is a 400', () => {
    it.each(['a:99999', '[zz', 'user@host', 'host/path', 'host?x'])('Host: %s', async (host) => {
      // the GraphiQL page is public: the Host is checked before anything else
      const page = await rawHttp(server.url, `GET /graphql HTTP/1.1\r\nHost: ${host}\r\nAccept: text/html\r\nConnection: close\r\n\r\n`);
      expect(page.status).toBe(400);
      expect(JSON.parse(page.body)).toEqual({ errors: [{ message: expect.stringMatching(/malformed Host header/), extensions: { code: 'BAD_REQUEST' } }] });

      const graphql = await rawHttp(server.url, postJobs('HTTP/1.1', `Host: ${host}\r\nConnection: close`));
      expect(graphql.status).toBe(400);
      expect(JSON.parse(graphql.body).errors[0].extensions.code).toBe('BAD_REQUEST');

      const restAnswer = await rawHttp(server.url, `GET /api/backup/jobs HTTP/1.1\r\nHost: ${host}\r\n${AUTH}\r\nConnection: close\r\n\r\n`);
      expect(restAnswer.status).toBe(400);
      expect(JSON.parse(restAnswer.body)).toEqual({ detail: 'malformed Host header: expected host[:port]' });
    });

    it('a well-formed Host, and none at all (HTTP/1.0), still work', async () => {
      const named = await rawHttp(server.url, `GET /api/backup/jobs HTTP/1.1\r\nHost: backup.example.org:8443\r\n${AUTH}\r\nConnection: close\r\n\r\n`);
      expect(named.status).toBe(200);
      const none = await rawHttp(server.url, postJobs('HTTP/1.0', ''));
      expect(none.status).toBe(200);
      expect(JSON.parse(none.body)).toEqual({ data: { jobs: [] } });
    });
  });

  it.each([
    ['variables', 'variables={'],
    ['extensions', 'extensions={'],
    ['both', 'variables=%7B%22a%22&extensions=nope'],
  ])('GET /graphql with malformed JSON in %s is a 400 GraphQL error', async (_what, params) => {
    const response = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent('{ jobs { id } }')}&${params}`, {
      headers: { ...bearer(), accept: 'application/graphql-response+json' },
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors[0]).toMatchObject({ message: expect.stringMatching(/malformed parameters/), extensions: { code: 'BAD_REQUEST' } });
  });

  it.each([
    ['/api/backup/status/%ff', /not valid percent-encoding/],
    ['/api/backup/logs/%ff/stream', /not valid percent-encoding/],
    [`/api/backup/status/${'1'.repeat(400)}`, /path parameter is too long/],
    [`/api/backup/cancel/${'9'.repeat(101)}`, /path parameter is too long/],
  ])('router errors are 400 {"detail"}: %s', async (url, detail) => {
    const method = url.includes('cancel') ? 'POST' : 'GET';
    const answer = await rest(server.url, method, url);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(answer.body)).toEqual(['detail']);
    expect(answer.body.detail).toMatch(detail);
  });

  it('a request Node cannot parse gets a {"detail"} 400, and a path outside the REST prefix a {"detail"} 404', async () => {
    const garbage = await rawHttp(server.url, 'NOT AN HTTP REQUEST\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body)).toEqual({ detail: 'malformed HTTP request' });
    const missing = await rest(server.url, 'GET', '/nowhere');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'no route GET /nowhere' });
  });

  it('a body over 1 MiB is a 413 in the route’s dialect', async () => {
    const big = JSON.stringify({ repository: 'r'.repeat(MAX_REQUEST_BYTES) });
    const start = await rest(server.url, 'POST', '/api/backup/start', { rawBody: big });
    expect(start.status).toBe(413);
    expect(Object.keys(start.body)).toEqual(['detail']);
    const graphql = await fetch(server.graphqlUrl, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: big });
    expect(graphql.status).toBe(413);
    expect((await graphql.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('malformed JSON posted to /graphql is a 400 GraphQL error, not Fastify’s own shape', async () => {
    const response = await fetch(server.graphqlUrl, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: '{"query": ' });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('a WebSocket message over the size limit closes that socket with 1009 before authentication; the server keeps answering', async () => {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    socket.on('error', () => undefined); // the server may stop reading while the client still writes
    await once(socket, 'open');
    const closed = new Promise<{ code: number }>((resolve) => socket.on('close', (code) => resolve({ code })));
    // the server runs in this process: a flood of oversized frames must not flood its stderr either
    const printed = vi.spyOn(console, 'error');
    try {
      socket.send('x'.repeat(MAX_REQUEST_BYTES + 1));
      expect(await closed).toEqual({ code: 1009 });
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
    }

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const client = wsClient(server.wsUrl);
    try {
      expect(await collectWs(client, '{ jobs { id } }')).toEqual([{ jobs: [] }]);
    } finally {
      await client.dispose();
    }
  });
});

describe('CORS answers only the origins of BORGQL_CORS_ORIGINS', () => {
  const allowed = 'https://dash.example.org';
  const { server } = useServer('cors', { BORGQL_CORS_ORIGINS: `${allowed}, http://localhost:5173` });

  const preflight = (url: string, origin: string) =>
    fetch(url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });

  it.each(['/graphql', '/api/backup/start'])('a preflight to %s from an allowed origin is allowed, without credentials', async (route) => {
    const response = await preflight(`${server.url}${route}`, allowed);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it.each(['https://evil.example', 'null', 'https://dash.example.org.evil.example'])('any other origin (%s) gets no CORS headers', async (origin) => {
    const response = await preflight(server.graphqlUrl, origin);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    const post = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { ...bearer(), origin, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ jobs { id } }' }),
    });
    expect(post.status).toBe(200);
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers from an allowed origin carry it, on GraphQL and REST', async () => {
    const post = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { ...bearer(), origin: allowed, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ jobs { id } }' }),
    });
    expect(post.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(post.headers.get('vary')).toMatch(/Origin/);
    const jobs = await fetch(`${server.url}/api/backup/jobs`, { headers: { ...bearer(), origin: 'http://localhost:5173' } });
    expect(jobs.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(jobs.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
  });

  it('without BORGQL_CORS_ORIGINS no origin is allowed', async () => {
    const other = tempDir('cors-none');
    const plain = await startServer({ dataDir: path.join(other.dir, 'data') });
    try {
      const response = await preflight(plain.graphqlUrl, allowed);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    } finally {
      await plain.stop();
      other.cleanup();
    }
  });
});
