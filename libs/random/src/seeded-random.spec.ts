import { seededRandom } from './seeded-random';

describe('seededRandom', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
  });

  it('draws uniforms in [0, 1) with the right mean, and normals with mean 0 and variance 1', () => {
    const rng = seededRandom(1);
    const n = 50_000;
    let sum = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      sum += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / n).toBeCloseTo(0.5, 2);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s1 += z;
      s2 += z * z;
    }
    expect(s1 / n).toBeCloseTo(0, 1);
    expect(s2 / n).toBeCloseTo(1, 1);
  });

  it('draws integers in range and Bernoulli trials at their rate', () => {
    const rng = seededRandom(5);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(rng.int(7));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    let hits = 0;
    for (let i = 0; i < 20_000; i++) if (rng.bernoulli(0.1)) hits++;
    expect(hits / 20_000).toBeCloseTo(0.1, 2);
  });

  it('draws binomial counts with mean n·p and variance n·p·(1 − p)', () => {
    const rng = seededRandom(9);
    const draws = Array.from({ length: 4000 }, () => rng.binomial(200, 0.1));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / draws.length;
    expect(mean).toBeGreaterThan(19.7);
    expect(mean).toBeLessThan(20.3);
    expect(variance).toBeGreaterThan(16.2);
    expect(variance).toBeLessThan(19.8);
    expect(draws.every((x) => Number.isInteger(x) && x >= 0 && x <= 200)).toBe(true);
    expect(rng.binomial(10, 0)).toBe(0);
    expect(rng.binomial(10, 1)).toBe(10);
  });
});
