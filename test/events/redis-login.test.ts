// Start-up refusals of a reachable Redis, each one line without the
// password: a wrong password, and a user not allowed to subscribe. The users
// are made for this run (Redis ACL) and removed after it.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { StartupError } from '../../src/db/startup-error.js';
import { RedisBus } from '../../src/events/redis-bus.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/cluster-events.js';

const admin = new Redis(TEST_REDIS_URL);
const user = `borgql-test-${randomBytes(4).toString('hex')}`;
const password = `pw-${randomBytes(8).toString('hex')}`;
afterAll(async () => {
  await admin.call('ACL', 'DELUSER', user);
  admin.disconnect();
});

async function startError(url: string): Promise<StartupError> {
  const bus = new RedisBus({ url, prefix: uniquePrefix(), nodeName: 'node-a', warn: () => undefined });
  const error = await bus.connect().then(
    () => null,
    (e: unknown) => e,
  );
  await bus.close();
  expect(error).toBeInstanceOf(StartupError);
  return error as StartupError;
}

describe('Redis refusing a node at start-up', () => {
  it('a wrong password: one line naming the target, never the password', async () => {
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, 'allcommands', 'allkeys', 'allchannels');
    const target = new URL(TEST_REDIS_URL);
    const error = await startError(`redis://${user}:wrong-${password}@${target.host}`);
    expect(error.message).toMatch(/^Redis at [^ ]+ refused the login \(WRONGPASS[^)]*\): check the user and password in REDIS_URL$/);
    expect(error.message).not.toContain(password);
  });

  it('a user without the pub/sub permission', async () => {
    await admin.call('ACL', 'SETUSER', user, 'reset', 'on', `>${password}`, '+@all', '-subscribe', 'allkeys', 'allchannels');
    const target = new URL(TEST_REDIS_URL);
    const error = await startError(`redis://${user}:${password}@${target.host}`);
    expect(error.message).toMatch(
      /^Redis at [^ ]+ refused the subscription to borgql-test-[0-9a-f]+:topics \(NOPERM[^)]*\): check the user's permissions in REDIS_URL$/,
    );
    expect(error.message).not.toContain(password);
  });
});
