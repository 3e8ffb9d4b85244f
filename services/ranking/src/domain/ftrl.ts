import { ConfigReader, ConfigValidationError, childPath, indexPath } from './config-validation';

/**
 * Online logistic regression trained with FTRL-Proximal (McMahan et al., "Ad Click Prediction: a
 * View from the Trenches", KDD 2013, Algorithm 1) over named sparse features. It learns one example
 * at a time from the training topic, each coordinate with its own adaptive learning rate, and its
 * L1 term keeps weights of useless features at exactly 0. Logistic loss makes its probabilities
 * calibrated click probabilities without a separate calibration step (check with calibration.ts).
 *
 * Weights are not stored: they are derived lazily from the per-coordinate state (z, n), which is
 * what the algorithm updates and what a snapshot persists. Deterministic: the same examples in the
 * same order give the same model, bit for bit.
 */

export interface FtrlParams {
  /** Learning-rate scale: the per-coordinate rate is alpha / (beta + sqrt(Σ g²)). */
  alpha: number;
  /** Learning-rate smoothing; 1 is the paper's usual choice. */
  beta: number;
  /** L1 strength: coordinates with |z| ≤ l1 have weight 0 (sparsity). */
  l1: number;
  /** L2 strength. */
  l2: number;
}

export interface FtrlConfig extends FtrlParams {
  /** Per-feature overrides, for example no regularisation on the intercept. */
  perFeature?: Readonly<Record<string, Partial<FtrlParams>>>;
  /**
   * Weights a new model starts from. The intercept matters most: started at 0 (p = 0.5) while
   * clicks are rare, the first updates push every positive-valued feature down together and the
   * young model ranks the best items last; started near the base CTR, only real evidence moves it.
   */
  initialWeights?: Readonly<Record<string, number>>;
}

/** The intercept's coordinate: always present with value 1, whatever the input says. */
export const BIAS = 'bias';

/** Starts at a 5% click probability: the order of magnitude of a list's per-item CTR. */
export const DEFAULT_FTRL_CONFIG: FtrlConfig = { alpha: 0.1, beta: 1, l1: 0.1, l2: 1, perFeature: { [BIAS]: { l1: 0, l2: 0 } }, initialWeights: { [BIAS]: Math.log(0.05 / 0.95) } };

/**
 * Where a served ranker starts before any feedback: from the relevance the query-match features
 * already measure, not from the intercept alone (which scores every item the same, keeps the
 * fused retrieval order and explains nothing). Logit weights, sized to each feature's spread: a
 * query–item cosine of the multilingual model moves about 0.1 between a matching product and an
 * unrelated one (× 8 ≈ 0.8); log1p(BM25) is 0 without a lexical match and 1–3 with one; the fused
 * retrieval rank breaks what is left; a price inside the asked range counts about one logit. A
 * soft preference the query states ("cheap", "best", "new": the boost's strength, 0.5, times the
 * item's place in its category, ±1) moves up to two logits, more than the cosines separate
 * products of one kind, so "cheap red dress" lists the cheap red dresses first (the feature it
 * replaced, price_boost_fit, measured the price against the candidates' median at weight 1 and
 * moved nothing visible; a new name, so saved models start it from this weight rather than
 * keep a weight learned for another meaning). With a query, the shopper's two interest vectors together
 * weigh half as much as the query (a history reorders what matches the query, it does not
 * replace it) and count for nothing without a history (their cosine is 0). The prior is on the
 * query-only copies of those cosines (features.ts): one model serves Recommend too, where the
 * fused candidate order (co-occurrence first, tuned on eval:scientific's validation split) is
 * already the best guess, and a prior on the plain cosines overrode it (HR@10 0.1353 → 0.1278
 * on the test split). The product type query understanding predicts (query_category_match, its
 * probability for the item's category) counts up to 3: dense candidates of a neighbouring type
 * score query cosines close to the right ones', which the cosine's weight cannot separate
 * (eval:relevance demo NDCG@10 0.917 → 0.972). Online learning moves every weight from here.
 */
export const RELEVANCE_PRIOR_WEIGHTS: Readonly<Record<string, number>> = {
  query_item_cosine: 8,
  query_user_item_cosine_short: 2,
  query_user_item_cosine_long: 2,
  retrieval_lexical_score: 1,
  retrieval_rr: 0.5,
  price_fit: 1,
  price_preference_fit: 4,
  rating_preference_fit: 4,
  newness_preference_fit: 4,
  query_category_match: 3,
};

/** The served model's configuration: DEFAULT_FTRL_CONFIG started from RELEVANCE_PRIOR_WEIGHTS. */
export const SERVING_FTRL_CONFIG: FtrlConfig = { ...DEFAULT_FTRL_CONFIG, initialWeights: { ...DEFAULT_FTRL_CONFIG.initialWeights, ...RELEVANCE_PRIOR_WEIGHTS } };

export const UNTRAINED_VERSION = 'untrained';

/** The persisted form: plain JSON, coordinates sorted by name. */
export interface FtrlSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: string;
  createdAtMs: number;
  /** Examples the model has learned from, in total. */
  trainingCount: number;
  params: FtrlConfig;
  features: string[];
  z: number[];
  n: number[];
}

export const SNAPSHOT_FORMAT = 'shopsense.ranking.ftrl/v1';

/** One term of the logit, for explanations: value × weight. */
export interface Contribution {
  feature: string;
  value: number;
  contribution: number;
}

export type FeatureValues = Readonly<Record<string, number>>;

/** Logits beyond ±35 saturate a double's sigmoid anyway; clamping keeps exp() finite. */
const MAX_LOGIT = 35;
export const sigmoid = (logit: number): number => 1 / (1 + Math.exp(-Math.max(-MAX_LOGIT, Math.min(MAX_LOGIT, logit))));

/** A stable, sortable version name for a snapshot: `ftrl-20240501T120000Z-n12345`. */
export function snapshotVersion(createdAtMs: number, trainingCount: number): string {
  const stamp = new Date(createdAtMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `ftrl-${stamp}-n${trainingCount}`;
}

interface Coordinate {
  z: number;
  n: number;
}

export class FtrlModel {
  private readonly coordinates = new Map<string, Coordinate>();
  /** Weights derived from (z, n), kept until the coordinate changes: scoring reads far more than training writes. */
  private readonly weightCache = new Map<string, number>();
  private readonly config: FtrlConfig;
  private count = 0;
  private modelVersion = UNTRAINED_VERSION;
  private created = 0;

  constructor(config: FtrlConfig = DEFAULT_FTRL_CONFIG) {
    for (const [name, value] of Object.entries({ alpha: config.alpha, beta: config.beta, l1: config.l1, l2: config.l2 })) {
      if (!Number.isFinite(value) || value < 0 || (name === 'alpha' && value === 0)) throw new RangeError(`FTRL ${name} must be a finite number >= 0 (alpha > 0), got ${value}`);
    }
    this.config = { ...config, perFeature: { ...(config.perFeature ?? {}) }, initialWeights: { ...(config.initialWeights ?? {}) } };
    for (const [feature, w] of Object.entries(this.config.initialWeights ?? {})) {
      if (!Number.isFinite(w)) throw new RangeError(`initial weight of ${feature} must be finite, got ${w}`);
      this.seed(feature, w);
    }
  }

  /** Sets a coordinate to weigh `w` before any example (n = 0: the z the closed form turns into w). */
  private seed(feature: string, w: number): void {
    const { alpha, beta, l1, l2 } = this.paramsOf(feature);
    if (w !== 0) this.coordinates.set(feature, { z: -w * (beta / alpha + l2) - Math.sign(w) * l1, n: 0 });
  }

  /**
   * Gives the features this model has never seen the prior weight a new model starts from: a
   * feature added after the model was saved (query_category_match, say) would otherwise weigh 0
   * until feedback taught it. A feature the model has seen keeps what it learned.
   */
  seedUnseenFeatures(priors: Readonly<Record<string, number>>): void {
    for (const [feature, w] of Object.entries(priors)) {
      if (this.coordinates.has(feature) || !Number.isFinite(w) || w === 0) continue;
      this.seed(feature, w);
      this.config.initialWeights = { ...this.config.initialWeights, [feature]: w };
    }
  }

  /** The snapshot version this model was loaded from, or "untrained". */
  get version(): string {
    return this.modelVersion;
  }

  get trainingCount(): number {
    return this.count;
  }

  get createdAtMs(): number {
    return this.created;
  }

  get params(): FtrlConfig {
    return this.config;
  }

  private paramsOf(feature: string): FtrlParams {
    const override = this.config.perFeature?.[feature];
    return override ? { alpha: override.alpha ?? this.config.alpha, beta: override.beta ?? this.config.beta, l1: override.l1 ?? this.config.l1, l2: override.l2 ?? this.config.l2 } : this.config;
  }

  /** The current weight of a coordinate, from its (z, n) state (the paper's closed form). */
  weight(feature: string): number {
    const cached = this.weightCache.get(feature);
    if (cached !== undefined) return cached;
    const state = this.coordinates.get(feature);
    if (!state) return 0;
    const { alpha, beta, l1, l2 } = this.paramsOf(feature);
    const w = Math.abs(state.z) <= l1 ? 0 : -(state.z - Math.sign(state.z) * l1) / ((beta + Math.sqrt(state.n)) / alpha + l2);
    this.weightCache.set(feature, w);
    return w;
  }

  /** Every non-zero weight, by feature name (sorted), for inspection and reports. */
  weights(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of [...this.coordinates.keys()].sort()) {
      const w = this.weight(name);
      if (w !== 0) out[name] = w;
    }
    return out;
  }

  /** The terms of the logit: the intercept first, then each input feature in its order. Their sum is score(x), exactly. */
  contributions(x: FeatureValues): Contribution[] {
    const out: Contribution[] = [{ feature: BIAS, value: 1, contribution: this.weight(BIAS) }];
    for (const [feature, raw] of Object.entries(x)) {
      if (feature === BIAS) continue;
      const value = Number.isFinite(raw) ? raw : 0;
      out.push({ feature, value, contribution: value === 0 ? 0 : this.weight(feature) * value });
    }
    return out;
  }

  /**
   * The logit M(x) = Σ w_i x_i: the same terms as contributions(), added in the same order, so the
   * two agree exactly (written out without the intermediate array: this is the serving hot path).
   */
  score(x: FeatureValues): number {
    let sum = this.weight(BIAS);
    for (const feature of Object.keys(x)) {
      if (feature === BIAS) continue;
      const raw = x[feature];
      const value = Number.isFinite(raw) ? raw : 0;
      sum += value === 0 ? 0 : this.weight(feature) * value;
    }
    return sum;
  }

  /** The click probability σ(M(x)). */
  predict(x: FeatureValues): number {
    return sigmoid(this.score(x));
  }

  /**
   * Learns one example; `weight` scales its gradient (an importance weight, 0 ignores it).
   * Returns the prediction made before the update (progressive validation).
   */
  update(x: FeatureValues, label: boolean | number, weight = 1): number {
    if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`example weight must be a finite number >= 0, got ${weight}`);
    const y = label === true || label === 1 ? 1 : 0;
    const active: [string, number][] = [[BIAS, 1]];
    for (const [feature, raw] of Object.entries(x)) if (feature !== BIAS && Number.isFinite(raw) && raw !== 0) active.push([feature, raw]);
    const weights = active.map(([feature]) => this.weight(feature));
    let logit = 0;
    active.forEach(([, value], i) => (logit += weights[i] * value));
    const p = sigmoid(logit);
    if (weight === 0) return p;
    active.forEach(([feature, value], i) => {
      const { alpha } = this.paramsOf(feature);
      const g = (p - y) * value * weight;
      const state = this.coordinates.get(feature) ?? { z: 0, n: 0 };
      const sigma = (Math.sqrt(state.n + g * g) - Math.sqrt(state.n)) / alpha;
      state.z += g - sigma * weights[i];
      state.n += g * g;
      this.coordinates.set(feature, state);
      this.weightCache.delete(feature);
    });
    this.count++;
    return p;
  }

  /** An independent copy (the trainer keeps learning while a copy is evaluated or served). */
  clone(): FtrlModel {
    return FtrlModel.fromSnapshot(this.toSnapshot({ version: this.modelVersion, createdAtMs: this.created }));
  }

  toSnapshot(meta: { version: string; createdAtMs: number }): FtrlSnapshot {
    const features = [...this.coordinates.keys()].sort();
    const states = features.map((f) => this.coordinates.get(f) ?? { z: 0, n: 0 });
    return {
      format: SNAPSHOT_FORMAT,
      version: meta.version,
      createdAtMs: meta.createdAtMs,
      trainingCount: this.count,
      params: JSON.parse(JSON.stringify(this.config)) as FtrlConfig,
      features,
      z: states.map((c) => c.z),
      n: states.map((c) => c.n),
    };
  }

  /** Restores a model from its snapshot (a parsed JSON value); throws ConfigValidationError naming what is wrong. */
  static fromSnapshot(json: unknown): FtrlModel {
    const reader = new ConfigReader();
    const root = reader.object(json, '');
    if (!root) throw new ConfigValidationError('model snapshot', reader.issues);
    if (root['format'] !== SNAPSHOT_FORMAT) reader.fail('format', `must be "${SNAPSHOT_FORMAT}"`);
    const version = reader.string(root['version'], 'version');
    const createdAtMs = reader.number(root['createdAtMs'], 'createdAtMs', { min: 0 });
    const trainingCount = reader.number(root['trainingCount'], 'trainingCount', { min: 0, integer: true });
    const params = reader.object(root['params'], 'params');
    const config: FtrlConfig = { ...DEFAULT_FTRL_CONFIG, perFeature: {}, initialWeights: {} };
    if (params) {
      for (const key of ['alpha', 'beta', 'l1', 'l2'] as const) {
        const value = reader.number(params[key], childPath('params', key), { min: 0, exclusiveMin: key === 'alpha' });
        if (value !== undefined) config[key] = value;
      }
      const perFeature = params['perFeature'] === undefined ? {} : reader.object(params['perFeature'], 'params.perFeature');
      const overrides: Record<string, Partial<FtrlParams>> = {};
      for (const [feature, raw] of Object.entries(perFeature ?? {})) {
        const path = childPath('params.perFeature', feature);
        const override = reader.object(raw, path, ['alpha', 'beta', 'l1', 'l2']);
        if (!override) continue;
        const checkedOverride: Partial<FtrlParams> = {};
        for (const [key, value] of Object.entries(override)) {
          const checked = reader.number(value, childPath(path, key), { min: 0, exclusiveMin: key === 'alpha' });
          if (checked !== undefined) checkedOverride[key as keyof FtrlParams] = checked;
        }
        overrides[feature] = checkedOverride;
      }
      config.perFeature = overrides;
      const initial = params['initialWeights'] === undefined ? {} : reader.object(params['initialWeights'], 'params.initialWeights');
      const initialWeights: Record<string, number> = {};
      for (const [feature, raw] of Object.entries(initial ?? {})) {
        const w = reader.number(raw, childPath('params.initialWeights', feature));
        if (w !== undefined) initialWeights[feature] = w;
      }
      config.initialWeights = initialWeights;
    }
    const features = reader.strings(root['features'], 'features') ?? [];
    const z = reader.array(root['z'], 'z') ?? [];
    const n = reader.array(root['n'], 'n') ?? [];
    const sameLength = z.length === features.length && n.length === features.length;
    if (!sameLength) reader.fail('', `features, z and n must have the same length (${features.length}, ${z.length}, ${n.length})`);
    if (new Set(features).size !== features.length) reader.fail('features', 'must not repeat a name');
    const model = new FtrlModel(config);
    // The snapshot's state replaces the initial weights the constructor set (they are in it, moved by training).
    model.coordinates.clear();
    model.weightCache.clear();
    if (sameLength) features.forEach((feature, i) => {
      const zi = reader.number(z[i], indexPath('z', i));
      const ni = reader.number(n[i], indexPath('n', i), { min: 0 });
      if (zi !== undefined && ni !== undefined) model.coordinates.set(feature, { z: zi, n: ni });
    });
    reader.throwIfInvalid('model snapshot');
    // All three were read without an issue, or throwIfInvalid threw.
    model.count = trainingCount ?? 0;
    model.modelVersion = version ?? UNTRAINED_VERSION;
    model.created = createdAtMs ?? 0;
    return model;
  }
}
