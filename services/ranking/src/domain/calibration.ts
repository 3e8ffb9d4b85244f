/**
 * Is a predicted click probability of 0.1 right one time in ten? Expected calibration error,
 * a reliability table and log loss, over predictions paired with what happened.
 */
export interface LabelledPrediction {
  /** Predicted probability of the positive label, in [0, 1]. */
  probability: number;
  label: boolean;
}

export interface ReliabilityBin {
  /** Bin bounds: [lower, upper), the last bin includes 1. */
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability in the bin (0 when empty). */
  meanPredicted: number;
  /** Fraction of positive labels in the bin (0 when empty). */
  observedRate: number;
}

function checkProbability(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`probability must be in [0, 1], got ${p}`);
}

/** Equal-width bins over [0, 1] with the mean prediction and the observed rate in each. */
export function reliabilityTable(predictions: readonly LabelledPrediction[], bins = 10): ReliabilityBin[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const sums = Array.from({ length: bins }, () => ({ count: 0, predicted: 0, positives: 0 }));
  for (const { probability, label } of predictions) {
    checkProbability(probability);
    const bin = sums[Math.min(bins - 1, Math.floor(probability * bins))];
    bin.count++;
    bin.predicted += probability;
    if (label) bin.positives++;
  }
  return sums.map((s, i) => ({
    lower: i / bins,
    upper: (i + 1) / bins,
    count: s.count,
    meanPredicted: s.count > 0 ? s.predicted / s.count : 0,
    observedRate: s.count > 0 ? s.positives / s.count : 0,
  }));
}

/**
 * Expected calibration error: Σ over bins of (bin count / total) × |observed rate − mean
 * prediction|, with equal-width bins (default 10). 0 for perfect calibration; 0 for no predictions.
 */
export function expectedCalibrationError(predictions: readonly LabelledPrediction[], bins = 10): number {
  if (predictions.length === 0) return 0;
  let sum = 0;
  for (const bin of reliabilityTable(predictions, bins)) sum += bin.count * Math.abs(bin.observedRate - bin.meanPredicted);
  return sum / predictions.length;
}

/** Mean negative log-likelihood, probabilities clipped to [eps, 1 − eps] so a confident miss costs a lot but not Infinity. */
export function logLoss(predictions: readonly LabelledPrediction[], eps = 1e-15): number {
  if (predictions.length === 0) return 0;
  let sum = 0;
  for (const { probability, label } of predictions) {
    checkProbability(probability);
    const p = Math.min(1 - eps, Math.max(eps, probability));
    sum -= label ? Math.log(p) : Math.log(1 - p);
  }
  return sum / predictions.length;
}
