import { describe, expect, it } from 'vitest';
import { AuthFailureLimiter, clientKey, type FailureLimits } from '../../../src/server/auth/failure-limiter.js';

const LIMITS: FailureLimits = { maxFailures: 3, windowMs: 60_000, maxAddresses: 1000 };
const VALID = 'bq_the-valid-one';

/** A limiter on a clock the test moves, and a lookup that knows one secret and counts its calls. */
function setup(limits = LIMITS) {
  let now = 1_000_000;
  const limiter = new AuthFailureLimiter(limits, () => now);
  const lookups: string[] = [];
  const lookup = async (secret: string) => {
    lookups.push(secret);
    return secret === VALID ? { id: 1 } : null;
  };
  return { limiter, lookups, lookup, advance: (ms: number) => (now += ms) };
}

describe('AuthFailureLimiter', () => {
  it('after maxFailures failures in the window, refuses without looking up, until the window ends', async () => {
    const { limiter, lookups, lookup, advance } = setup();
    for (let i = 0; i < 3; i++) expect(await limiter.guard('10.0.0.1', `bad${i}`, lookup)).toEqual({ limited: false, principal: null });
    advance(15_000);
    expect(await limiter.guard('10.0.0.1', 'bad3', lookup)).toEqual({ limited: true, retryAfterSeconds: 45 });
    expect(lookups).toEqual(['bad0', 'bad1', 'bad2']);
    // another address is not affected
    expect(await limiter.guard('10.0.0.2', 'bad', lookup)).toEqual({ limited: false, principal: null });
    advance(45_000);
    expect(await limiter.guard('10.0.0.1', 'bad4', lookup)).toEqual({ limited: false, principal: null });
  });

  it('a token that authenticated from the address before keeps working while it is limited; a new one, even valid, is not checked', async () => {
    const { limiter, lookups, lookup } = setup();
    expect(await limiter.guard('10.0.0.1', VALID, lookup)).toEqual({ limited: false, principal: { id: 1 } });
    for (let i = 0; i < 3; i++) await limiter.guard('10.0.0.1', `bad${i}`, lookup);
    expect(await limiter.guard('10.0.0.1', VALID, lookup)).toEqual({ limited: false, principal: { id: 1 } });
    // successes do not buy more guesses
    expect((await limiter.guard('10.0.0.1', 'bad3', lookup)).limited).toBe(true);
    const fresh = setup();
    for (let i = 0; i < 3; i++) await fresh.limiter.guard('10.0.0.1', `bad${i}`, fresh.lookup);
    expect((await fresh.limiter.guard('10.0.0.1', VALID, fresh.lookup)).limited).toBe(true);
    expect(fresh.lookups).not.toContain(VALID);
    expect(lookups.filter((secret) => secret === VALID)).toHaveLength(2);
  });

  it('parallel guesses count while in flight: a burst gets maxFailures lookups, no more', async () => {
    const { limiter } = setup();
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const slowLookup = async () => {
      calls++;
      await gate;
      return null;
    };
    const burst = Array.from({ length: 100 }, (_, i) => limiter.guard('10.0.0.1', `bad${i}`, slowLookup));
    release();
    const outcomes = await Promise.all(burst);
    expect(calls).toBe(3);
    expect(outcomes.filter((outcome) => outcome.limited)).toHaveLength(97);
  });

  it('a lookup that throws counts as neither success nor failure', async () => {
    const { limiter, lookup } = setup();
    const broken = async () => {
      throw new Error('database unavailable');
    };
    for (let i = 0; i < 10; i++) await expect(limiter.guard('10.0.0.1', 'any', broken)).rejects.toThrow(/unavailable/);
    expect((await limiter.guard('10.0.0.1', 'bad', lookup)).limited).toBe(false);
  });

  it('remembers at most maxAddresses addresses, however many fail', async () => {
    const { limiter, lookup } = setup({ ...LIMITS, maxAddresses: 500 });
    for (let i = 0; i < 100_000; i++) {
      await limiter.guard(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 'bad', lookup);
      if (i % 10_000 === 0) expect(limiter.trackedAddresses).toBeLessThanOrEqual(500);
    }
    expect(limiter.trackedAddresses).toBe(500);
  });

  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:db8:0:0:ffff:1:2:3', '2001:db8:0:0::/64'],
    ['2001:db8:0:1::1', '2001:db8:0:1::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    [undefined, 'unknown'],
  ])('limits %s as %s (IPv6 by its /64: one host holds a whole /64)', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});
