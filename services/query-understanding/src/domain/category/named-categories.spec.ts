import { NAMED_CATEGORY_WEIGHT, weighNamedCategories } from './named-categories';

describe('weighNamedCategories', () => {
  it('returns the predictions as they are (at most topK) when the query names no category', () => {
    const predicted = [{ path: 'Beauty/Lipstick', probability: 0.9 }, { path: 'Beauty/Face Cream', probability: 0.07 }, { path: 'Beauty/Shampoo', probability: 0.03 }];
    expect(weighNamedCategories(predicted, [], 2)).toEqual(predicted.slice(0, 2));
  });

  it('lets the named category win over a model pulled elsewhere by a brand', () => {
    // "露澜面霜": the brand sells mostly lipsticks; "面霜" names face cream.
    const weighed = weighNamedCategories([{ path: 'Beauty/Lipstick', probability: 0.91 }, { path: 'Beauty/Face Cream', probability: 0.09 }], ['Beauty/Face Cream'], 3);
    const faceCream = (0.09 * NAMED_CATEGORY_WEIGHT) / (0.09 * NAMED_CATEGORY_WEIGHT + 0.91);
    expect(weighed).toEqual([{ path: 'Beauty/Face Cream', probability: expect.closeTo(faceCream, 12) }, { path: 'Beauty/Lipstick', probability: expect.closeTo(1 - faceCream, 12) }]);
  });

  it('weighs the predictions under a named category, or above a deeper one, alike', () => {
    const weighed = weighNamedCategories(
      [{ path: 'Tools/Tapes', probability: 0.9 }, { path: 'Safety/Signs', probability: 0.02 }, { path: 'Shoes/Running Shoes', probability: 0.04 }, { path: 'Shoes/Sneakers', probability: 0.04 }],
      ['Shoes', 'Safety/Signs/Barriers/Tape'],
      4,
    );
    // Shoes' two leaves (0.04 × 20 each) and the ancestor of the deep leaf (0.02 × 20); the model's confident choice still leads.
    expect(weighed.map((p) => p.path)).toEqual(['Tools/Tapes', 'Shoes/Running Shoes', 'Shoes/Sneakers', 'Safety/Signs']);
    expect(weighed.reduce((sum, p) => sum + p.probability, 0)).toBeCloseTo(1, 12);
  });

  it('adds no category the model did not predict', () => {
    expect(weighNamedCategories([{ path: 'Toys/Lego', probability: 1 }], ['Electronics/Computers/Mice'], 3)).toEqual([{ path: 'Toys/Lego', probability: 1 }]);
    expect(weighNamedCategories([], ['Electronics/Computers/Mice'], 3)).toEqual([]);
  });
});
