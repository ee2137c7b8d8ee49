// A token revoked on one node ends its sessions on every node: the
// tokenRevoked message reaches the other nodes' ApiTokenService, and a node
// that missed the message finds the revocation in the database within its
// session check.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ApiTokenService } from '../../src/auth/tokens.js';
import { standinJobs } from '../helpers/standin-jobs.js';
import { testBusHub } from '../helpers/test-bus.js';

describe('token revocation across nodes', () => {
  const domains = standinJobs('token-revocation');
  const closing: (() => unknown)[] = [];
  afterAll(async () => {
    for (const close of closing.reverse()) await close();
    domains.remove();
  });

  async function twoNodes(options: { busForB: boolean }) {
    const { prisma, close } = domains.create();
    closing.push(close);
    const hub = testBusHub();
    const warn = () => undefined;
    const a = new ApiTokenService(prisma, { warn, bus: hub.bus('node-a') });
    // with the bus, the database check waits an hour: only the message can end the session in this test
    const b = options.busForB
      ? new ApiTokenService(prisma, { warn, bus: hub.bus('node-b'), sessionCheckMs: 3_600_000 })
      : new ApiTokenService(prisma, { warn, sessionCheckMs: 50 });
    closing.push(
      () => a.stop(),
      () => b.stop(),
    );
    // the last admin token cannot be revoked: keep one besides the token under test
    await a.create('keeper', 'ADMIN');
    const { token, secret } = await a.create('watcher', 'VIEWER');
    const principal = await b.authenticate(secret);
    if (!principal) throw new Error('the new token did not authenticate on node B');
    return { a, b, token, principal, secret };
  }

  it('ends the sessions on the other node and refuses its next operation there', async () => {
    const { a, b, token, principal, secret } = await twoNodes({ busForB: true });
    const ended = vi.fn();
    b.holdSession(token.id, ended);
    expect(b.isActive(principal)).toBe(true);
    await a.revoke(token.id);
    await vi.waitFor(() => expect(ended).toHaveBeenCalledTimes(1));
    expect(b.isActive(principal)).toBe(false);
    expect(b.sessionCount(token.id)).toBe(0);
    expect(await b.authenticate(secret)).toBeNull();
    // a session B opens afterwards ends at once
    const late = vi.fn();
    b.holdSession(token.id, late);
    await vi.waitFor(() => expect(late).toHaveBeenCalledTimes(1));
  });

  it('ends them from the database when the message never came', async () => {
    const { a, b, token, principal } = await twoNodes({ busForB: false });
    const ended = vi.fn();
    b.holdSession(token.id, ended);
    await a.revoke(token.id);
    await vi.waitFor(() => expect(ended).toHaveBeenCalledTimes(1));
    expect(b.isActive(principal)).toBe(false);
  });
});
