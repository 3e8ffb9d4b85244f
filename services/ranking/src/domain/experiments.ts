import { createHash } from 'node:crypto';
import { SURFACES, type Surface } from './business-rules';
import { ConfigReader, childPath, indexPath } from './config-validation';
import { FEATURE_NAMES } from './features';
import { twoProportionZTest, wilsonInterval, type Interval } from './statistics';

/**
 * A/B experiments: definitions from a configuration file, sticky assignment of users to variants,
 * the parameters a variant changes, and the results (rates with Wilson intervals, two-proportion
 * z-tests of each treatment against the control).
 *
 * Assignment hashes salt, experiment name and the pseudonymous user id with SHA-256 into a number
 * uniform in [0, 1) and walks the cumulative shares: the same user always gets the same variant
 * (no state to store), and because the experiment name is part of the hash, assignments to two
 * experiments are independent. Changing the salt reshuffles everyone (a fresh start after a bug).
 */

export const FUSION_SOURCES = ['dense', 'lexical', 'co_occurrence', 'user_interest', 'similar'] as const;
export type FusionSource = (typeof FUSION_SOURCES)[number];

/** Retrieval fusion settings a variant may change (shopsense.retrieval.v1.FusionWeights). */
export interface FusionParams {
  method?: 'rrf' | 'weighted';
  rrfK?: number;
  weights?: Partial<Record<FusionSource, number>>;
}

/** What a variant changes; anything unset keeps the service's default. */
export interface VariantParams {
  /** Model snapshot version to score with. */
  modelVersion?: string;
  /** Multipliers of feature values before scoring (0 turns a feature off); see applyFeatureWeights. */
  featureWeights?: Record<string, number>;
  /** MMR λ in [0, 1]; 1 = no diversification. */
  diversityLambda?: number;
  fusion?: FusionParams;
}

export interface VariantConfig {
  name: string;
  /** Share of the experiment's traffic in [0, 1]; shares of an experiment sum to 1. */
  share: number;
  params: VariantParams;
}

export interface ExperimentConfig {
  name: string;
  description: string;
  /** Mixed into the hash; change it to reshuffle assignments. */
  salt: string;
  active: boolean;
  /** Surfaces it applies to. */
  surfaces: Surface[];
  /** Name of the control variant (default: the first). */
  control: string;
  variants: VariantConfig[];
}

export interface ExperimentsConfig {
  experiments: ExperimentConfig[];
}

export interface Assignment {
  experiment: string;
  variant: string;
}

const SHARE_TOLERANCE = 1e-9;
const NAME_MAX = 128;

/** salt, experiment and user hashed with SHA-256 to a number uniform in [0, 1) (48 bits of the digest). */
export function assignmentPoint(salt: string, experiment: string, pseudonymousUserId: string): number {
  const digest = createHash('sha256').update(`${salt}\u0000${experiment}\u0000${pseudonymousUserId}`, 'utf8').digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * The user's variant, or undefined when the experiment is inactive or there is no id to be sticky
 * on (pass the session id for anonymous users if they should take part).
 */
export function assignVariant(experiment: ExperimentConfig, pseudonymousUserId: string): VariantConfig | undefined {
  if (!experiment.active || pseudonymousUserId.length === 0 || experiment.variants.length === 0) return undefined;
  const point = assignmentPoint(experiment.salt, experiment.name, pseudonymousUserId);
  let cumulative = 0;
  for (const variant of experiment.variants) {
    cumulative += variant.share;
    if (point < cumulative) return variant;
  }
  // Shares sum to 1 within rounding; a point in the rounding gap belongs to the last variant with traffic.
  return [...experiment.variants].reverse().find((v) => v.share > 0) ?? experiment.variants[experiment.variants.length - 1];
}

/**
 * Every active experiment on this surface assigns the user; the parameters of the assigned
 * variants are merged in file order (a later experiment's setting wins, feature weights merge by
 * name; experiments running at the same time should not change the same parameter).
 */
export function assignExperiments(config: ExperimentsConfig, pseudonymousUserId: string, surface: Surface): { assignments: Assignment[]; params: VariantParams } {
  const assignments: Assignment[] = [];
  const params: VariantParams = {};
  for (const experiment of config.experiments) {
    if (!experiment.surfaces.includes(surface)) continue;
    const variant = assignVariant(experiment, pseudonymousUserId);
    if (!variant) continue;
    assignments.push({ experiment: experiment.name, variant: variant.name });
    const p = variant.params;
    if (p.modelVersion !== undefined) params.modelVersion = p.modelVersion;
    if (p.diversityLambda !== undefined) params.diversityLambda = p.diversityLambda;
    if (p.featureWeights) params.featureWeights = { ...(params.featureWeights ?? {}), ...p.featureWeights };
    if (p.fusion) params.fusion = { ...(params.fusion ?? {}), ...p.fusion, weights: { ...(params.fusion?.weights ?? {}), ...(p.fusion.weights ?? {}) } };
  }
  return { assignments, params };
}

function parseParams(reader: ConfigReader, value: unknown, path: string, knownFeatures: readonly string[]): VariantParams {
  const params: VariantParams = {};
  if (value === undefined) return params;
  const raw = reader.object(value, path, ['modelVersion', 'featureWeights', 'diversityLambda', 'fusion']);
  if (!raw) return params;
  if (raw['modelVersion'] !== undefined) {
    const version = reader.string(raw['modelVersion'], childPath(path, 'modelVersion'), { maxLength: NAME_MAX });
    if (version !== undefined) params.modelVersion = version;
  }
  if (raw['diversityLambda'] !== undefined) {
    const lambda = reader.number(raw['diversityLambda'], childPath(path, 'diversityLambda'), { min: 0, max: 1 });
    if (lambda !== undefined) params.diversityLambda = lambda;
  }
  if (raw['featureWeights'] !== undefined) {
    const weightsPath = childPath(path, 'featureWeights');
    const weights = reader.object(raw['featureWeights'], weightsPath);
    params.featureWeights = {};
    for (const [feature, w] of Object.entries(weights ?? {})) {
      if (!knownFeatures.includes(feature)) {
        reader.fail(childPath(weightsPath, feature), 'unknown feature');
        continue;
      }
      const weight = reader.number(w, childPath(weightsPath, feature), { min: 0 });
      if (weight !== undefined) params.featureWeights[feature] = weight;
    }
  }
  if (raw['fusion'] !== undefined) {
    const fusionPath = childPath(path, 'fusion');
    const fusion = reader.object(raw['fusion'], fusionPath, ['method', 'rrfK', 'weights']);
    if (fusion) {
      params.fusion = {};
      if (fusion['method'] !== undefined) {
        if (fusion['method'] === 'rrf' || fusion['method'] === 'weighted') params.fusion.method = fusion['method'];
        else reader.fail(childPath(fusionPath, 'method'), `must be "rrf" or "weighted" (got ${JSON.stringify(fusion['method'])})`);
      }
      if (fusion['rrfK'] !== undefined) {
        const k = reader.number(fusion['rrfK'], childPath(fusionPath, 'rrfK'), { min: 1, max: 1000, integer: true });
        if (k !== undefined) params.fusion.rrfK = k;
      }
      if (fusion['weights'] !== undefined) {
        const weightsPath = childPath(fusionPath, 'weights');
        const weights = reader.object(fusion['weights'], weightsPath, FUSION_SOURCES);
        params.fusion.weights = {};
        for (const source of FUSION_SOURCES) {
          if (weights?.[source] === undefined) continue;
          const w = reader.number(weights[source], childPath(weightsPath, source), { min: 0 });
          if (w !== undefined) params.fusion.weights[source] = w;
        }
      }
    }
  }
  return params;
}

function parseExperiment(reader: ConfigReader, value: unknown, path: string, knownFeatures: readonly string[]): ExperimentConfig | undefined {
  const raw = reader.object(value, path, ['name', 'description', 'salt', 'active', 'surfaces', 'control', 'variants']);
  if (!raw) return undefined;
  const name = reader.string(raw['name'], childPath(path, 'name'), { maxLength: NAME_MAX });
  const description = raw['description'] === undefined ? '' : typeof raw['description'] === 'string' ? raw['description'] : (reader.fail(childPath(path, 'description'), 'must be a string') ?? '');
  const salt = raw['salt'] === undefined ? '' : (reader.string(raw['salt'], childPath(path, 'salt')) ?? '');
  const active = raw['active'] === undefined ? true : (reader.boolean(raw['active'], childPath(path, 'active')) ?? true);
  let surfaces: Surface[] = [...SURFACES];
  if (raw['surfaces'] !== undefined) {
    surfaces = [];
    (reader.strings(raw['surfaces'], childPath(path, 'surfaces')) ?? []).forEach((s, i) => {
      if ((SURFACES as readonly string[]).includes(s)) surfaces.push(s as Surface);
      else reader.fail(indexPath(childPath(path, 'surfaces'), i), `must be one of ${SURFACES.join(', ')} (got "${s}")`);
    });
  }
  const variantsPath = childPath(path, 'variants');
  const rawVariants = reader.array(raw['variants'], variantsPath) ?? [];
  if (raw['variants'] !== undefined && rawVariants.length < 2) reader.fail(variantsPath, `must have at least 2 variants (got ${rawVariants.length})`);
  const variants: VariantConfig[] = [];
  const names = new Set<string>();
  let shareSum = 0;
  let sharesValid = true;
  rawVariants.forEach((rawVariant, i) => {
    const variantPath = indexPath(variantsPath, i);
    const v = reader.object(rawVariant, variantPath, ['name', 'share', 'params']);
    if (!v) return;
    const variantName = reader.string(v['name'], childPath(variantPath, 'name'), { maxLength: NAME_MAX });
    if (variantName !== undefined && names.has(variantName)) reader.fail(childPath(variantPath, 'name'), `duplicate variant name "${variantName}"`);
    if (variantName !== undefined) names.add(variantName);
    const share = reader.number(v['share'], childPath(variantPath, 'share'), { min: 0, max: 1 });
    if (share === undefined) sharesValid = false;
    else shareSum += share;
    const params = parseParams(reader, v['params'], childPath(variantPath, 'params'), knownFeatures);
    if (variantName !== undefined && share !== undefined) variants.push({ name: variantName, share, params });
  });
  if (sharesValid && rawVariants.length > 0 && Math.abs(shareSum - 1) > SHARE_TOLERANCE) reader.fail(variantsPath, `shares must sum to 1 (got ${shareSum})`);
  let control = variants[0]?.name ?? '';
  if (raw['control'] !== undefined) {
    const named = reader.string(raw['control'], childPath(path, 'control'));
    if (named !== undefined && !names.has(named)) reader.fail(childPath(path, 'control'), `must name one of the variants (got "${named}")`);
    else if (named !== undefined) control = named;
  }
  if (name === undefined) return undefined;
  return { name, description, salt, active, surfaces, control, variants };
}

/**
 * Validates an experiments document (parsed JSON: `{ "experiments": [...] }`) and returns typed
 * experiments; throws a ConfigValidationError naming the path of every problem. Checks: unique
 * experiment names, at least two uniquely named variants each, shares in [0, 1] summing to 1
 * (± 1e-9), a control that names a variant, known surfaces, feature weights of known features,
 * λ in [0, 1], fusion weights ≥ 0.
 */
export function parseExperiments(json: unknown, options: { knownFeatures?: readonly string[] } = {}): ExperimentsConfig {
  const knownFeatures = options.knownFeatures ?? FEATURE_NAMES;
  const reader = new ConfigReader();
  const root = reader.object(json, '', ['experiments']);
  const experiments: ExperimentConfig[] = [];
  const rawList = root ? (root['experiments'] === undefined ? [] : (reader.array(root['experiments'], 'experiments') ?? [])) : [];
  const names = new Set<string>();
  rawList.forEach((raw, i) => {
    const path = indexPath('experiments', i);
    const experiment = parseExperiment(reader, raw, path, knownFeatures);
    if (!experiment) return;
    if (names.has(experiment.name)) reader.fail(childPath(path, 'name'), `duplicate experiment name "${experiment.name}"`);
    names.add(experiment.name);
    experiments.push(experiment);
  });
  reader.throwIfInvalid('experiments configuration');
  return { experiments };
}

/** What the event log says about one variant. */
export interface VariantCounts {
  variant: string;
  /** Responses served to users in the variant. */
  exposures: number;
  /** Exposures followed by at least one click. */
  clicks: number;
  /** Exposures followed by at least one purchase. */
  conversions: number;
}

export interface VariantResult extends VariantCounts {
  clickRate: number;
  conversionRate: number;
  clickRateCi: Interval;
  conversionRateCi: Interval;
}

export type ExperimentMetric = 'click_rate' | 'conversion_rate';

export interface VariantComparison {
  control: string;
  treatment: string;
  metric: ExperimentMetric;
  difference: number;
  z: number;
  pValue: number;
  /** pValue < 1 − confidence level. */
  significant: boolean;
  differenceCi: Interval;
}

export interface ExperimentResults {
  variants: VariantResult[];
  comparisons: VariantComparison[];
}

/**
 * Per-variant rates with Wilson intervals, and each treatment compared with the control (default:
 * the first counts entry) on click rate and conversion rate by a two-proportion z-test. The shape
 * follows shopsense.experiments.v1.GetResultsResponse.
 */
export function experimentResults(counts: readonly VariantCounts[], options: { control?: string; confidenceLevel?: number } = {}): ExperimentResults {
  const level = options.confidenceLevel ?? 0.95;
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  const controlName = options.control ?? counts[0]?.variant;
  const control = counts.find((c) => c.variant === controlName);
  if (counts.length > 0 && !control) throw new RangeError(`control variant "${controlName}" has no counts`);
  const variants = counts.map(
    (c): VariantResult => ({
      ...c,
      clickRate: c.exposures > 0 ? c.clicks / c.exposures : 0,
      conversionRate: c.exposures > 0 ? c.conversions / c.exposures : 0,
      clickRateCi: wilsonInterval(c.clicks, c.exposures, level),
      conversionRateCi: wilsonInterval(c.conversions, c.exposures, level),
    }),
  );
  const comparisons: VariantComparison[] = [];
  for (const treatment of counts) {
    if (!control || treatment.variant === control.variant) continue;
    for (const metric of ['click_rate', 'conversion_rate'] as const) {
      const successes = (c: VariantCounts) => (metric === 'click_rate' ? c.clicks : c.conversions);
      const test = twoProportionZTest(successes(control), control.exposures, successes(treatment), treatment.exposures, level);
      comparisons.push({ control: control.variant, treatment: treatment.variant, metric, ...test, significant: test.pValue < 1 - level });
    }
  }
  return { variants, comparisons };
}
