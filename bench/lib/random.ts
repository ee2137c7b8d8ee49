import { createHash } from 'node:crypto';

/**
 * A deterministic PRNG (mulberry32), uniform in [0, 1): generated data sets,
 * sampled ids and bootstrap resamples are the same for the same seed. A
 * string seed is hashed (SHA-256) into the 32-bit state.
 */
export function prng(seed: number | string): () => number {
  let a = typeof seed === 'string' ? createHash('sha256').update(seed).digest().readUInt32LE(0) : seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
