import { serverAudits } from 'graphql-http';
import { describe, expect, it } from 'vitest';
import { bearer } from '../helpers/server.js';
import { useServer } from '../helpers/use-server.js';

/** fetch as the test admin: the audits check the protocol, not authentication. */
const authenticatedFetch: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('authorization', bearer().authorization);
  return fetch(input, { ...init, headers });
};

describe('GraphQL over HTTP (graphql-http server audits)', () => {
  const { server } = useServer('compliance');
  const audits = serverAudits({ url: () => server.graphqlUrl, fetchFn: authenticatedFetch });

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
