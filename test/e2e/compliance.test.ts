import path from 'node:path';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startServer, tempDir, type TestServer } from '../helpers/server.js';

/** fetch as the test admin: the audits check the protocol, not authentication. */
const authenticatedFetch: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('authorization', bearer().authorization);
  return fetch(input, { ...init, headers });
};

describe('GraphQL over HTTP (graphql-http server audits)', () => {
  const tmp = tempDir('compliance');
  let server: TestServer | undefined;
  let url = '';

  beforeAll(async () => {
    server = await startServer({ dataDir: path.join(tmp.dir, 'data') });
    url = server.graphqlUrl;
  });

  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  const audits = serverAudits({ url: () => url, fetchFn: authenticatedFetch });

  it('runs the whole suite', () => {
    expect(audits.length).toBeGreaterThan(50);
  });

  // every audit, each its own test; MUSTs must pass, SHOULDs and MAYs too (none fails today)
  it.each(audits.map((audit) => [audit.name, audit] as const))('%s', async (_name, audit) => {
    const result = await audit.fn();
    if (result.status !== 'ok') {
      const body = await result.response.text().catch(() => '');
      expect.fail(`${result.status}: ${result.reason}\n${result.response.status} ${body}`);
    }
  });
});
