import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, wsClient } from '../helpers/graphql.js';
import { startServer, tempDir, type TestServer } from '../helpers/server.js';

describe('subscriptions release their listeners', () => {
  const tmp = tempDir('subscriptions');
  let server: TestServer;
  let jobId = 0;

  beforeAll(async () => {
    const source = path.join(tmp.dir, 'src');
    mkdirSync(source, { recursive: true });
    writeFileSync(path.join(source, 'a.txt'), 'a');
    server = await startServer({ dataDir: path.join(tmp.dir, 'data') });
    await gql(server.graphqlUrl, 'mutation($input: AddRepositoryInput!) { addRepository(input: $input) { __typename } }', {
      input: { name: 'r', path: path.join(tmp.dir, 'repo'), sourcePaths: [source], encryption: 'none', initialize: true },
    });
    // a job that stays PENDING and quiet: nothing will ever publish on its topics
    server.app.services.jobs.queue.pause();
    const { startBackup } = await gql<{ startBackup: { job: { id: string } } }>(
      server.graphqlUrl,
      'mutation { startBackup(repository: "r") { ... on StartBackupSuccess { job { id } } } }',
    );
    jobId = Number(startBackup.job.id);
  });
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  it.each([
    ['jobProgress', 'job', 'subscription($id: ID!) { jobProgress(id: $id) { status } }'],
    ['jobLogs', 'jobLog', 'subscription($id: ID!) { jobLogs(id: $id) { lineNumber } }'],
  ] as const)('%s of a quiet job: unsubscribing and disconnecting free the listener at once', async (_name, topic, query) => {
    const { pubsub } = server.app.services;
    const ignore = { next: () => undefined, error: () => undefined, complete: () => undefined };
    for (const end of ['unsubscribe', 'disconnect'] as const) {
      const client = wsClient(server.wsUrl);
      try {
        // a second operation keeps the socket open: graphql-ws closes a lazy client's socket with its last operation
        client.subscribe({ query: 'subscription { jobEvents { id } }' }, ignore);
        let received = 0;
        const unsubscribe = client.subscribe({ query, variables: { id: String(jobId) } }, { ...ignore, next: () => received++ });
        await expect.poll(() => received).toBeGreaterThan(0);
        expect(pubsub.listenerCount(topic, jobId)).toBe(1);
        if (end === 'unsubscribe') unsubscribe();
        else await client.dispose();
        await expect.poll(() => pubsub.listenerCount(topic, jobId), { message: end }).toBe(0);
      } finally {
        await client.dispose();
      }
    }
  });
});
