import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { LruMap } from '../lru-map.js';

/** How many failed authentications a client address may make, and how much the server remembers. */
export interface FailureLimits {
  /** failed attempts allowed per window; the attempts after them are refused unchecked */
  maxFailures: number;
  /** the window, from an address's first failure in it */
  windowMs: number;
  /** addresses remembered at most (the least recently seen are forgotten first) */
  maxAddresses: number;
}

export const DEFAULT_FAILURE_LIMITS: FailureLimits = { maxFailures: 30, windowMs: 60_000, maxAddresses: 20_000 };

/** Tokens an address is remembered to have authenticated with (the most recent ones). */
const TRUSTED_PER_ADDRESS = 4;

interface AddressRecord {
  /** when the current window's first failure happened */
  windowStart: number;
  /** failures in the window, attempts in flight included (a burst of parallel guesses counts at once) */
  failures: number;
  /** fingerprints of tokens that authenticated from this address */
  trusted: number[];
}

/** The outcome of a guarded authentication: the lookup's result, or a refusal with the seconds to wait. */
export type Guarded<T> = { limited: false; principal: T | null } | { limited: true; retryAfterSeconds: number };

/**
 * The unit of limiting: an IPv4 address, or the /64 of an IPv6 address
 * (one host usually holds a whole /64, so single IPv6 addresses cost an
 * attacker nothing).
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1] as string;
  const bare = address.split('%')[0] as string;
  if (!isIPv6(bare)) return bare;
  const [head = '', tail] = bare.toLowerCase().split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** 48 bits of the secret's SHA-256: enough to recognise a token, useless as one. */
function fingerprint(secret: string): number {
  return createHash('sha256').update(secret, 'utf8').digest().readUIntBE(0, 6);
}

/**
 * Rate limiting of failed bearer-token authentications per client address.
 * Past `maxFailures` failures within `windowMs`, a token from that address
 * is refused without being looked up (no database work, no guess checked)
 * until the window ends, unless it is a token that has authenticated from
 * that address before: a script keeps working while someone on its address
 * floods wrong tokens, and the flood gets no more guesses. Successes never
 * reset the count, so valid requests cannot buy an attacker more tries.
 * Memory is bounded by `maxAddresses` records of about 240 bytes each
 * (20,000 by default: ~5 MB).
 */
export class AuthFailureLimiter {
  readonly #records: LruMap<string, AddressRecord>;

  constructor(
    readonly limits: FailureLimits = DEFAULT_FAILURE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.#records = new LruMap(limits.maxAddresses);
  }

  /** Addresses remembered now. */
  get trackedAddresses(): number {
    return this.#records.size;
  }

  /**
   * Runs `authenticate(secret)` for a client address unless the address is
   * limited for this secret, and books the outcome (a thrown error counts as
   * neither success nor failure).
   */
  async guard<T>(address: string | undefined, secret: string, authenticate: (secret: string) => Promise<T | null>): Promise<Guarded<T>> {
    const key = clientKey(address);
    const now = this.now();
    const print = fingerprint(secret);
    let record = this.#records.get(key);
    if (!record) {
      record = { windowStart: now, failures: 0, trusted: [] };
      this.#records.set(key, record);
    }
    if (record.failures > 0 && now - record.windowStart >= this.limits.windowMs) record.failures = 0;
    if (record.failures >= this.limits.maxFailures && !record.trusted.includes(print)) {
      return { limited: true, retryAfterSeconds: Math.max(1, Math.ceil((record.windowStart + this.limits.windowMs - now) / 1000)) };
    }
    // a window starts with its first failure (an attempt counts as one until it succeeds)
    if (record.failures === 0) record.windowStart = now;
    record.failures++;
    const attempt = { record, windowStart: record.windowStart };
    // a success takes its count back, unless that window ended meanwhile (the count is no longer its)
    const settle = (principal: T | null) => {
      if (attempt.record.windowStart === attempt.windowStart && attempt.record.failures > 0) attempt.record.failures--;
      if (principal !== null) {
        attempt.record.trusted = [print, ...attempt.record.trusted.filter((known) => known !== print)].slice(0, TRUSTED_PER_ADDRESS);
      }
    };
    let principal: T | null;
    try {
      principal = await authenticate(secret);
    } catch (error) {
      settle(null);
      throw error;
    }
    if (principal !== null) settle(principal);
    return { limited: false, principal };
  }
}
