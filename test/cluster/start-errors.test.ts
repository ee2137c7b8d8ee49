// Starts of a node that cannot work (README "Running several nodes"): Redis
// or PostgreSQL unreachable, or a node name another live process holds. Each
// exits non-zero with one line, and never prints a password.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useCluster } from '../helpers/cluster.js';

/** A port nothing listens on: one the kernel handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The one line a failed start prints (anything else printed fails the check). */
function oneLine(output: string): string {
  const lines = output.trim().split('\n');
  expect(lines, output).toHaveLength(1);
  return lines[0] as string;
}

describe('node starts that must fail', () => {
  const cluster = useCluster('start-errors', { nodes: ['A'] });
  const a = cluster.node('A');

  it('Redis unreachable: exit non-zero, one line naming it, no password', async () => {
    const port = await closedPort();
    const { code, output } = await cluster.startToExit('R', { REDIS_URL: `redis://:redis-s3cret@127.0.0.1:${port}` });
    expect(code, output).not.toBe('listening');
    expect(code).not.toBe(0);
    const line = oneLine(output);
    expect(line).toMatch(/^borgql: /);
    expect(line).toMatch(/redis/i);
    expect(line).toContain(`127.0.0.1:${port}`);
    expect(output).not.toContain('redis-s3cret');
  }, 200_000);

  it('PostgreSQL unreachable: exit non-zero, one line naming it, no password', async () => {
    const port = await closedPort();
    const { code, output } = await cluster.startToExit('P', { DATABASE_URL: `postgresql://postgres:pg-s3cret@127.0.0.1:${port}/borgql` });
    expect(code, output).not.toBe('listening');
    expect(code).not.toBe(0);
    const line = oneLine(output);
    expect(line).toMatch(/^borgql: /);
    expect(line).toContain(`127.0.0.1:${port}`);
    expect(output).not.toContain('pg-s3cret');
  }, 200_000);

  it('a second process named like a live node refuses to start; the first keeps running', async () => {
    const { code, output } = await cluster.startToExit('A');
    expect(code, output).not.toBe('listening');
    expect(code).not.toBe(0);
    const line = oneLine(output);
    expect(line).toMatch(/^borgql: /);
    expect(line).toMatch(/\bA\b/);
    expect(a.running).toBe(true);
    const { nodes } = await a.gql<{ nodes: { name: string; alive: boolean }[] }>('{ nodes { name alive } }');
    expect(nodes.filter((node) => node.name === 'A')).toEqual([{ name: 'A', alive: true }]);
  }, 200_000);
});
