import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { gql, gqlRaw } from '../helpers/graphql.js';
import { rest } from '../helpers/rest.js';
import { bearer } from '../helpers/server.js';
import { useChildServer } from '../helpers/use-server.js';
import { SQLITE_ONLY, onPostgres } from '../helpers/test-database.js';

/**
 * Prisma quotes what a failed call was given (its arguments, the
 * database's own message with values) in its messages and `meta`. The
 * server's log names such an error by class and code only. The failures
 * here are real: triggers in the test's database make SQLite refuse a
 * write with a message that quotes the value written, as any database
 * error about a value may.
 */
// writes are broken with SQLite triggers in the database file
describe.skipIf(onPostgres)(`Prisma errors are logged by class and code, never with what they quote (${SQLITE_ONLY})`, () => {
  const { dataDir, server } = useChildServer('prisma-log', { LOG_LEVEL: 'trace' });
  // a secret-like value a client sends: it must reach no log line
  const secretName = `sk-${randomBytes(12).toString('hex')}`;
  const secretTokenName = `sk-${randomBytes(12).toString('hex')}`;
  let database: Database.Database;

  beforeAll(() => {
    database = new Database(path.join(dataDir, 'borgql.db'));
  });

  afterAll(() => {
    database?.close();
  });

  // json_extract with a bad path fails with "bad JSON path: '<the value>'": a database error quoting data
  const refuse = (name: string, event: string) =>
    database.exec(`CREATE TRIGGER ${name} BEFORE ${event} ON ApiToken BEGIN SELECT json_extract('{}', NEW.name); END;`);

  it('a resolver whose write fails: the client gets a masked error, the log the class and code', async () => {
    refuse('refuse_insert', 'INSERT');
    try {
      const { body } = await gqlRaw(server.graphqlUrl, 'mutation($name: String!) { createApiToken(name: $name, role: VIEWER) { __typename } }', {
        name: secretName,
      });
      expect(body.errors?.[0]?.message).toBe('Unexpected error.');
      // the REST shims run through the same GraphQL path; this one reads, so it succeeds meanwhile
      expect((await rest(server.url, 'GET', '/api/backup/jobs')).status).toBe(200);
    } finally {
      database.exec('DROP TRIGGER refuse_insert');
    }
    await expect.poll(() => server.output()).toMatch(/PrismaClientKnownRequestError P2039 \(message withheld/);
    expect(server.output()).not.toContain(secretName);
    expect(JSON.stringify(await gqlRaw(server.graphqlUrl, '{ apiTokens { name } }'))).not.toContain(secretName);
  });

  it('a background write that fails (a token’s lastUsedAt): the warning names the class and code', async () => {
    const created = await gql<{ createApiToken: { secret: string } }>(
      server.graphqlUrl,
      'mutation($name: String!) { createApiToken(name: $name, role: VIEWER) { ... on CreateApiTokenSuccess { secret } } }',
      { name: secretTokenName },
    );
    refuse('refuse_update', 'UPDATE');
    try {
      // its first use records lastUsedAt, which the trigger refuses with the token's name in the message
      expect((await rest(server.url, 'GET', '/api/backup/jobs', { token: created.createApiToken.secret })).status).toBe(200);
      await expect.poll(() => server.output()).toMatch(/could not record the use of API token/);
    } finally {
      database.exec('DROP TRIGGER refuse_update');
    }
    const warning =
      server
        .output()
        .split('\n')
        .find((line) => line.includes('could not record the use of API token')) ?? '';
    expect(warning).toMatch(/PrismaClientKnownRequestError/);
    expect(warning).toMatch(/P2039/);
    expect(server.output()).not.toContain(secretTokenName);
  });

  it('a token lookup that fails: HTTP answers 500, graphql-ws closes 4500, neither with Prisma’s message', async () => {
    database.exec('ALTER TABLE ApiToken RENAME TO ApiTokenAway');
    try {
      const answer = await rest(server.url, 'GET', '/api/backup/jobs');
      expect(answer).toMatchObject({ status: 500, body: { detail: 'internal server error' } });
      const closed = await new Promise<{ code: number; reason: string }>((resolve, reject) => {
        const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
        socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: bearer() })));
        socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
        socket.on('error', reject);
      });
      expect(closed).toEqual({ code: 4500, reason: 'Internal server error' });
    } finally {
      database.exec('ALTER TABLE ApiTokenAway RENAME TO ApiToken');
    }
    await expect.poll(() => server.output()).toMatch(/authentication failed: PrismaClientKnownRequestError P2021 \(message withheld/);
    expect(server.output()).toMatch(/"type":"PrismaClientKnownRequestError","code":"P2021","message":"PrismaClientKnownRequestError P2021 \(message withheld/);
    expect(server.output()).not.toMatch(/Invalid `prisma\.apiToken/);
    expect((await rest(server.url, 'GET', '/api/backup/jobs')).status).toBe(200);
  });
});
