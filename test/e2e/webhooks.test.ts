import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectWs, gql, gqlRaw, wsClient } from '../helpers/graphql.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { JOB_KEYS, rest } from '../helpers/rest.js';
import { startServer, tempDir, type TestServer } from '../helpers/server.js';

const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
  __typename ... on WebhookSuccess { secret webhook { id enabled } } ... on ValidationError { message field } } }`;
const DELIVERIES = `query { webhooks { id name enabled deliveries(limit: 50) { id event jobId status attempts responseStatus lastError deliveredAt nextAttemptAt } } }`;
const START = `mutation($r: String!, $key: String) { startBackup(repository: $r, idempotencyKey: $key) {
  __typename ... on StartBackupSuccess { message job { id } } ... on Error { message } } }`;
const WATCH = 'subscription($id: ID!) { jobProgress(id: $id) { status } }';

type Delivery = { id: string; event: string; jobId: string | null; status: string; attempts: number; responseStatus: number | null; lastError: string | null };
type WebhookState = { id: string; name: string; enabled: boolean; deliveries: Delivery[] };

describe('webhooks, the event log and idempotent starts', () => {
  const tmp = tempDir('webhooks');
  const source = path.join(tmp.dir, 'src');
  let server: TestServer;
  let receiver: Receiver;
  const secrets: string[] = [];

  const webhook = async (name: string) =>
    (await gql<{ webhooks: WebhookState[] }>(server.graphqlUrl, DELIVERIES)).webhooks.find((hook) => hook.name === name) as WebhookState;
  const create = async (input: Record<string, unknown>) => {
    const { createWebhook } = await gql<{ createWebhook: { __typename: string; secret: string; webhook: { id: string } } }>(server.graphqlUrl, CREATE, {
      input,
    });
    if (createWebhook.__typename === 'WebhookSuccess') secrets.push(createWebhook.secret);
    return createWebhook;
  };
  const addRepository = (name: string, extra: Record<string, unknown> = {}) =>
    gql<{ addRepository: { repository: { id: string } } }>(
      server.graphqlUrl,
      'mutation($input: AddRepositoryInput!) { addRepository(input: $input) { __typename ... on AddRepositorySuccess { repository { id } } } }',
      { input: { name, path: path.join(tmp.dir, 'repos', name), sourcePaths: [source], encryption: 'none', initialize: true, ...extra } },
    );
  /** Starts a backup and waits for its end; resolves with its id and final status. */
  const backup = async (repository: string) => {
    const { startBackup } = await gql<{ startBackup: { job: { id: string } } }>(server.graphqlUrl, START, { r: repository });
    const client = wsClient(server.wsUrl);
    const states = await collectWs<{ jobProgress: { status: string } }>(client, WATCH, { id: startBackup.job.id });
    await client.dispose();
    return { id: startBackup.job.id, status: states.at(-1)?.jobProgress.status };
  };

  beforeAll(async () => {
    mkdirSync(source, { recursive: true });
    writeFileSync(path.join(source, 'a.txt'), 'hello');
    receiver = await startReceiver();
    server = await startServer({ dataDir: path.join(tmp.dir, 'data'), env: { BORGQL_WEBHOOK_RETRY_SCALE: '0.01' } });
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    tmp.cleanup();
  });

  it('refuses bad webhooks with a ValidationError, and non-admins', async () => {
    const base = { name: 'bad', events: ['JOB_FAILED'] };
    for (const [url, message] of [
      ['ftp://example.org/hook', /http or https/],
      ['not-a-url', /absolute http/],
      ['http://exa mple.org/', /spaces/],
      ['file:///etc/passwd', /http or https/],
      ['http://user:pw@example.org/', /user name or password/],
    ] as const) {
      const result = await create({ ...base, url });
      expect(result, url).toMatchObject({ __typename: 'ValidationError', field: 'url' });
      expect((result as unknown as { message: string }).message).toMatch(message);
    }
    expect(await create({ ...base, url: `${receiver.url}/x`, events: [] })).toMatchObject({ __typename: 'ValidationError', field: 'events' });
    expect(await create({ ...base, url: `${receiver.url}/x`, secret: 'whsec_short' })).toMatchObject({ __typename: 'ValidationError', field: 'secret' });
    expect(await create({ ...base, url: `${receiver.url}/x`, repositoryIds: ['999'] })).toMatchObject({
      __typename: 'ValidationError',
      field: 'repositoryIds',
    });
    const unknownEvent = await gqlRaw(server.graphqlUrl, CREATE, { input: { ...base, url: `${receiver.url}/x`, events: ['JOB_EXPLODED'] } });
    expect(unknownEvent.body.errors?.[0]?.message).toMatch(/JOB_EXPLODED/);

    const { createApiToken } = await gql<{ createApiToken: { secret: string } }>(
      server.graphqlUrl,
      'mutation { createApiToken(name: "op", role: OPERATOR) { ... on CreateApiTokenSuccess { secret } } }',
    );
    const denied = await gqlRaw(
      server.graphqlUrl,
      CREATE,
      { input: { ...base, url: `${receiver.url}/x` } },
      { authorization: `Bearer ${createApiToken.secret}` },
    );
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const list = await gqlRaw(server.graphqlUrl, 'query { webhooks { id } }', {}, { authorization: `Bearer ${createApiToken.secret}` });
    expect(list.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await webhook('bad')) ?? null).toBeNull();
  });

  it('sends every format for a backup: signed STANDARD, Slack, Discord, ntfy, healthchecks pings', async () => {
    const { addRepository: added } = await addRepository('formats');
    const events = ['JOB_STARTED', 'JOB_COMPLETED', 'JOB_FAILED'];
    const repositoryIds = [added.repository.id];
    const standard = await create({ name: 'standard', url: `${receiver.url}/standard?token=abc`, events, repositoryIds });
    expect(standard.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    await create({ name: 'slack', url: `${receiver.url}/slack`, format: 'SLACK', events, repositoryIds });
    await create({ name: 'discord', url: `${receiver.url}/discord`, format: 'DISCORD', events, repositoryIds });
    await create({ name: 'ntfy', url: `${receiver.url}/ntfy`, format: 'NTFY', events, repositoryIds });
    await create({ name: 'healthchecks', url: `${receiver.url}/hc/check-1`, format: 'HEALTHCHECKS', events, repositoryIds });

    const job = await backup('formats');
    expect(job.status).toBe('COMPLETED');
    await expect.poll(() => receiver.to('/standard').length, { timeout: 15_000 }).toBe(2);

    const verifier = new StandardWebhook(standard.secret);
    const bodies = receiver.to('/standard').map(
      (request) =>
        verifier.verify(request.body, request.headers as Record<string, string>) as {
          type: string;
          timestamp: string;
          data: { job: Record<string, unknown> };
        },
    );
    expect(bodies.map((body) => body.type)).toEqual(['job.started', 'job.completed']);
    const completed = bodies[1]!;
    expect(Object.keys(completed.data.job).sort()).toEqual(JOB_KEYS);
    expect(completed.data.job).toMatchObject({ id: Number(job.id), status: 'completed', progress: 100 });
    expect(new Date(completed.timestamp).toISOString()).toBe(completed.timestamp);
    const [first] = receiver.to('/standard');
    expect(first!.headers['webhook-id']).toMatch(/^msg_\d+$/);
    expect(first!.url).toBe('/standard?token=abc');
    // a signature made with another secret does not verify
    expect(() =>
      new StandardWebhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(first!.body, first!.headers as Record<string, string>),
    ).toThrow();

    await expect.poll(() => receiver.to('/hc/check-1/start').length + receiver.to('/hc/check-1').length, { timeout: 15_000 }).toBe(2);
    await expect.poll(() => receiver.to('/ntfy').length, { timeout: 15_000 }).toBe(2);
    const slack = receiver.to('/slack').map((request) => JSON.parse(request.body) as Record<string, unknown>);
    expect(slack.map((body) => Object.keys(body))).toEqual([['text'], ['text']]);
    expect(slack[1]!.text).toMatch(new RegExp(`backup job ${job.id} of .*formats completed`));
    const discord = receiver.to('/discord').map((request) => JSON.parse(request.body) as Record<string, unknown>);
    expect(discord.map((body) => Object.keys(body))).toEqual([['content'], ['content']]);
    const ntfy = receiver.to('/ntfy');
    expect(ntfy[1]!.headers).toMatchObject({ title: 'borgql job completed', priority: '3', tags: 'white_check_mark' });
    expect(ntfy[1]!.headers['content-type']).toMatch(/^text\/plain/);
    expect(ntfy[1]!.body).toMatch(/completed/);

    // a failed backup: job.failed, and healthchecks' /fail
    rmSync(path.join(tmp.dir, 'repos', 'formats'), { recursive: true, force: true });
    const failed = await backup('formats');
    expect(failed.status).toBe('FAILED');
    await expect.poll(() => receiver.to('/standard').length, { timeout: 15_000 }).toBe(4);
    const failure = verifier.verify(receiver.to('/standard')[3]!.body, receiver.to('/standard')[3]!.headers as Record<string, string>) as {
      type: string;
      data: { job: { status: string; error_message: string } };
    };
    expect(failure).toMatchObject({ type: 'job.failed', data: { job: { status: 'failed' } } });
    expect(failure.data.job.error_message).toBeTruthy();
    await expect.poll(() => receiver.to('/hc/check-1/fail').length, { timeout: 15_000 }).toBe(1);
    expect((await webhook('standard')).deliveries.map((delivery) => [delivery.event, delivery.status])).toEqual([
      ['JOB_FAILED', 'delivered'],
      ['JOB_STARTED', 'delivered'],
      ['JOB_COMPLETED', 'delivered'],
      ['JOB_STARTED', 'delivered'],
    ]);
  });

  it('retries a failing receiver under the same webhook-id; 410 disables; a redirect is not followed', async () => {
    const { addRepository: added } = await addRepository('retries');
    const only = { events: ['JOB_COMPLETED'], repositoryIds: [added.repository.id] };
    receiver.answer('/flaky', [500, 500, 200]);
    receiver.answer('/gone', [410]);
    receiver.answer('/redirect', [302], { location: `${receiver.url}/elsewhere` });
    await create({ name: 'flaky', url: `${receiver.url}/flaky`, ...only });
    await create({ name: 'gone', url: `${receiver.url}/gone`, ...only });
    await create({ name: 'redirect', url: `${receiver.url}/redirect`, ...only });
    expect((await backup('retries')).status).toBe('COMPLETED');

    await expect.poll(async () => (await webhook('flaky')).deliveries[0]?.status, { timeout: 20_000 }).toBe('delivered');
    const flaky = receiver.to('/flaky');
    expect(flaky).toHaveLength(3);
    expect(new Set(flaky.map((request) => request.headers['webhook-id'])).size).toBe(1);
    expect((await webhook('flaky')).deliveries[0]).toMatchObject({ attempts: 3, responseStatus: 200, lastError: null });

    await expect.poll(async () => (await webhook('gone')).enabled, { timeout: 20_000 }).toBe(false);
    expect((await webhook('gone')).deliveries[0]).toMatchObject({ status: 'failed', responseStatus: 410, attempts: 1 });

    await expect.poll(async () => (await webhook('redirect')).deliveries[0]?.attempts, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    const redirect = (await webhook('redirect')).deliveries[0]!;
    expect(redirect).toMatchObject({ status: 'pending', responseStatus: 302 });
    expect(redirect.lastError).toMatch(/HTTP 302.*not followed/);
    expect(receiver.to('/elsewhere')).toHaveLength(0);

    // redeliver: sent again under the same id
    const gone = await webhook('gone');
    receiver.answer('/gone', [200]);
    await gql(server.graphqlUrl, 'mutation($id: ID!, $input: UpdateWebhookInput!) { updateWebhook(id: $id, input: $input) { __typename } }', {
      id: gone.id,
      input: { enabled: true },
    });
    const { redeliver } = await gql<{ redeliver: { __typename: string } }>(
      server.graphqlUrl,
      'mutation($id: ID!) { redeliver(deliveryId: $id) { __typename } }',
      {
        id: gone.deliveries[0]!.id,
      },
    );
    expect(redeliver.__typename).toBe('WebhookSuccess');
    await expect.poll(async () => (await webhook('gone')).deliveries[0]?.status, { timeout: 20_000 }).toBe('delivered');
    expect(new Set(receiver.to('/gone').map((request) => request.headers['webhook-id'])).size).toBe(1);
    const missing = await gql<{ redeliver: { __typename: string } }>(server.graphqlUrl, 'mutation { redeliver(deliveryId: "99999") { __typename } }');
    expect(missing.redeliver.__typename).toBe('NotFoundError');
  });

  it('testWebhook sends a webhook.test; a failing receiver is a ValidationError saying why', async () => {
    const ok = await create({ name: 'tested', url: `${receiver.url}/tested`, events: ['JOB_FAILED'] });
    const TEST = 'mutation($id: ID!) { testWebhook(id: $id) { __typename ... on ValidationError { message } } }';
    expect((await gql<{ testWebhook: { __typename: string } }>(server.graphqlUrl, TEST, { id: ok.webhook.id })).testWebhook.__typename).toBe('WebhookSuccess');
    const [request] = receiver.to('/tested');
    expect(new StandardWebhook(ok.secret).verify(request!.body, request!.headers as Record<string, string>)).toMatchObject({ type: 'webhook.test' });
    receiver.answer('/tested', [503]);
    const failed = await gql<{ testWebhook: { __typename: string; message: string } }>(server.graphqlUrl, TEST, { id: ok.webhook.id });
    expect(failed.testWebhook).toEqual({ __typename: 'ValidationError', message: 'the test delivery failed: HTTP 503' });
  });

  it('raises REPOSITORY_STALE once per stale period', async () => {
    const { addRepository: added } = await addRepository('stale');
    const UPDATE = `mutation($id: ID!, $input: UpdateRepositoryInput!) { updateRepository(id: $id, input: $input) {
      __typename ... on ValidationError { field } ... on AddRepositorySuccess { repository { staleAfter } } } }`;
    for (const bad of ['1.5h', '26 h', '0h', 'h', '3x', '1h2m']) {
      const { updateRepository } = await gql(server.graphqlUrl, UPDATE, { id: added.repository.id, input: { staleAfter: bad } });
      expect(updateRepository, bad).toEqual({ __typename: 'ValidationError', field: 'staleAfter' });
    }
    await create({ name: 'stale', url: `${receiver.url}/stale`, events: ['REPOSITORY_STALE'], repositoryIds: [added.repository.id] });
    const { updateRepository } = await gql(server.graphqlUrl, UPDATE, { id: added.repository.id, input: { staleAfter: '1s' } });
    expect(updateRepository).toEqual({ __typename: 'AddRepositorySuccess', repository: { staleAfter: '1s' } });

    // the check's clock, a little ahead: the repository is stale then
    const later = new Date(Date.now() + 1500);
    expect(await server.app.services.staleCheck.check(later)).toHaveLength(1);
    expect(await server.app.services.staleCheck.check(new Date(later.getTime() + 60_000))).toHaveLength(0);
    await expect.poll(() => receiver.to('/stale').length, { timeout: 15_000 }).toBe(1);
    const body = JSON.parse(receiver.to('/stale')[0]!.body) as { type: string; data: { repository: { name: string; staleAfter: string } } };
    expect(body).toMatchObject({ type: 'repository.stale', data: { repository: { name: 'stale', staleAfter: '1s' } } });

    // a successful backup after that raise starts a new period
    while (Date.now() <= later.getTime()) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await backup('stale')).status).toBe('COMPLETED');
    expect(await server.app.services.staleCheck.check(new Date(Date.now() + 5000))).toHaveLength(1);
  });

  it('events: replays the log after a cursor, then follows it live', async () => {
    const EVENTS = 'subscription($after: String) { events(after: $after) { cursor type occurredAt job { id status } repository { name } } }';
    type Event = { cursor: string; type: string; job: { id: string } | null; repository: { name: string } };
    const all: Event[] = [];
    const client = wsClient(server.wsUrl);
    let stop!: () => void;
    const done = new Promise<void>((resolve) => (stop = resolve));
    const unsubscribe = client.subscribe<{ events: Event }>(
      { query: EVENTS },
      { next: (result) => void all.push(result.data!.events), error: () => stop(), complete: () => stop() },
    );
    // every event in the log, not merely "enough": the replay resolves each event's job and repository, one
    // database read each (on PostgreSQL a round trip), so a snapshot taken part way would count later ones as live
    const replayed = await server.app.services.prisma.event.count();
    expect(replayed).toBeGreaterThanOrEqual(8);
    await expect.poll(() => all.length, { timeout: 15_000 }).toBe(replayed);
    const cursors = all.map((event) => Number(event.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
    expect(new Set(cursors).size).toBe(cursors.length);

    // live: a new backup's events follow
    const { id } = await backup('retries');
    await expect
      .poll(() => all.filter((event) => event.job?.id === id).map((event) => event.type), { timeout: 15_000 })
      .toEqual(['JOB_STARTED', 'JOB_COMPLETED']);
    unsubscribe();
    await client.dispose();
    void done;
    expect(all.length).toBe(replayed + 2);

    // resuming after a cursor gives exactly what came after it
    const middle = all[3]!.cursor;
    const resumed: Event[] = [];
    const second = wsClient(server.wsUrl);
    const stopSecond = second.subscribe<{ events: Event }>(
      { query: EVENTS, variables: { after: middle } },
      {
        next: (result) => void resumed.push(result.data!.events),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    await expect.poll(() => resumed.length, { timeout: 15_000 }).toBe(all.length - 4);
    expect(resumed.map((event) => event.cursor)).toEqual(all.slice(4).map((event) => event.cursor));
    stopSecond();
    await second.dispose();

    const bad = await collectWs(wsClient(server.wsUrl), EVENTS, { after: 'x' }).catch((error: Error) => error.message);
    expect(bad).toMatch(/after must be the cursor of an event/);
  });

  it('idempotent starts: the same key answers the same job over GraphQL and REST', async () => {
    await addRepository('idempotent');
    const start = async (key?: string) =>
      (await gql<{ startBackup: { message: string; job: { id: string } } }>(server.graphqlUrl, START, { r: 'idempotent', key })).startBackup;
    const first = await start('nightly-2026-12-02');
    const again = await start('nightly-2026-12-02');
    expect(again.job.id).toBe(first.job.id);
    expect(again.message).toMatch(/already started/);
    expect((await start('another')).job.id).not.toBe(first.job.id);
    expect((await start()).job.id).not.toBe(first.job.id);
    const other = await gql<{ startBackup: { __typename: string } }>(server.graphqlUrl, START, { r: 'retries', key: 'nightly-2026-12-02' });
    expect(other.startBackup.__typename).toBe('ValidationError');

    const post = (key: string) =>
      fetch(`${server.url}/api/backup/start`, {
        method: 'POST',
        headers: { authorization: `Bearer bq_test-admin-token-0123456789abcdef`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ repository: 'idempotent' }),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as { job_id: number; detail?: string } }));
    const one = await post('rest-key');
    const two = await post('rest-key');
    expect(one.status).toBe(200);
    expect(two.body.job_id).toBe(one.body.job_id);
    const tooLong = await post('k'.repeat(300));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.detail).toMatch(/idempotencyKey/);
    const plain = await rest(server.url, 'POST', '/api/backup/start', { body: { repository: 'idempotent' } });
    expect(plain.body.job_id).not.toBe(one.body.job_id);

    // a day later the sweep removed the keys: the same key starts another job
    expect(await server.app.services.idempotentStarts.sweep(new Date(Date.now() + 25 * 3_600_000))).toBeGreaterThanOrEqual(3);
    expect((await start('nightly-2026-12-02')).job.id).not.toBe(first.job.id);
  });

  it('never hands a webhook secret out again', async () => {
    const SECRETLESS = 'query { webhooks { id name url format events enabled repositories { id } deliveries { lastError } } }';
    const answer = JSON.stringify(await gql(server.graphqlUrl, SECRETLESS));
    for (const secret of secrets) expect(answer).not.toContain(secret.slice('whsec_'.length));
    const update = await gql(
      server.graphqlUrl,
      'mutation { updateWebhook(id: "99999", input: { name: "renamed" }) { __typename ... on WebhookSuccess { secret } } }',
    );
    expect(update).toEqual({ updateWebhook: { __typename: 'NotFoundError' } });
    const first = (await gql<{ webhooks: { id: string }[] }>(server.graphqlUrl, 'query { webhooks { id } }')).webhooks[0]!;
    const renamed = await gql(
      server.graphqlUrl,
      'mutation($id: ID!) { updateWebhook(id: $id, input: { name: "renamed" }) { ... on WebhookSuccess { secret } } }',
      { id: first.id },
    );
    expect(renamed).toEqual({ updateWebhook: { secret: null } });
    const stored = await server.app.services.prisma.webhook.findMany({ select: { secret: true } });
    for (const { secret } of stored) expect(secret).toMatch(/^borgql-secret:v1:/);
  });
});
