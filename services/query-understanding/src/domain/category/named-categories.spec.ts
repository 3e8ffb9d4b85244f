import { NAMED_CATEGORY_WEIGHT, weighNamedCategories } from './named-categories';

describe('weighNamedCategories', () => {
  it('returns the predictions as they are (at most topK) when the query names no category, or none the model predicted', () => {
    // The 20 best of a softmax over every category: they need not add up to 1, and stay as they are.
    const predicted = [{ path: 'Beauty/Lipstick', probability: 0.6 }, { path: 'Beauty/Face Cream', probability: 0.07 }, { path: 'Beauty/Shampoo', probability: 0.03 }];
    expect(weighNamedCategories(predicted, [], 2)).toEqual(predicted.slice(0, 2));
    expect(weighNamedCategories(predicted, ['Toys/Lego'], 3)).toEqual(predicted);
    expect(weighNamedCategories([], ['Electronics/Computers/Mice'], 3)).toEqual([]);
  });

  it('lets the named category win over a model pulled elsewhere by a brand, by Bayes\' rule', () => {
    // "露澜面霜": the brand sells mostly lipsticks; "面霜" names face cream. 0.05 of the mass lies outside the predictions given.
    const weighed = weighNamedCategories([{ path: 'Beauty/Lipstick', probability: 0.86 }, { path: 'Beauty/Face Cream', probability: 0.09 }], ['Beauty/Face Cream'], 3);
    const total = 1 + (NAMED_CATEGORY_WEIGHT - 1) * 0.09;
    expect(weighed).toEqual([
      { path: 'Beauty/Face Cream', probability: expect.closeTo((0.09 * NAMED_CATEGORY_WEIGHT) / total, 12) },
      { path: 'Beauty/Lipstick', probability: expect.closeTo(0.86 / total, 12) },
    ]);
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
});
