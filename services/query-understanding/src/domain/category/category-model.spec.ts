import { categoryLabels, centroidsOf, CategoryModel, fitTemperature, reliability, softmax, type CalibrationSample } from './category-model';

describe('categoryLabels', () => {
  it('cuts paths to the depth and folds small categories into their parents', () => {
    const paths = [
      ...Array.from({ length: 3 }, () => ['Shoes', 'Running Shoes', 'Trail']),
      ['Shoes', 'Boots'],
      ['Toys'],
      [],
    ];
    expect(categoryLabels(paths, { maxDepth: 2, minProducts: 3 })).toEqual(['Shoes/Running Shoes', 'Shoes/Running Shoes', 'Shoes/Running Shoes', 'Shoes', undefined, undefined]);
  });
});

describe('softmax', () => {
  it('is a distribution, sharper at lower temperatures', () => {
    const warm = softmax([0.9, 0.8, 0.1], 1);
    const cold = softmax([0.9, 0.8, 0.1], 0.01);
    expect(warm.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(cold[0]!).toBeGreaterThan(warm[0]!);
    expect(softmax([1000, 999], 0.001).every(Number.isFinite)).toBe(true);
  });
});

describe('CategoryModel', () => {
  const centroids = centroidsOf([
    { label: 'Shoes', vector: [1, 0, 0] },
    { label: 'Shoes', vector: [0.9, 0.1, 0] },
    { label: 'Audio', vector: [0, 1, 0] },
    { label: 'Toys', vector: [0, 0, 1] },
  ]);

  it('ranks categories by similarity with probabilities that sum to one', () => {
    const model = new CategoryModel(centroids, 0.1, 'm1');
    const predictions = model.predict([0.8, 0.2, 0], 3);
    expect(predictions.map((p) => p.path)).toEqual(['Shoes', 'Audio', 'Toys']);
    expect(predictions.reduce((sum, p) => sum + p.probability, 0)).toBeCloseTo(1, 10);
    expect(model.predict([0, 0, 5], 1)).toEqual([{ path: 'Toys', probability: expect.any(Number) }]);
  });
});

describe('fitTemperature', () => {
  /** Samples drawn from a softmax at a known temperature: the fit must find it again. */
  function samplesAt(temperature: number, n: number): CalibrationSample[] {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    return Array.from({ length: n }, () => {
      const similarities = Array.from({ length: 5 }, () => random() * 0.5 + 0.3);
      const p = softmax(similarities, temperature);
      let r = random();
      let trueIndex = 0;
      while (trueIndex < p.length - 1 && (r -= p[trueIndex]!) > 0) trueIndex++;
      return { similarities, trueIndex };
    });
  }

  it('recovers the temperature that generated the labels, and is better calibrated than a wrong one', () => {
    const samples = samplesAt(0.05, 4000);
    const fitted = fitTemperature(samples);
    expect(fitted.temperature).toBeGreaterThan(0.04);
    expect(fitted.temperature).toBeLessThan(0.06);
    expect(fitted.ece).toBeLessThan(reliability(samples, 0.005).ece);
    expect(fitted.ece).toBeLessThan(0.05);
  });
});
