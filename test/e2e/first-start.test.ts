import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { gqlRaw } from '../helpers/graphql.js';
import { bearer, tempDir } from '../helpers/server.js';

const TOKEN_LINE = /created an admin API token[^\n]*\n\n {4}(bq_[A-Za-z0-9_-]{43})\n/;

describe('the first admin token', () => {
  const tmp = tempDir('first-start');
  const dataDir = path.join(tmp.dir, 'data');
  const running: ChildServer[] = [];

  const spawn = async (adminToken: string) => {
    const server = await spawnServer(dataDir, { BORGQL_ADMIN_TOKEN: adminToken });
    running.push(server);
    return server;
  };
  const stop = async (server: ChildServer) => {
    server.child.kill('SIGTERM');
    expect(await server.exited, server.output()).toBe(0);
  };
  const canManage = async (server: ChildServer, token: string) => {
    const { status, body } = await gqlRaw(server.graphqlUrl, '{ apiTokens { name } }', {}, bearer(token));
    return status === 200 && !body.errors ? (body.data?.apiTokens as { name: string }[]).map((t) => t.name) : status;
  };

  afterAll(async () => {
    await Promise.all(running.map((server) => server.stop()));
    tmp.cleanup();
  }, 60_000);

  let generated = '';

  it('is created and printed once when none is configured, and works', async () => {
    const server = await spawn('');
    const match = TOKEN_LINE.exec(server.output());
    expect(match, server.output()).not.toBeNull();
    generated = match?.[1] as string;
    expect(server.output().split(generated)).toHaveLength(2); // printed exactly once
    expect(await canManage(server, generated)).toEqual(['initial admin']);
    await stop(server);
  });

  it('is not created or printed again at the next start', async () => {
    const server = await spawn('');
    expect(server.output()).not.toMatch(/admin API token/);
    expect(server.output()).not.toContain(generated);
    expect(await canManage(server, generated)).toEqual(['initial admin']);
    await stop(server);
  });

  it('BORGQL_ADMIN_TOKEN is an admin token while it is set; a new value revokes the old one', async () => {
    const first = 'first-configured-admin-token-123';
    const second = 'second-configured-admin-token-45';
    let server = await spawn(first);
    expect(await canManage(server, first)).toEqual(['initial admin', 'BORGQL_ADMIN_TOKEN']);
    await stop(server);
    server = await spawn(second);
    expect(await canManage(server, first)).toBe(401);
    expect(await canManage(server, second)).toEqual(['initial admin', 'BORGQL_ADMIN_TOKEN']);
    await stop(server);
    // unset: its row is revoked too; the generated admin remains, so nothing new is printed
    server = await spawn('');
    expect(await canManage(server, second)).toBe(401);
    expect(await canManage(server, generated)).toEqual(['initial admin']);
    expect(server.output()).not.toMatch(/admin API token/);
    for (const secret of [first, second, generated]) expect(server.output()).not.toContain(secret);
    await stop(server);
  });

  it('a BORGQL_ADMIN_TOKEN too short to be safe stops the start, without echoing it', async () => {
    await expect(spawn('short-secret')).rejects.toThrow(/BORGQL_ADMIN_TOKEN must be 16 to 256 printable characters/);
    await expect(spawn('short-secret')).rejects.not.toThrow(/short-secret/);
  });
});
