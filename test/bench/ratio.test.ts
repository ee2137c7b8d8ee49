import { describe, expect, it } from 'vitest';
import { formatInterval, ratioInterval, ratioTarget, t975 } from '../../bench/lib/ratio.js';

describe('bench ratio interval (bench/lib/ratio.ts)', () => {
  it('uses Student t quantiles, converging to the normal one', () => {
    expect(t975(1)).toBe(12.706);
    expect(t975(9)).toBe(2.262);
    expect(t975(30)).toBe(2.042);
    // exact t(0.975, 60) = 2.000, t(0.975, 120) = 1.980
    expect(t975(60)).toBeCloseTo(2.0, 2);
    expect(t975(120)).toBeCloseTo(1.98, 2);
    expect(() => t975(0)).toThrow(RangeError);
  });

  it('gives the geometric mean and a t-interval on the log ratios', () => {
    const ratios = [1.0, 1.02, 0.98, 1.04, 1.01];
    const r = ratioInterval(ratios);
    const logs = ratios.map(Math.log);
    const mean = logs.reduce((a, b) => a + b) / logs.length;
    const sd = Math.sqrt(logs.reduce((a, x) => a + (x - mean) ** 2, 0) / (logs.length - 1));
    expect(r.estimate).toBeCloseTo(Math.exp(mean), 12);
    expect(r.high).toBeCloseTo(Math.exp(mean + (2.776 * sd) / Math.sqrt(5)), 12);
    expect(r.low).toBeCloseTo(Math.exp(mean - (2.776 * sd) / Math.sqrt(5)), 12);
    expect(r.low).toBeLessThan(r.estimate);
    expect(r.high).toBeGreaterThan(r.estimate);
  });

  it('judges a target on the upper bound, not on the estimate', () => {
    // estimate ≈ 1.01, below 1.03, but the spread leaves 1.03 inside the interval
    const noisy = ratioInterval([0.95, 1.08, 0.97, 1.06, 1.0]);
    expect(noisy.estimate).toBeLessThan(1.03);
    expect(ratioTarget('API ÷ raw', noisy, 1.03).met).toBe(false);
    const tight = ratioInterval([1.01, 1.012, 1.008, 1.011, 1.009]);
    expect(ratioTarget('API ÷ raw', tight, 1.03).met).toBe(true);
  });

  it('claims nothing from a single pair and refuses impossible ratios', () => {
    const one = ratioInterval([0.9]);
    expect(one.high).toBe(Infinity);
    expect(ratioTarget('x', one, 1.03).met).toBe(false);
    expect(formatInterval(one)).toContain('n/a');
    expect(() => ratioInterval([])).toThrow(RangeError);
    expect(() => ratioInterval([1, 0])).toThrow(RangeError);
    expect(() => ratioInterval([1, Number.NaN])).toThrow(RangeError);
  });
});
