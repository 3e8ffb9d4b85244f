import fc from 'fast-check';
import { criticalValue, erf, erfc, normalCdf, normalQuantile, twoProportionZTest, wilsonInterval } from './statistics';

describe('normal distribution', () => {
  it('matches reference values of erf, erfc and Φ', () => {
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 6);
    expect(erf(0)).toBeCloseTo(0, 7);
    expect(erfc(3) / 2.209049699858544e-5).toBeCloseTo(1, 6); // relative accuracy in the tail
    expect(erfc(-1)).toBeCloseTo(1.8427007929497148, 6);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 7);
    expect(normalCdf(-3) / 0.0013498980316301).toBeCloseTo(1, 6);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
  });

  it('inverts Φ', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 6);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(criticalValue(0.95)).toBeCloseTo(1.959964, 5);
    expect(criticalValue(0.99)).toBeCloseTo(2.575829, 5);
    fc.assert(fc.property(fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }), (p) => Math.abs(normalCdf(normalQuantile(p)) - p) < 3e-7 * Math.min(p, 1 - p) + 1e-12));
    expect(() => normalQuantile(0)).toThrow(RangeError);
    expect(() => criticalValue(1)).toThrow(RangeError);
  });
});

describe('wilsonInterval', () => {
  it('matches the textbook interval', () => {
    const ci = wilsonInterval(10, 100);
    expect(ci.lower).toBeCloseTo(0.0552, 4);
    expect(ci.upper).toBeCloseTo(0.1744, 4);
    expect(ci.level).toBe(0.95);
  });

  it('stays inside [0, 1] at the edges and says [0, 1] without data', () => {
    expect(wilsonInterval(0, 50).lower).toBe(0);
    expect(wilsonInterval(0, 50).upper).toBeGreaterThan(0);
    expect(wilsonInterval(50, 50).upper).toBe(1);
    expect(wilsonInterval(0, 0)).toEqual({ lower: 0, upper: 1, level: 0.95 });
  });

  it('contains the observed rate and narrows with more data or less confidence', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, rate) => {
        const k = Math.round(rate * n);
        const ci = wilsonInterval(k, n);
        return ci.lower <= k / n + 1e-12 && k / n <= ci.upper + 1e-12 && ci.lower >= 0 && ci.upper <= 1;
      }),
    );
    const width = (ci: { lower: number; upper: number }) => ci.upper - ci.lower;
    expect(width(wilsonInterval(100, 1000))).toBeLessThan(width(wilsonInterval(10, 100)));
    expect(width(wilsonInterval(10, 100, 0.9))).toBeLessThan(width(wilsonInterval(10, 100, 0.99)));
  });

  it('covers the true rate about 95% of the time', () => {
    // Exact coverage over the binomial distribution, p = 0.1, n = 200.
    const n = 200;
    const p = 0.1;
    let coverage = 0;
    let logPmf = n * Math.log(1 - p);
    for (let k = 0; k <= n; k++) {
      if (k > 0) logPmf += Math.log((n - k + 1) / k) + Math.log(p / (1 - p));
      const ci = wilsonInterval(k, n);
      if (ci.lower <= p && p <= ci.upper) coverage += Math.exp(logPmf);
    }
    expect(coverage).toBeGreaterThan(0.93);
    expect(coverage).toBeLessThan(0.97);
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(5, 3)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 3)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 3)).toThrow(RangeError);
  });
});

describe('twoProportionZTest', () => {
  it('matches a hand computation', () => {
    // Pooled 0.115, se = sqrt(0.115 × 0.885 × 2 / 1000) = 0.014267, z = 0.03 / se = 2.1027.
    const test = twoProportionZTest(100, 1000, 130, 1000);
    expect(test.difference).toBeCloseTo(0.03, 12);
    expect(test.z).toBeCloseTo(2.1027, 3);
    expect(test.pValue).toBeCloseTo(0.0355, 3);
    expect(test.differenceCi.lower).toBeGreaterThan(0);
    expect(test.differenceCi.upper).toBeCloseTo(0.03 + 1.959964 * Math.sqrt((0.1 * 0.9 + 0.13 * 0.87) / 1000), 6);
  });

  it('is antisymmetric in the two sides', () => {
    const a = twoProportionZTest(100, 1000, 130, 1000);
    const b = twoProportionZTest(130, 1000, 100, 1000);
    expect(b.z).toBeCloseTo(-a.z, 12);
    expect(b.pValue).toBeCloseTo(a.pValue, 12);
  });

  it('says nothing (z 0, p 1) without variance or without data', () => {
    expect(twoProportionZTest(0, 100, 0, 100)).toMatchObject({ z: 0, pValue: 1 });
    expect(twoProportionZTest(100, 100, 100, 100)).toMatchObject({ z: 0, pValue: 1 });
    expect(twoProportionZTest(0, 0, 5, 10)).toMatchObject({ z: 0, pValue: 1 });
  });
});
