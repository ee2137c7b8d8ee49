import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { collectWs, gql, wsClient } from '../helpers/graphql.js';
import { startReceiver } from '../helpers/receiver.js';
import { tempDir } from '../helpers/server.js';

const DELIVERIES = 'query { webhooks { deliveries { status attempts responseStatus lastError } } }';
type Delivery = { status: string; attempts: number; responseStatus: number | null; lastError: string | null };

describe('webhook deliveries across a crash', () => {
  const tmp = tempDir('webhooks-restart');
  const dataDir = path.join(tmp.dir, 'data');
  const servers: ChildServer[] = [];
  // the retry 5 s after the first attempt: time enough to kill the server before it
  const spawn = async () => {
    const server = await spawnServer(dataDir, { BORGQL_WEBHOOK_RETRY_SCALE: '0.5', LOG_LEVEL: 'info' });
    servers.push(server);
    return server;
  };
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    tmp.cleanup();
  });

  it('a delivery pending at kill -9 is sent once after the restart, under the same webhook-id; no secret is logged', async () => {
    const source = path.join(tmp.dir, 'src');
    mkdirSync(source, { recursive: true });
    writeFileSync(path.join(source, 'a.txt'), 'a');
    const receiver = await startReceiver();
    receiver.answer('/hook', [500, 200]);
    const first = await spawn();
    await gql(first.graphqlUrl, 'mutation($input: AddRepositoryInput!) { addRepository(input: $input) { __typename } }', {
      input: { name: 'r', path: path.join(tmp.dir, 'repo'), sourcePaths: [source], encryption: 'none', initialize: true },
    });
    const { createWebhook } = await gql<{ createWebhook: { secret: string } }>(
      first.graphqlUrl,
      'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { ... on WebhookSuccess { secret } } }',
      { input: { name: 'crash', url: `${receiver.url}/hook?key=query-secret-value`, events: ['JOB_COMPLETED'] } },
    );
    const { startBackup } = await gql<{ startBackup: { job: { id: string } } }>(
      first.graphqlUrl,
      'mutation { startBackup(repository: "r") { ... on StartBackupSuccess { job { id } } } }',
    );
    const client = wsClient(first.wsUrl);
    await collectWs(client, 'subscription($id: ID!) { jobProgress(id: $id) { status } }', { id: startBackup.job.id });
    await client.dispose();

    const deliveries = async (server: ChildServer) =>
      (await gql<{ webhooks: { deliveries: Delivery[] }[] }>(server.graphqlUrl, DELIVERIES)).webhooks[0]!.deliveries;
    await expect.poll(async () => (await deliveries(first))[0]?.attempts, { timeout: 15_000 }).toBe(1);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(receiver.to('/hook')).toHaveLength(1);

    const second = await spawn();
    await expect.poll(async () => (await deliveries(second))[0]?.status, { timeout: 30_000 }).toBe('delivered');
    const requests = receiver.to('/hook');
    expect(requests).toHaveLength(2);
    expect(requests[1]!.headers['webhook-id']).toBe(requests[0]!.headers['webhook-id']);
    const verifier = new StandardWebhook(createWebhook.secret);
    for (const request of requests) expect(verifier.verify(request.body, request.headers as Record<string, string>)).toMatchObject({ type: 'job.completed' });
    expect((await deliveries(second))[0]).toMatchObject({ attempts: 2, responseStatus: 200, lastError: null });

    // what the server printed never holds the secret or the URL's query
    await second.stop();
    const output = servers.map((server) => server.output()).join('\n');
    expect(output).toContain('borgql listening on');
    expect(output).not.toContain(createWebhook.secret.slice('whsec_'.length));
    expect(output).not.toContain('query-secret-value');
    await receiver.close();
  }, 120_000);
});
