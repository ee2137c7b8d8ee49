import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADD_REPOSITORY, JOB_EVENTS, JOB_STATUS_UPDATES } from '../helpers/documents.js';
import { gql, wsClient } from '../helpers/graphql.js';
import { useServer } from '../helpers/use-server.js';

describe('subscriptions release their listeners', () => {
  const { dir, server } = useServer('subscriptions');
  let jobId = 0;

  beforeAll(async () => {
    const source = path.join(dir, 'src');
    mkdirSync(source, { recursive: true });
    writeFileSync(path.join(source, 'a.txt'), 'a');
    await gql(server.graphqlUrl, ADD_REPOSITORY, {
      input: { name: 'r', path: path.join(dir, 'repo'), sourcePaths: [source], encryption: 'none', initialize: true },
    });
    // a job that stays PENDING and quiet: nothing will ever publish on its topics
    server.app.services.jobs.queue.pause();
    const { startBackup } = await gql<{ startBackup: { job: { id: string } } }>(
      server.graphqlUrl,
      'mutation { startBackup(repository: "r") { ... on StartBackupSuccess { job { id } } } }',
    );
    jobId = Number(startBackup.job.id);
  });

  it.each([
    ['jobProgress', 'job', JOB_STATUS_UPDATES],
    ['jobLogs', 'jobLog', 'subscription($id: ID!) { jobLogs(id: $id) { lineNumber } }'],
  ] as const)('%s of a quiet job: unsubscribing and disconnecting free the listener at once', async (_name, topic, query) => {
    const { pubsub } = server.app.services;
    const ignore = { next: () => undefined, error: () => undefined, complete: () => undefined };
    for (const end of ['unsubscribe', 'disconnect'] as const) {
      const client = wsClient(server.wsUrl);
      try {
        // a second operation keeps the socket open: graphql-ws closes a lazy client's socket with its last operation
        client.subscribe({ query: JOB_EVENTS }, ignore);
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
