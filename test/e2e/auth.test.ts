import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createClient } from 'graphql-ws';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DOWNLOAD_KEY_FILE, signDownloadToken } from '../../src/auth/download-tokens.js';
import { ADD_REPOSITORY, JOB_EVENTS, JOB_STATUS_UPDATES, startBackup } from '../helpers/documents.js';
import { collectSse, collectWs, gql, gqlRaw, wsClient } from '../helpers/graphql.js';
import { rest } from '../helpers/rest.js';
import { TEST_ADMIN_TOKEN, bearer } from '../helpers/server.js';
import { useServer } from '../helpers/use-server.js';
import { SQLITE_ONLY, onPostgres } from '../helpers/test-database.js';

type Caller = 'nobody' | 'invalid' | 'viewer' | 'operator' | 'admin';
const CALLERS: Caller[] = ['nobody', 'invalid', 'viewer', 'operator', 'admin'];

/** Which callers may do what: the role each operation needs (null: any valid token). */
const NEEDS = { read: 'viewer', operate: 'operator', manage: 'admin' } as const;
const RANK: Record<Caller, number> = { nobody: -1, invalid: -1, viewer: 0, operator: 1, admin: 2 };
const allowed = (caller: Caller, need: keyof typeof NEEDS) => RANK[caller] >= RANK[NEEDS[need]];

/** The close code a graphql-ws connection gets (0 when it is accepted). */
function wsOutcome(url: string, connectionParams: Record<string, unknown>): Promise<number> {
  return new Promise((resolve) => {
    const client = createClient({ url, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined });
    client.on('connected', () => {
      void client.dispose();
      resolve(0);
    });
    client.on('closed', (event) => resolve((event as { code: number }).code));
  });
}

describe('authentication and roles', () => {
  const { dir, server } = useServer('auth');
  const sources = path.join(dir, 'src');
  const repository = path.join(dir, 'repos', 'r');
  let jobId = '';
  const secrets: Record<Caller, string | null> = {
    nobody: null,
    invalid: 'bq_not-a-real-token-at-all-xxxxxxxxxxxxxx',
    viewer: '',
    operator: '',
    admin: TEST_ADMIN_TOKEN,
  };
  const headers = (caller: Caller): Record<string, string> => (secrets[caller] === null ? {} : bearer(secrets[caller]));
  const noAuth = { authorization: '' };
  const as = (caller: Caller) => (secrets[caller] === null ? noAuth : headers(caller));

  beforeAll(async () => {
    mkdirSync(sources, { recursive: true });
    writeFileSync(path.join(sources, 'file.txt'), 'hello');
    for (const role of ['viewer', 'operator'] as const) {
      const { createApiToken } = await gql<{ createApiToken: any }>(
        server.graphqlUrl,
        'mutation($name: String!, $role: Role!) { createApiToken(name: $name, role: $role) { __typename ... on CreateApiTokenSuccess { secret apiToken { id name role prefix } } } }',
        { name: `${role} script`, role: role.toUpperCase() },
      );
      expect(createApiToken.__typename).toBe('CreateApiTokenSuccess');
      expect(createApiToken.secret).toMatch(/^bq_[A-Za-z0-9_-]{43}$/);
      expect(createApiToken.apiToken).toMatchObject({ name: `${role} script`, role: role.toUpperCase(), prefix: createApiToken.secret.slice(0, 10) });
      secrets[role] = createApiToken.secret;
    }
    const input = { name: 'r', path: repository, sourcePaths: [sources], encryption: 'none', initialize: true };
    await gql(server.graphqlUrl, ADD_REPOSITORY, { input });
    jobId = await startBackup(server.graphqlUrl, repository);
    await collectSse(server.graphqlUrl, JOB_STATUS_UPDATES, { id: jobId });
  });

  describe.each(CALLERS)('as %s', (caller) => {
    const authenticated = caller !== 'nobody' && caller !== 'invalid';

    it('GraphQL over HTTP: queries need a token (401), mutations the role they name (FORBIDDEN)', async () => {
      const query = await gqlRaw(server.graphqlUrl, '{ jobs { id } }', {}, as(caller));
      if (!authenticated) {
        expect(query.status).toBe(401);
        expect(query.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(query.body.data).toBeUndefined();
        return;
      }
      expect(query.status).toBe(200);
      expect(query.body.data?.jobs).toEqual([{ id: jobId }]);

      const operations = [
        ['operate', 'mutation { startBackup(repository: "/no/such/repo") { __typename } }', 'NotFoundError'],
        ['operate', 'mutation { cancelBackup(id: "999999") { __typename } }', 'NotFoundError'],
        ['manage', 'mutation { addRepository(input: { name: "", path: "x", sourcePaths: [] }) { __typename } }', 'ValidationError'],
        ['manage', 'mutation { createApiToken(name: "", role: VIEWER) { __typename } }', 'ValidationError'],
        ['manage', 'mutation { revokeApiToken(id: "999999") { __typename } }', 'NotFoundError'],
        ['manage', '{ apiTokens { id } }', null],
        ['read', `mutation { logDownloadUrl(jobId: "${jobId}") }`, null],
        ['read', `{ job(id: "${jobId}") { status logs { totalLines } } repositories { path hasPassphrase } }`, null],
      ] as const;
      for (const [need, document, typename] of operations) {
        const { status, body } = await gqlRaw(server.graphqlUrl, document, {}, as(caller));
        expect(status, document).toBe(200);
        if (allowed(caller, need)) {
          expect(body.errors, document).toBeUndefined();
          if (typename) expect(Object.values(body.data ?? {})[0]).toEqual({ __typename: typename });
        } else {
          expect(body.errors?.[0]?.extensions?.code, document).toBe('FORBIDDEN');
          expect(body.errors?.[0]?.message).toMatch(new RegExp(`needs the ${NEEDS[need].toUpperCase()} role \\(this token is ${caller.toUpperCase()}\\)`));
        }
      }
    });

    it('GraphQL over SSE: subscriptions need a token', async () => {
      const watch = collectSse(server.graphqlUrl, JOB_STATUS_UPDATES, { id: jobId }, as(caller));
      if (authenticated) expect(await watch).toEqual([{ jobProgress: { status: 'COMPLETED' } }]);
      else await expect(watch).rejects.toThrow(/HTTP 401.*UNAUTHENTICATED/);
    });

    it('graphql-ws: connectionParams.authorization or close 4403', async () => {
      const params = secrets[caller] === null ? {} : { authorization: `Bearer ${secrets[caller]}` };
      expect(await wsOutcome(server.wsUrl, params)).toBe(authenticated ? 0 : 4403);
      if (!authenticated) return;
      const client = wsClient(server.wsUrl, params);
      try {
        expect(await collectWs(client, JOB_STATUS_UPDATES, { id: jobId })).toEqual([{ jobProgress: { status: 'COMPLETED' } }]);
        const cancel = collectWs(client, 'mutation { cancelBackup(id: "999999") { __typename } }');
        if (allowed(caller, 'operate')) expect(await cancel).toEqual([{ cancelBackup: { __typename: 'NotFoundError' } }]);
        else await expect(cancel).rejects.toThrow(/FORBIDDEN/);
      } finally {
        await client.dispose();
      }
    });

    it('REST: 401 without a valid token, 403 below the role, else the answer', async () => {
      const token = secrets[caller];
      const cases = [
        ['GET', '/api/backup/jobs', 'read', 200],
        ['GET', `/api/backup/status/${jobId}`, 'read', 200],
        ['GET', `/api/backup/logs/${jobId}/stream`, 'read', 200],
        ['POST', '/api/backup/start', 'operate', 404, { repository: '/no/such/repo' }],
        ['POST', '/api/backup/cancel/999999', 'operate', 404],
      ] as const;
      for (const [method, url, need, ok, body] of cases) {
        const answer = await rest(server.url, method, url, { token, body });
        const expected = !authenticated ? 401 : allowed(caller, need) ? ok : 403;
        expect(answer.status, `${method} ${url}`).toBe(expected);
        if (expected === 401) {
          expect(answer.body).toEqual({ detail: token === null ? expect.stringMatching(/authentication required/) : 'invalid or revoked token' });
          expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="borgql"');
        }
        if (expected === 403) expect(answer.body.detail).toMatch(/needs the OPERATOR role/);
      }
    });

    it('/metrics needs a token; /healthz, the GraphiQL page and the API docs do not', async () => {
      const metrics = await fetch(`${server.url}/metrics`, { headers: as(caller) });
      expect(metrics.status).toBe(authenticated ? 200 : 401);
      expect((await fetch(`${server.url}/healthz`, { headers: as(caller) })).status).toBe(200);
      expect((await fetch(`${server.url}/api/docs/json`, { headers: as(caller) })).status).toBe(200);
      const page = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent('{ apiTokens { name } }')}`, {
        headers: { accept: 'text/html', ...as(caller) },
      });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toMatch(/<title>borgql<\/title>/);
      expect(html).not.toMatch(/BORGQL_ADMIN_TOKEN/); // a page, not an execution
    });
  });

  it('a CORS preflight of /graphql needs no token (browsers send none)', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'OPTIONS',
      headers: { origin: 'http://dashboard.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(response.status).toBe(204);
    // an origin outside BORGQL_CORS_ORIGINS (unset here) is answered without CORS headers (hostile-http.test.ts)
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('the blanket rule holds below HTTP too: yoga executes nothing for a caller without a principal', async () => {
    const response = await server.app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...bearer() },
      body: JSON.stringify({ query: '{ apiTokens { name } }' }),
    });
    // the header alone authenticates nothing: the Fastify hook or graphql-ws must have vouched for the caller
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ errors: [{ message: 'authentication required', extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('GET /graphql with a query but no token executes nothing', async () => {
    const response = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent('{ apiTokens { name } }')}`, {
      headers: { accept: 'application/graphql-response+json' },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect(await response.json()).toEqual({ errors: [{ message: expect.stringMatching(/authentication required/), extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  // read from the SQLite file; the PostgreSQL twin is in postgres.test.ts
  it.skipIf(onPostgres)(`tokens are stored as SHA-256 hashes with a readable prefix; listings never show secrets (${SQLITE_ONLY})`, async () => {
    const db = new Database(path.join(server.dataDir, 'borgql.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT * FROM ApiToken').all() as Record<string, unknown>[];
      const dump = JSON.stringify(rows);
      for (const secret of [secrets.viewer, secrets.operator, TEST_ADMIN_TOKEN] as string[]) {
        expect(dump).not.toContain(secret);
        expect(rows.some((row) => row.tokenHash === createHash('sha256').update(secret).digest('hex'))).toBe(true);
      }
    } finally {
      db.close();
    }
    const { apiTokens } = await gql<{ apiTokens: any[] }>(server.graphqlUrl, '{ apiTokens { id name role prefix createdAt lastUsedAt revokedAt } }');
    expect(apiTokens.map((t) => [t.name, t.role])).toEqual([
      ['BORGQL_ADMIN_TOKEN', 'ADMIN'],
      ['viewer script', 'VIEWER'],
      ['operator script', 'OPERATOR'],
    ]);
    expect(JSON.stringify(apiTokens)).not.toContain((secrets.viewer as string).slice(10));
    const { __type } = await gql<{ __type: { fields: { name: string }[] } }>(server.graphqlUrl, '{ __type(name: "ApiToken") { fields { name } } }');
    expect(__type.fields.map((f) => f.name).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'role']);
  });

  it('lastUsedAt is recorded, at most once a minute', async () => {
    const { createApiToken } = await gql<{ createApiToken: any }>(
      server.graphqlUrl,
      'mutation { createApiToken(name: "fresh", role: VIEWER) { ... on CreateApiTokenSuccess { secret apiToken { id lastUsedAt } } } }',
    );
    expect(createApiToken.apiToken.lastUsedAt).toBeNull();
    const lastUsed = async () =>
      (await gql<{ apiTokens: any[] }>(server.graphqlUrl, '{ apiTokens { id lastUsedAt } }')).apiTokens.find((t) => t.id === createApiToken.apiToken.id)
        .lastUsedAt as string | null;
    await gqlRaw(server.graphqlUrl, '{ jobs { id } }', {}, bearer(createApiToken.secret));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const first = await lastUsed();
    expect(first).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await gqlRaw(server.graphqlUrl, '{ jobs { id } }', {}, bearer(createApiToken.secret));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await lastUsed()).toBe(first);
  });

  it('a revoked token stops working at once: new requests, and the WebSocket and SSE subscriptions it opened before', async () => {
    const { createApiToken } = await gql<{ createApiToken: any }>(
      server.graphqlUrl,
      'mutation { createApiToken(name: "short-lived", role: OPERATOR) { ... on CreateApiTokenSuccess { secret apiToken { id } } } }',
    );
    const secret = createApiToken.secret as string;
    const tokenId = Number(createApiToken.apiToken.id);
    const { tokens } = server.app.services;
    const client = wsClient(server.wsUrl, { authorization: `Bearer ${secret}` });
    // jobEvents never ends by itself: only the revocation can stop these two
    const wsEnded = new Promise<unknown>((resolve) =>
      client.subscribe({ query: JOB_EVENTS }, { next: () => undefined, error: resolve, complete: () => resolve('completed') }),
    );
    const sse = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...bearer(secret) },
      body: JSON.stringify({ query: JOB_EVENTS }),
    });
    expect(sse.status).toBe(200);
    let sseSettled = false;
    const sseEnded = sse.text().then(
      () => (sseSettled = true),
      () => (sseSettled = true),
    );
    try {
      expect(await collectWs(client, '{ jobs { id } }')).toEqual([{ jobs: [{ id: jobId }] }]);
      await expect.poll(() => tokens.sessionCount(tokenId)).toBe(2);
      expect(sseSettled).toBe(false);

      const revoke = 'mutation($id: ID!) { revokeApiToken(id: $id) { __typename ... on RevokeApiTokenSuccess { apiToken { revokedAt } } } }';
      const { revokeApiToken } = await gql<{ revokeApiToken: any }>(server.graphqlUrl, revoke, { id: createApiToken.apiToken.id });
      expect(revokeApiToken.apiToken.revokedAt).toEqual(expect.any(String));
      expect(await wsEnded).toMatchObject({ code: 4403, reason: 'Forbidden: token revoked' });
      const timeout = new Promise((resolve) => setTimeout(() => resolve('still open'), 5000).unref());
      expect(await Promise.race([sseEnded.then(() => 'ended'), timeout])).toBe('ended');
      expect(tokens.sessionCount(tokenId)).toBe(0);
      // revoking again answers the same
      expect((await gql<{ revokeApiToken: any }>(server.graphqlUrl, revoke, { id: createApiToken.apiToken.id })).revokeApiToken).toEqual(revokeApiToken);
      expect((await gqlRaw(server.graphqlUrl, '{ jobs { id } }', {}, bearer(secret))).status).toBe(401);
      expect((await rest(server.url, 'GET', '/api/backup/jobs', { token: secret })).status).toBe(401);
      await expect(collectSse(server.graphqlUrl, JOB_EVENTS, {}, bearer(secret))).rejects.toThrow(/HTTP 401/);
      expect(await wsOutcome(server.wsUrl, { authorization: `Bearer ${secret}` })).toBe(4403);
    } finally {
      await client.dispose();
    }
    const { apiTokens } = await gql<{ apiTokens: any[] }>(server.graphqlUrl, '{ apiTokens(includeRevoked: true) { name revokedAt } }');
    expect(apiTokens.find((t) => t.name === 'short-lived')?.revokedAt).toEqual(expect.any(String));
    expect((await gql<{ apiTokens: any[] }>(server.graphqlUrl, '{ apiTokens { name } }')).apiTokens.map((t) => t.name)).not.toContain('short-lived');
  });

  it('sessions a token holds are released when they end by themselves', async () => {
    const { tokens } = server.app.services;
    const principal = await tokens.authenticate(secrets.viewer);
    const held = () => tokens.sessionCount(principal!.tokenId);
    const before = held();
    // a finished job's progress: the SSE stream ends by itself
    await collectSse(server.graphqlUrl, JOB_STATUS_UPDATES, { id: jobId }, headers('viewer'));
    // streams that never end by themselves: held while open, released when the client leaves
    const aborter = new AbortController();
    const sse = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers('viewer') },
      body: JSON.stringify({ query: JOB_EVENTS }),
      signal: aborter.signal,
    });
    expect(sse.status).toBe(200);
    const client = wsClient(server.wsUrl, bearer(secrets.viewer as string));
    client.subscribe({ query: JOB_EVENTS }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    await expect.poll(held).toBe(before + 2);
    aborter.abort();
    await client.dispose();
    await expect.poll(held).toBe(before);
    expect(held()).toBe(before);
  });

  it('the last active admin token cannot be revoked; names are checked', async () => {
    const { apiTokens } = await gql<{ apiTokens: any[] }>(server.graphqlUrl, '{ apiTokens { id role } }');
    const admin = apiTokens.find((t) => t.role === 'ADMIN');
    const { revokeApiToken } = await gql<{ revokeApiToken: any }>(
      server.graphqlUrl,
      'mutation($id: ID!) { revokeApiToken(id: $id) { __typename ... on Error { message } } }',
      { id: admin.id },
    );
    expect(revokeApiToken).toEqual({ __typename: 'ValidationError', message: expect.stringMatching(/last active admin token/) });
    for (const name of ['', ' ', 'x'.repeat(101), 'BORGQL_ADMIN_TOKEN']) {
      const { createApiToken } = await gql<{ createApiToken: any }>(
        server.graphqlUrl,
        'mutation($name: String!) { createApiToken(name: $name, role: ADMIN) { __typename ... on ValidationError { field } } }',
        { name },
      );
      expect(createApiToken).toEqual({ __typename: 'ValidationError', field: 'name' });
    }
    const bad = await gqlRaw(server.graphqlUrl, 'mutation { createApiToken(name: "x", role: ROOT) { __typename } }');
    expect(bad.status).toBe(400);
  });

  describe('log download links', () => {
    const url = async (id: string) =>
      (await gql<{ logDownloadUrl: string }>(server.graphqlUrl, 'mutation($id: ID!) { logDownloadUrl(jobId: $id) }', { id })).logDownloadUrl;
    const key = () => readFileSync(path.join(server.dataDir, DOWNLOAD_KEY_FILE));
    const download = (id: string, token: string) => fetch(`${server.url}/api/backup/logs/${id}/download?token=${encodeURIComponent(token)}`);

    it('the signing key is private to the server (0600 in the data dir)', () => {
      expect(statSync(path.join(server.dataDir, DOWNLOAD_KEY_FILE)).mode & 0o777).toBe(0o600);
    });

    it('a link is valid for five minutes, for its job only', async () => {
      const link = new URL(await url(jobId));
      const token = link.searchParams.get('token') as string;
      const expiresAt = Number(token.split('.')[1]);
      expect(expiresAt - Date.now() / 1000).toBeGreaterThan(290);
      expect(expiresAt - Date.now() / 1000).toBeLessThanOrEqual(300);
      expect((await fetch(link)).status).toBe(200);
      // the same token on another job's log: refused, even for a job that exists
      const other = await startBackup(server.graphqlUrl, repository);
      await collectSse(server.graphqlUrl, JOB_STATUS_UPDATES, { id: other });
      const elsewhere = await download(other, token);
      expect(elsewhere.status).toBe(401);
      expect(await elsewhere.json()).toEqual({ detail: 'invalid download token for this job' });
      // and it is no API token
      expect((await gqlRaw(server.graphqlUrl, '{ jobs { id } }', {}, bearer(token))).status).toBe(401);
      expect((await rest(server.url, 'GET', `/api/backup/logs/${jobId}/stream`, { token })).status).toBe(401);
      // an API token is no download token
      expect((await download(jobId, TEST_ADMIN_TOKEN)).status).toBe(401);
      expect((await fetch(`${server.url}/api/backup/logs/${jobId}/download`, { headers: bearer() })).status).toBe(401);
    });

    it('tampered and expired tokens are refused with 401', async () => {
      const token = new URL(await url(jobId)).searchParams.get('token') as string;
      const [id, expiry, signature] = token.split('.') as [string, string, string];
      const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
      for (const forged of [
        `${id}.${expiry}.${flipped}`,
        `${id}.${Number(expiry) + 3600}.${signature}`, // a longer life, same signature
        `${other(id)}.${expiry}.${signature}`,
        `${id}.${expiry}`,
        'garbage',
        `${token}x`,
      ]) {
        const answer = await download(forged.split('.')[0] === id ? id : other(id), forged);
        expect(answer.status, forged).toBe(401);
      }
      // validly signed by the server's key, but expired a second ago
      const expired = signDownloadToken(key(), Number(jobId), Math.floor(Date.now() / 1000) - 1);
      const answer = await download(jobId, expired);
      expect(answer.status).toBe(401);
      expect(await answer.json()).toEqual({ detail: expect.stringMatching(/expired/) });
      // the same, a minute ahead: accepted (the key file really is the server's)
      expect((await download(jobId, signDownloadToken(key(), Number(jobId), Math.floor(Date.now() / 1000) + 60))).status).toBe(200);
    });

    it('an unknown job gets no link', async () => {
      const { status, body } = await gqlRaw(server.graphqlUrl, 'mutation { logDownloadUrl(jobId: "999999") }');
      expect(status).toBe(200);
      expect(body.errors?.[0]).toMatchObject({ message: 'job 999999 not found', extensions: { code: 'NOT_FOUND' } });
    });
  });
});

function other(id: string): string {
  return String(Number(id) + 1000);
}
