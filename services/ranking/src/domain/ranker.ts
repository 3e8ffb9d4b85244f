import { applyBusinessRules, NO_BUSINESS_RULES, type BusinessRules, type RuleContext, type RuleItem } from './business-rules';
import { explainItem, visibleContributions } from './explanations';
import { applyFeatureWeights, FEATURES, featureVector, placesWithinCategory, PREFERENCE_VALUES, preferencesOf, type CandidateInput, type FeatureDefinition, type RankingContext } from './features';
import type { Contribution, FeatureValues } from './ftrl';
import { softmax } from './list-metrics';
import { mmrRerank } from './mmr';
import type { DegradationReport } from './pipeline';
import { matchQuality, orderByMatch, type MatchQuality } from './product-type';
import type { Vector } from './vectors';

/**
 * The pure core of a ranking request, after the data is fetched: features → score → softmax →
 * re-rank (business rules with MMR diversity) → explanations. Failures of the model or the
 * re-ranking are recorded in the report and served around (conventions §4): no model or a failing
 * one gives the no-op ranker (retrieval order); a failing re-rank gives the model order.
 */

/** What the ranker needs of a model (FtrlModel fits). */
export interface ScoringModel {
  readonly version: string;
  score(x: FeatureValues): number;
  contributions(x: FeatureValues): Contribution[];
}

/** Reported as model_version when the no-op ranker served. */
export const NOOP_MODEL_VERSION = 'noop-retrieval-order';

export interface RankInput {
  context: RankingContext;
  /** Candidates in retrieval order (the no-op ranker's order). */
  candidates: readonly CandidateInput[];
  /** Absent: the no-op ranker. */
  model?: ScoringModel;
  /** Variant parameters: feature multipliers and MMR λ (1 or absent: no diversification). */
  featureWeights?: Readonly<Record<string, number>>;
  diversityLambda?: number;
  rules?: BusinessRules;
  ruleContext: RuleContext;
  /**
   * The kind of product the query asks for (productTypeOf): its products come first, those
   * failing a filter from the query's words (CandidateInput.relaxed) next, other kinds last.
   */
  productType?: readonly string[];
  explain?: boolean;
  report: DegradationReport;
  features?: readonly FeatureDefinition[];
}

export interface RankedCandidate {
  itemId: string;
  /** M(x, y): the model's logit, or the no-op ranker's −ln(1 + retrieval index). */
  score: number;
  /** softmax of score over every scored candidate. */
  clickProbability: number;
  /** 0-based position in this list (add the page offset). */
  position: number;
  sources: string[];
  /** Feature values as computed, before variant weights: what to log for training. */
  features: Record<string, number>;
  contributions?: Contribution[];
  reasons?: string[];
  /** With a product type: how the item matches it. */
  match?: MatchQuality;
}

export interface RankOutcome {
  items: RankedCandidate[];
  modelVersion: string;
  hidden: { id: string; reason: string; ruleId?: string }[];
  pinned: string[];
}

interface Scored extends RuleItem {
  index: number;
  score: number;
  vector?: Vector;
}

function noopScores(count: number): number[] {
  // Decreasing with the retrieval index, so the order is retrieval order and the softmax gives
  // probabilities ∝ 1 / (1 + index), a plausible position-CTR shape.
  return Array.from({ length: count }, (_, i) => -Math.log1p(i));
}

export function rankCandidates(input: RankInput): RankOutcome {
  const features = input.features ?? FEATURES;
  const context = withPreferencePlaces(input.context, input.candidates);
  const values = input.candidates.map((candidate) => featureVector(context, candidate, features));
  const scoredValues = values.map((v) => applyFeatureWeights(v, input.featureWeights));

  let modelVersion = NOOP_MODEL_VERSION;
  let scores: number[] | undefined;
  const requested = input.model;
  if (requested) {
    try {
      const modelScores = scoredValues.map((x) => requested.score(x));
      const bad = modelScores.findIndex((s) => !Number.isFinite(s));
      if (bad >= 0) throw new Error(`model ${requested.version} gave a non-finite score for ${input.candidates[bad].itemId}`);
      scores = modelScores;
      modelVersion = requested.version;
    } catch (error) {
      input.report.recordError('model', error);
    }
  }
  const model = scores ? input.model : undefined;
  const finalScores = scores ?? noopScores(input.candidates.length);
  const probabilities = softmax(finalScores);

  const scored: Scored[] = input.candidates.map((candidate, index) => ({
    id: candidate.itemId,
    index,
    score: finalScores[index],
    relevance: probabilities[index],
    ...(candidate.product?.brand !== undefined ? { brand: candidate.product.brand } : {}),
    ...(candidate.product?.categoryPath !== undefined ? { categoryPath: candidate.product.categoryPath } : {}),
    ...(candidate.product?.inStock !== undefined ? { inStock: candidate.product.inStock } : {}),
    ...(candidate.product?.attributes !== undefined ? { attributes: candidate.product.attributes } : {}),
    ...(candidate.vector !== undefined ? { vector: candidate.vector } : {}),
  }));

  const type = input.productType;
  const matches = type ? input.candidates.map((c) => matchQuality(type, c.product?.categoryPath, c.relaxed === true, c.ofType)) : undefined;
  const byMatch = (order: (items: Scored[]) => Scored[]) => (matches ? (items: Scored[]) => orderByMatch(items, (item) => matches[item.index] ?? 'other_type', order) : order);
  const modelOrder = byMatch((items) => items)([...scored].sort((a, b) => b.score - a.score || a.index - b.index));
  let ordered: Scored[] = modelOrder;
  let hidden: RankOutcome['hidden'] = [];
  let pinned: string[] = [];
  let ruleNotes = new Map<string, string[]>();
  try {
    const lambda = input.diversityLambda ?? 1;
    const outcome = applyBusinessRules(scored, input.rules ?? NO_BUSINESS_RULES, input.ruleContext, byMatch((items) => mmrRerank(items, lambda)));
    ordered = outcome.items;
    hidden = outcome.hidden;
    pinned = outcome.pinned;
    ruleNotes = outcome.notes;
  } catch (error) {
    input.report.recordError('rerank', error);
  }

  const items = ordered.map((item, position): RankedCandidate => {
    const candidate = input.candidates[item.index];
    const ranked: RankedCandidate = {
      itemId: item.id,
      score: item.score,
      clickProbability: probabilities[item.index],
      position,
      sources: [...new Set(candidate.sources.map((s) => s.source))],
      features: values[item.index],
    };
    const match = matches?.[item.index];
    if (match) ranked.match = match;
    if (input.explain) {
      const contributions = model ? model.contributions(scoredValues[item.index]) : [];
      ranked.contributions = visibleContributions(contributions);
      // What a merchandiser did to the item comes first: it outweighs anything the model saw;
      // then why it sits in its group of the list.
      ranked.reasons = [...(ruleNotes.get(item.id) ?? []), ...(type && match ? [matchReason(type, match)] : []), ...explainItem({ contributions, sources: ranked.sources, queryText: context.queryText })];
    }
    return ranked;
  });
  return { items, modelVersion, hidden, pinned };
}

function matchReason(type: readonly string[], match: MatchQuality): string {
  const name = type.at(-1) ?? type.join('/');
  if (match === 'exact') return `a ${name} product, as the query asks`;
  if (match === 'relaxed') return `a ${name} product, but not everything the query asks for: listed after those that are`;
  return `not a ${name} product: listed after every one`;
}

/** The context with the places the query's soft preferences need (features.ts), unless given. */
function withPreferencePlaces(context: RankingContext, candidates: readonly CandidateInput[]): RankingContext {
  if (context.preferencePlaces !== undefined) return context;
  const wanted = preferencesOf(context.boosts);
  if (wanted.length === 0) return context;
  return { ...context, preferencePlaces: Object.fromEntries(wanted.map((p) => [p, placesWithinCategory(candidates, PREFERENCE_VALUES[p])])) };
}
