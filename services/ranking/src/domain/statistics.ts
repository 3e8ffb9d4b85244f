/**
 * The few statistics the experiment results need: the normal CDF and quantile, Wilson score
 * intervals and the two-proportion z-test. Written out here (no stats library) and tested against
 * reference values.
 */

/**
 * Complementary error function, Chebyshev fit from Numerical Recipes (erfcc): fractional error
 * below 1.2e-7 everywhere, also far in the tails, which is where small p-values live.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export const erf = (x: number): number => 1 - erfc(x);

/** Φ(x), the standard normal CDF. */
export const normalCdf = (x: number): number => 0.5 * erfc(-x / Math.SQRT2);

/**
 * Φ⁻¹(p): Acklam's rational approximation, relative error below 1.15e-9 (more accurate than a
 * refinement step against the erfc above could make it). Throws outside (0, 1).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`quantile probability must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  return x;
}

/** The two-sided critical value for a confidence level: 1.959964 for 0.95. */
export function criticalValue(level: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  return normalQuantile(1 - (1 - level) / 2);
}

export interface Interval {
  lower: number;
  upper: number;
  level: number;
}

function checkCounts(successes: number, trials: number): void {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || successes > trials) {
    throw new RangeError(`counts must be integers with 0 <= successes <= trials, got ${successes}/${trials}`);
  }
}

/**
 * Wilson score interval of a proportion: unlike the normal (Wald) interval it stays inside [0, 1]
 * and keeps its coverage for rates near 0, which click and conversion rates are. [0, 1] with no
 * trials.
 */
export function wilsonInterval(successes: number, trials: number, level = 0.95): Interval {
  checkCounts(successes, trials);
  if (trials === 0) return { lower: 0, upper: 1, level };
  const z = criticalValue(level);
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / (1 + z2 / trials);
  // At 0 or all successes the bound is exactly 0 or 1; say so rather than 1e-17 or 0.9999999999999999.
  return { lower: successes === 0 ? 0 : Math.max(0, centre - half), upper: successes === trials ? 1 : Math.min(1, centre + half), level };
}

export interface TwoProportionTest {
  /** Treatment rate minus control rate. */
  difference: number;
  z: number;
  /** Two-sided p-value. */
  pValue: number;
  /** Unpooled (Wald) interval of the difference. */
  differenceCi: Interval;
}

/**
 * Two-proportion z-test of treatment against control with the pooled standard error; z = 0 and
 * p = 1 when the pooled rate is 0 or 1 (no variance: nothing to tell apart) or a side is empty.
 */
export function twoProportionZTest(controlSuccesses: number, controlTrials: number, treatmentSuccesses: number, treatmentTrials: number, level = 0.95): TwoProportionTest {
  checkCounts(controlSuccesses, controlTrials);
  checkCounts(treatmentSuccesses, treatmentTrials);
  const p1 = controlTrials > 0 ? controlSuccesses / controlTrials : 0;
  const p2 = treatmentTrials > 0 ? treatmentSuccesses / treatmentTrials : 0;
  const difference = p2 - p1;
  if (controlTrials === 0 || treatmentTrials === 0) return { difference, z: 0, pValue: 1, differenceCi: { lower: -1, upper: 1, level } };
  const pooled = (controlSuccesses + treatmentSuccesses) / (controlTrials + treatmentTrials);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / controlTrials + 1 / treatmentTrials));
  const z = pooledSe > 0 ? difference / pooledSe : 0;
  const pValue = pooledSe > 0 ? Math.min(1, erfc(Math.abs(z) / Math.SQRT2)) : 1;
  const se = Math.sqrt((p1 * (1 - p1)) / controlTrials + (p2 * (1 - p2)) / treatmentTrials);
  const margin = criticalValue(level) * se;
  return { difference, z, pValue, differenceCi: { lower: Math.max(-1, difference - margin), upper: Math.min(1, difference + margin), level } };
}
