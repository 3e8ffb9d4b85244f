import fc from 'fast-check';
import { clamp, cosine, dot, norm } from './vectors';

describe('vectors', () => {
  it('computes dot products and norms', () => {
    expect(dot([1, 2, 3], Float32Array.from([4, 5, 6]))).toBe(32);
    expect(norm([3, 4])).toBe(5);
  });

  it('gives 1 for parallel, -1 for opposite and 0 for orthogonal vectors', () => {
    expect(cosine([1, 2], [2, 4])).toBeCloseTo(1, 12);
    expect(cosine([1, 2], [-1, -2])).toBeCloseTo(-1, 12);
    expect(cosine([1, 0], [0, 3])).toBe(0);
  });

  it('says 0 (no evidence) for missing, empty, zero or mismatched vectors instead of NaN', () => {
    expect(cosine(undefined, [1])).toBe(0);
    expect(cosine([], [])).toBe(0);
    expect(cosine([0, 0], [1, 1])).toBe(0);
    expect(cosine([1, 2], [1, 2, 3])).toBe(0);
  });

  it('always lies in [-1, 1]', () => {
    const vector = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 3, maxLength: 3 });
    fc.assert(
      fc.property(vector, vector, (a, b) => {
        const c = cosine(a, b);
        return c >= -1 && c <= 1 && !Number.isNaN(c);
      }),
    );
  });

  it('clamps', () => {
    expect(clamp(5, 0, 1)).toBe(1);
    expect(clamp(-5, 0, 1)).toBe(0);
    expect(clamp(0.5, 0, 1)).toBe(0.5);
  });
});
