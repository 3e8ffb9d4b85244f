import fc from 'fast-check';
import { expectedCalibrationError, logLoss, reliabilityTable, type LabelledPrediction } from './calibration';
import { seededRandom } from '@shopsense/random';

const repeat = (probability: number, positives: number, total: number): LabelledPrediction[] => Array.from({ length: total }, (_, i) => ({ probability, label: i < positives }));

describe('calibration', () => {
  it('bins predictions into equal-width bins with mean prediction and observed rate', () => {
    const table = reliabilityTable([...repeat(0.05, 1, 10), ...repeat(0.95, 9, 10), { probability: 1, label: true }], 10);
    expect(table).toHaveLength(10);
    expect(table[0]).toEqual({ lower: 0, upper: 0.1, count: 10, meanPredicted: expect.closeTo(0.05, 12), observedRate: 0.1 });
    // 1.0 falls into the last bin, not an eleventh one.
    expect(table[9]!.count).toBe(11);
    expect(table[9]!.observedRate).toBeCloseTo(10 / 11);
    expect(table[5]).toEqual({ lower: 0.5, upper: 0.6, count: 0, meanPredicted: 0, observedRate: 0 });
  });

  it('computes ECE as the count-weighted gap between predicted and observed rates', () => {
    // Bin 0: predicted 0.1, observed 0.3 (gap 0.2, 10 of 20); bin 7: predicted 0.7, observed 0.7.
    const predictions = [...repeat(0.1, 3, 10), ...repeat(0.7, 7, 10)];
    expect(expectedCalibrationError(predictions)).toBeCloseTo(0.1, 12);
    expect(expectedCalibrationError([])).toBe(0);
  });

  it('finds a calibrated predictor calibrated and an overconfident one not', () => {
    const rng = seededRandom(8);
    const calibrated: LabelledPrediction[] = [];
    const overconfident: LabelledPrediction[] = [];
    for (let i = 0; i < 50_000; i++) {
      const p = rng.next();
      const label = rng.next() < p;
      calibrated.push({ probability: p, label });
      overconfident.push({ probability: p > 0.5 ? Math.min(1, p + 0.3) : Math.max(0, p - 0.3), label });
    }
    expect(expectedCalibrationError(calibrated)).toBeLessThan(0.01);
    expect(expectedCalibrationError(overconfident)).toBeGreaterThan(0.1);
  });

  it('lies in [0, 1] for any predictions', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ probability: fc.double({ min: 0, max: 1, noNaN: true }), label: fc.boolean() })), fc.integer({ min: 1, max: 30 }), (predictions, bins) => {
        const ece = expectedCalibrationError(predictions, bins);
        return ece >= 0 && ece <= 1;
      }),
    );
  });

  it('computes log loss, clipping certainty so a confident miss is large but finite', () => {
    expect(logLoss([{ probability: 0.5, label: true }])).toBeCloseTo(Math.LN2);
    expect(logLoss([{ probability: 0.9, label: false }, { probability: 0.9, label: true }])).toBeCloseTo((-Math.log(0.1) - Math.log(0.9)) / 2);
    const miss = logLoss([{ probability: 0, label: true }]);
    expect(Number.isFinite(miss)).toBe(true);
    expect(miss).toBeGreaterThan(30);
    expect(logLoss([])).toBe(0);
  });

  it('rejects probabilities outside [0, 1] and bad bin counts', () => {
    expect(() => logLoss([{ probability: 1.2, label: true }])).toThrow(RangeError);
    expect(() => expectedCalibrationError([{ probability: Number.NaN, label: true }])).toThrow(RangeError);
    expect(() => reliabilityTable([], 0)).toThrow(RangeError);
  });
});
