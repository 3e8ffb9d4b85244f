export interface CategoryPrediction {
  /** Category path, segments joined by "/". */
  path: string;
  probability: number;
}

export interface LabellingOptions {
  /** Paths are cut to this many segments: deeper leaves are too sparse to learn from. */
  maxDepth: number;
  /** A category with fewer products is folded into its parent. */
  minProducts: number;
}

/**
 * The category each product teaches: its path cut to `maxDepth` segments, then shortened while
 * that category has fewer than `minProducts` products (a centroid of two titles is noise).
 * Undefined when even the top-level category is that small, or the product has no category.
 */
export function categoryLabels(paths: readonly (readonly string[])[], options: LabellingOptions): (string | undefined)[] {
  const cut = paths.map((path) => path.map((s) => s.trim()).filter((s) => s.length > 0).slice(0, options.maxDepth));
  const counts = new Map<string, number>();
  for (const path of cut) for (let depth = 1; depth <= path.length; depth++) {
    const prefix = path.slice(0, depth).join('/');
    counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
  }
  return cut.map((path) => {
    for (let depth = path.length; depth >= 1; depth--) {
      const prefix = path.slice(0, depth).join('/');
      if ((counts.get(prefix) ?? 0) >= options.minProducts) return prefix;
    }
    return undefined;
  });
}

/** The L2-normalised mean vector of each label. */
export function centroidsOf(samples: readonly { label: string; vector: ArrayLike<number> }[]): Map<string, Float32Array> {
  const sums = new Map<string, Float64Array>();
  for (const { label, vector } of samples) {
    let sum = sums.get(label);
    if (!sum) sums.set(label, (sum = new Float64Array(vector.length)));
    for (let i = 0; i < vector.length; i++) sum[i] += vector[i];
  }
  const out = new Map<string, Float32Array>();
  for (const [label, sum] of sums) out.set(label, normalized(sum));
  return out;
}

/**
 * Nearest category centroids with calibrated probabilities: cosine similarity to every
 * centroid, then a softmax with the temperature fitted on held-out titles (fitTemperature), so
 * that "0.8" means right about 80 % of the time rather than an arbitrary score.
 */
export class CategoryModel {
  private readonly centroids: Float32Array[];

  constructor(
    centroids: ReadonlyMap<string, Float32Array>,
    readonly temperature: number,
    /** Version of the embedding model the centroids come from; query vectors must match it. */
    readonly embeddingVersion: string,
  ) {
    const entries = [...centroids.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.labels = entries.map(([label]) => label);
    this.centroids = entries.map(([, centroid]) => centroid);
  }

  readonly labels: string[];

  get size(): number {
    return this.labels.length;
  }

  similarities(vector: ArrayLike<number>): number[] {
    const unit = normalized(vector);
    return this.centroids.map((c) => dot(unit, c));
  }

  predict(vector: ArrayLike<number>, topK: number): CategoryPrediction[] {
    const probabilities = softmax(this.similarities(vector), this.temperature);
    return probabilities
      .map((probability, i) => ({ path: this.labels[i], probability }))
      .sort((a, b) => b.probability - a.probability || (a.path < b.path ? -1 : 1))
      .slice(0, topK);
  }
}

export function softmax(scores: readonly number[], temperature: number): number[] {
  if (scores.length === 0) return [];
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp((s - max) / temperature));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

export interface CalibrationSample {
  /** Cosine similarity of a held-out title to every centroid. */
  similarities: readonly number[];
  /** Index of the title's true category. */
  trueIndex: number;
}

export interface Calibration {
  temperature: number;
  /** Mean negative log-likelihood of the true category at that temperature. */
  nll: number;
  /** Expected calibration error of the top-1 probability (10 bins). */
  ece: number;
  accuracy: number;
}

const MIN_TEMPERATURE = 0.001;
const MAX_TEMPERATURE = 1;

/**
 * Temperature scaling (Guo et al., 2017): the one temperature that minimises the negative
 * log-likelihood of the true categories of held-out samples, found by golden-section search on
 * log T (the NLL is unimodal in T). It changes no ranking, only how sure the probabilities say
 * the model is.
 */
export function fitTemperature(samples: readonly CalibrationSample[]): Calibration {
  if (samples.length === 0) return { temperature: 0.05, nll: Number.NaN, ece: Number.NaN, accuracy: Number.NaN };
  const nllAt = (logT: number) => meanNll(samples, Math.exp(logT));
  const ratio = (Math.sqrt(5) - 1) / 2;
  let [low, high] = [Math.log(MIN_TEMPERATURE), Math.log(MAX_TEMPERATURE)];
  let c = high - ratio * (high - low);
  let d = low + ratio * (high - low);
  let [fc, fd] = [nllAt(c), nllAt(d)];
  for (let i = 0; i < 40; i++) {
    if (fc < fd) {
      [high, d, fd] = [d, c, fc];
      c = high - ratio * (high - low);
      fc = nllAt(c);
    } else {
      [low, c, fc] = [c, d, fd];
      d = low + ratio * (high - low);
      fd = nllAt(d);
    }
  }
  const temperature = Math.exp((low + high) / 2);
  return { temperature, nll: meanNll(samples, temperature), ...reliability(samples, temperature) };
}

function meanNll(samples: readonly CalibrationSample[], temperature: number): number {
  let total = 0;
  for (const { similarities, trueIndex } of samples) total -= Math.log(Math.max(softmax(similarities, temperature)[trueIndex], 1e-12));
  return total / samples.length;
}

/** Top-1 accuracy and expected calibration error over 10 equal-width confidence bins. */
export function reliability(samples: readonly CalibrationSample[], temperature: number): { ece: number; accuracy: number } {
  const bins = Array.from({ length: 10 }, () => ({ n: 0, confidence: 0, correct: 0 }));
  let correct = 0;
  for (const { similarities, trueIndex } of samples) {
    const p = softmax(similarities, temperature);
    let top = 0;
    for (let i = 1; i < p.length; i++) if (p[i] > p[top]) top = i;
    const bin = bins[Math.min(9, Math.floor(p[top] * 10))];
    bin.n++;
    bin.confidence += p[top];
    if (top === trueIndex) {
      bin.correct++;
      correct++;
    }
  }
  const ece = bins.reduce((sum, b) => sum + (b.n === 0 ? 0 : (b.n / samples.length) * Math.abs(b.correct / b.n - b.confidence / b.n)), 0);
  return { ece, accuracy: correct / samples.length };
}

function normalized(vector: ArrayLike<number>): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i] * vector[i];
  norm = Math.sqrt(norm) || 1;
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i] / norm;
  return out;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}
