import { cosine } from '@shopsense/user-state';
import { blendInterest, decayedWeight } from './interest-vectors';

const axis = (i: number, n = 4) => Float32Array.from({ length: n }, (_, k) => (k === i ? 1 : 0));

describe('interest vectors', () => {
  it('starts from the first item and averages by event weight', () => {
    const first = blendInterest(null, axis(0), 2, 0, { halfLifeSeconds: 100, maxWeight: 100 });
    expect(Array.from(first.values)).toEqual([1, 0, 0, 0]);
    const second = blendInterest(first, axis(1), 2, 0, { halfLifeSeconds: 100, maxWeight: 100 });
    expect(Array.from(second.values)).toEqual([0.5, 0.5, 0, 0]);
    expect(second.weight).toBe(4);
  });

  it('halves the weight of the past every half-life', () => {
    expect(decayedWeight(8, 100, 100)).toBeCloseTo(4, 10);
    expect(decayedWeight(8, -5, 100)).toBe(8);
    const old = { values: axis(0), weight: 4 };
    const blended = blendInterest(old, axis(1), 4, 100, { halfLifeSeconds: 100, maxWeight: 1000 });
    expect(blended.values[1]! / blended.values[0]!).toBeCloseTo(2, 5);
  });

  it('caps the weight of the past, so a new event always moves the vector', () => {
    const heavy = { values: axis(0), weight: 1e6 };
    const blended = blendInterest(heavy, axis(1), 2, 0, { halfLifeSeconds: 1e9, maxWeight: 8 });
    expect(blended.values[1]).toBeCloseTo(2 / 10, 5);
  });

  it('turns towards a category clicked repeatedly', () => {
    let v = blendInterest(null, axis(0), 1, 0, { halfLifeSeconds: 600, maxWeight: 8 });
    for (let i = 0; i < 10; i++) v = blendInterest(v, axis(2), 2, 30, { halfLifeSeconds: 600, maxWeight: 8 });
    expect(cosine(v.values, axis(2))).toBeGreaterThan(0.95);
  });

  it('restarts when the dimension changes', () => {
    const blended = blendInterest({ values: axis(0, 3), weight: 5 }, axis(1), 1, 0, { halfLifeSeconds: 1, maxWeight: 10 });
    expect(Array.from(blended.values)).toEqual([0, 1, 0, 0]);
  });
});
