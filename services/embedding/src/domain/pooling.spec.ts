import { cosine, l2Normalize, poolRow } from './pooling';

describe('pooling', () => {
  // batch of 2 rows, sequence length 3, dimension 2
  const hidden = Float32Array.from([1, 2, 3, 4, 100, 100, /* row 1 */ 5, 6, 7, 8, 9, 10]);

  it('averages only the unmasked tokens (padding never changes a vector)', () => {
    expect(Array.from(poolRow(hidden, 0, 3, 2, [1, 1, 0], 'mean'))).toEqual([2, 3]);
    expect(Array.from(poolRow(hidden, 1, 3, 2, [1, 1, 1], 'mean'))).toEqual([7, 8]);
  });

  it('takes the first token for CLS pooling', () => {
    expect(Array.from(poolRow(hidden, 1, 3, 2, [1, 1, 1], 'cls'))).toEqual([5, 6]);
  });

  it('normalises to unit length and leaves a zero vector alone', () => {
    expect(Array.from(l2Normalize(Float32Array.from([3, 4])))).toEqual([0.6000000238418579, 0.800000011920929]);
    expect(Array.from(l2Normalize(new Float32Array(2)))).toEqual([0, 0]);
  });

  it('computes cosine similarity', () => {
    expect(cosine([1, 0], [1, 0])).toBeCloseTo(1);
    expect(cosine([1, 0], [0, 1])).toBeCloseTo(0);
    expect(cosine([1, 1], [-1, -1])).toBeCloseTo(-1);
  });
});
