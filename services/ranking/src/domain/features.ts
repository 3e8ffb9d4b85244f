import { clamp, cosine, type Vector } from './vectors';

/**
 * The ranking features (conventions §3, metarank's BaseFeature): each feature declares what data it
 * reads, then computes purely from a request context and one candidate. The service takes the
 * union of the declared inputs for a request, reads the user-state store once (one Redis round
 * trip for vectors, recent items, item and query–item stats, co-occurrence), and calls
 * `featureVector` per candidate. The same named values are scored by the model, logged with each
 * impression (TrainingExample.features) and shown as explanations, so names are stable: renaming
 * one orphans every weight and logged example that uses it.
 *
 * Every value is finite and in a bounded, model-friendly range: counts through log1p, similarities
 * as cosines in [-1, 1], rates as log-odds against a prior, one-hots in {0, 1}. "No evidence" is 0,
 * the same thing an absent sparse feature means to a linear model.
 */

/** Where a feature's data comes from; the service reads each kind once per request. */
export const FEATURE_INPUTS = ['request', 'query', 'queryEmbedding', 'retrieval', 'itemVectors', 'catalog', 'userVectors', 'recentItems', 'itemStats', 'queryItemStats', 'coOccurrence'] as const;
export type FeatureInput = (typeof FEATURE_INPUTS)[number];
export type FeatureReads = Readonly<Partial<Record<FeatureInput, true>>>;

/** Which dependency serves each input, so the application layer knows what to call (and what to skip). */
export const INPUT_ORIGIN: Readonly<Record<FeatureInput, 'request' | 'query-understanding' | 'embedding' | 'retrieval' | 'catalog' | 'user-state'>> = {
  request: 'request',
  query: 'query-understanding',
  queryEmbedding: 'embedding',
  retrieval: 'retrieval',
  itemVectors: 'retrieval',
  catalog: 'catalog',
  userVectors: 'user-state',
  recentItems: 'user-state',
  itemStats: 'user-state',
  queryItemStats: 'user-state',
  coOccurrence: 'user-state',
};

/** A soft preference extracted from the query (shopsense.query.v1.Boost), e.g. price "low" for "cheap". */
export interface QueryBoost {
  field: string;
  value: string;
  weight: number;
}

/** What is known about the request, shared by every candidate. */
export interface RankingContext {
  /** Normalised query text; '' for recommendations. */
  queryText: string;
  /** The query's embedding; absent when embedding failed or there is no query. */
  queryVector?: Vector;
  /** Price range extracted from the query or given as a filter. */
  priceFilter?: { min?: number; max?: number };
  /** Soft preferences extracted from the query. */
  boosts: readonly QueryBoost[];
  /** The product categories query understanding predicts for the query, most probable first (paths joined by "/"). */
  queryCategories?: readonly { path: string; probability: number }[];
  /** Channel as sent by the caller ("web", "ios", ...); see channelGroup. */
  channel: string;
  /** The user's short-term (session) interest vector; absent for anonymous users or when user state failed. */
  userShortVector?: Vector;
  /** The user's long-term interest vector. */
  userLongVector?: Vector;
  /** Items the user recently viewed, clicked, carted or bought, most recent first. */
  recentItemIds: readonly string[];
  /** The request's clock, ms since the epoch (never read from the system inside the domain). */
  nowMs: number;
  /**
   * For the soft preferences the query states ("cheap", "best", "new"): each candidate's place by
   * that value within its own category among this request's candidates (placesWithinCategory).
   * Filled by the ranker for the preferences the boosts name.
   */
  preferencePlaces?: Partial<Record<Preference, ReadonlyMap<string, number>>>;
}

/** What a soft preference orders by: QueryBoost.field "price", "rating" or "newness". */
export type Preference = 'price' | 'rating' | 'newness';

/** The value each preference places candidates by (undefined: unknown, placed nowhere). */
export const PREFERENCE_VALUES: Readonly<Record<Preference, (candidate: CandidateInput) => number | undefined>> = {
  price: (c) => (c.product?.price !== undefined && c.product.price > 0 ? c.product.price : undefined),
  rating: (c) => {
    const rating = Number.parseFloat(c.product?.attributes?.['rating'] ?? '');
    return Number.isFinite(rating) ? rating : undefined;
  },
  newness: (c) => c.product?.updatedAtMs,
};

/** One retrieval source's opinion of a candidate (shopsense.retrieval.v1.SourceScore). */
export interface RetrievalHit {
  source: string;
  /** The source's raw score: cosine for vector sources, BM25 for lexical, a count for behaviour sources. */
  score: number;
  /** 0-based rank within the source's list. */
  rank: number;
}

/** Counters of one time window, as the user-state store keeps them. */
export interface WindowCounts {
  impressions: number;
  clicks: number;
  carts: number;
  purchases: number;
}

/** An item's counters in three windows (structurally the user-state store's ItemWindows/ItemStats). */
export interface ItemWindowStats {
  lastHour: WindowCounts;
  last24h: WindowCounts;
  last7d: WindowCounts;
}

/** The product fields features use; every one optional because catalogs may be sparse. */
export interface ProductFields {
  price?: number;
  brand?: string;
  /** Category path, most general first. */
  categoryPath?: readonly string[];
  inStock?: boolean;
  /** Last catalog update, ms since the epoch. */
  updatedAtMs?: number;
  /** Catalog attributes (merchandising rules match on them). */
  attributes?: Readonly<Record<string, string>>;
}

/** Everything known about one candidate item. */
export interface CandidateInput {
  itemId: string;
  /** 0-based position in the fused retrieval list (the no-op ranker serves this order). */
  retrievalRank?: number;
  sources: readonly RetrievalHit[];
  /** The item's document embedding. */
  vector?: Vector;
  product?: ProductFields;
  itemStats?: ItemWindowStats;
  /** This item's counters for the request's query. */
  queryItemStats?: { impressions: number; clicks: number };
  /** Σ over the user's recent items of co-occurrence(recent → this item). */
  coOccurrence?: number;
  /** Fails a filter the query's words asked for: retrieval's in_type source alone proposed it (Candidate.relaxed). */
  relaxed?: boolean;
  /** With a product type: whether retrieval found the item of it (Candidate.of_product_type); unset, the product's category decides. */
  ofType?: boolean;
}

export interface FeatureDefinition {
  /** Stable name: the model's weight key, the logged key, the explanation key. */
  readonly name: string;
  readonly description: string;
  /** The data it reads; the union over all features is what a request must fetch. */
  readonly reads: FeatureReads;
  compute(context: RankingContext, candidate: CandidateInput): number;
}

/** Prior of the smoothed CTRs: 2% worth 50 impressions, the same prior the user-state store uses. */
export const CTR_PRIOR = { rate: 0.02, strength: 50 } as const;
/** Freshness decays with this time constant (days): a month-old update counts e^-1. */
export const FRESHNESS_DAYS = 30;
/** A price this far outside the range (as a fraction of the bound) scores e^-1 on price_fit. */
export const PRICE_FIT_SCALE = 0.25;

const DAY_MS = 86_400_000;
const logit = (p: number) => Math.log(p / (1 - p));

/**
 * Beta-smoothed CTR as log-odds relative to the prior: 0 with no evidence, positive when the item
 * is clicked more than the prior expects. Log-odds (not the raw rate) because a logistic model adds
 * log-odds, and because raw CTRs near 0.02 would need huge weights.
 */
export function smoothedCtrLogOdds(clicks: number, impressions: number, prior: { rate: number; strength: number } = CTR_PRIOR): number {
  const c = Math.max(0, clicks);
  const n = Math.max(c, impressions);
  const rate = (c + prior.rate * prior.strength) / (n + prior.strength);
  return logit(rate) - logit(prior.rate);
}

const engagement = (c: WindowCounts) => c.clicks + 2 * c.carts + 4 * c.purchases;

/** tanh(ln(last hour / hourly average of the last 24 h)), add-one smoothed: 0 as usual, → 1 surging, → -1 cooling. */
export function trendValue(stats: ItemWindowStats): number {
  const ratio = (engagement(stats.lastHour) + 1) / (engagement(stats.last24h) / 24 + 1);
  return Math.tanh(Math.log(ratio));
}

/** 1 inside the range; outside it decays with the relative distance to the violated bound; 0 without a range or a price. */
export function priceFitValue(price: number | undefined, range: { min?: number; max?: number } | undefined): number {
  if (price === undefined || !Number.isFinite(price) || !range || (range.min === undefined && range.max === undefined)) return 0;
  let relativeDistance = 0;
  if (range.min !== undefined && price < range.min) relativeDistance = (range.min - price) / Math.max(range.min, 1);
  if (range.max !== undefined && price > range.max) relativeDistance = (price - range.max) / Math.max(range.max, 1);
  return Math.exp(-relativeDistance / PRICE_FIT_SCALE);
}

/**
 * How well a candidate fits the query's soft preferences on one value: its place within its
 * category (1 the highest price, rating or newness, -1 the lowest), times each boost's strength,
 * plus for "high" and minus for "low" ("cheap" is price low). Summed over the boosts on that
 * field, clamped to [-1, 1]; 0 without a place.
 */
export function preferenceFit(place: number | undefined, field: Preference, boosts: readonly QueryBoost[]): number {
  if (place === undefined) return 0;
  let total = 0;
  for (const boost of boosts) {
    if (boost.field.toLowerCase() !== field) continue;
    const value = boost.value.toLowerCase();
    if (value === 'high') total += boost.weight * place;
    else if (value === 'low') total -= boost.weight * place;
  }
  return clamp(total, -1, 1);
}

/** The preferences the boosts name. */
export function preferencesOf(boosts: readonly QueryBoost[]): Preference[] {
  return (Object.keys(PREFERENCE_VALUES) as Preference[]).filter((p) => boosts.some((b) => b.field.toLowerCase() === p));
}

/**
 * Each candidate's place by a value within its own category among the candidates: 1 for the
 * highest, -1 for the lowest, evenly between, ties sharing their mean place; no place for a
 * candidate without the value or alone in its category with one. Within the category, because
 * "cheap" asks for a cheap one of its kind (a cheap laptop costs more than any pen), and among
 * the candidates, because that is the list the shopper sees ordered.
 */
export function placesWithinCategory(candidates: readonly CandidateInput[], value: (candidate: CandidateInput) => number | undefined): Map<string, number> {
  const groups = new Map<string, { id: string; value: number }[]>();
  for (const candidate of candidates) {
    const v = value(candidate);
    if (v === undefined || !Number.isFinite(v)) continue;
    const key = (candidate.product?.categoryPath ?? []).join('/');
    const group = groups.get(key) ?? [];
    group.push({ id: candidate.itemId, value: v });
    groups.set(key, group);
  }
  const places = new Map<string, number>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    group.sort((a, b) => a.value - b.value);
    for (let start = 0; start < group.length; ) {
      let end = start;
      while (end + 1 < group.length && group[end + 1]!.value === group[start]!.value) end++;
      const place = -1 + ((start + end) / 2) * (2 / (group.length - 1));
      for (let i = start; i <= end; i++) places.set(group[i]!.id, place);
      start = end + 1;
    }
  }
  return places;
}

/**
 * The highest probability among the predicted categories that are the item's category or one of
 * its ancestors ("Shoes/Running Shoes" matches an item in Shoes › Running Shoes › Trail).
 */
export function categoryMatchValue(predicted: RankingContext['queryCategories'], itemPath: readonly string[] | undefined): number {
  if (!predicted?.length || !itemPath?.length) return 0;
  const path = itemPath.join('/');
  let best = 0;
  for (const { path: category, probability } of predicted) {
    if (probability > best && (path === category || path.startsWith(`${category}/`))) best = probability;
  }
  return best;
}


export type ChannelGroup = 'web' | 'app' | 'other';
const WEB_CHANNELS = new Set(['web', 'desktop', 'www', 'mweb', 'm-web', 'mobile-web', 'mobile_web']);
const APP_CHANNELS = new Set(['app', 'ios', 'android', 'ipad', 'mobile-app', 'mobile_app']);

/** Channels grouped for the one-hot features; anything unknown (or empty) is "other". */
export function channelGroup(channel: string): ChannelGroup {
  const normalized = channel.trim().toLowerCase();
  if (WEB_CHANNELS.has(normalized)) return 'web';
  if (APP_CHANNELS.has(normalized)) return 'app';
  return 'other';
}

/** The retrieval sources that get a score and a reciprocal-rank feature (shopsense.retrieval.v1 names). */
export const RETRIEVAL_SOURCES = ['dense', 'lexical', 'user_interest', 'similar', 'co_occurrence', 'popularity'] as const;
export type RetrievalSource = (typeof RETRIEVAL_SOURCES)[number];

/** Raw source scores live on different scales; each is brought to a bounded one. */
const SOURCE_SCORE: Record<RetrievalSource, { transform: (score: number) => number; meaning: string }> = {
  dense: { transform: (s) => clamp(s, -1, 1), meaning: 'cosine to the query embedding' },
  lexical: { transform: (s) => Math.log1p(Math.max(0, s)), meaning: 'log1p of the BM25 score' },
  user_interest: { transform: (s) => clamp(s, -1, 1), meaning: "cosine to the user's interest vector" },
  similar: { transform: (s) => clamp(s, -1, 1), meaning: 'cosine to the seed items' },
  co_occurrence: { transform: (s) => Math.log1p(Math.max(0, s)), meaning: 'log1p of the co-occurrence weight' },
  popularity: { transform: (s) => Math.log1p(Math.max(0, s)), meaning: 'log1p of the popularity count' },
};

const hitOf = (candidate: CandidateInput, source: string): RetrievalHit | undefined => {
  let best: RetrievalHit | undefined;
  for (const hit of candidate.sources) if (hit.source === source && (!best || hit.rank < best.rank)) best = hit;
  return best;
};

function sourceFeatures(source: RetrievalSource): FeatureDefinition[] {
  const { transform, meaning } = SOURCE_SCORE[source];
  return [
    {
      name: `retrieval_${source}_score`,
      description: `The ${source} source's score (${meaning}); 0 when the source did not propose the item.`,
      reads: { retrieval: true },
      compute: (_context, candidate) => {
        const hit = hitOf(candidate, source);
        return hit ? transform(hit.score) : 0;
      },
    },
    {
      name: `retrieval_${source}_rr`,
      description: `Reciprocal rank 1 / (rank + 1) in the ${source} source's list; 0 when absent.`,
      reads: { retrieval: true },
      compute: (_context, candidate) => {
        const hit = hitOf(candidate, source);
        return hit ? 1 / (Math.max(0, hit.rank) + 1) : 0;
      },
    },
  ];
}

const cosineFeature = (name: string, description: string, reads: FeatureReads, userVector: (c: RankingContext) => Vector | undefined): FeatureDefinition => ({
  name,
  description,
  reads,
  compute: (context, candidate) => cosine(userVector(context), candidate.vector),
});

const preferenceFeature = (name: string, preference: Preference, description: string): FeatureDefinition => ({
  name,
  description,
  reads: { query: true, catalog: true },
  compute: (context, candidate) => preferenceFit(context.preferencePlaces?.[preference]?.get(candidate.itemId), preference, context.boosts),
});

/** Every feature, in a fixed order (the order of explanations' ties and of logs). */
export const FEATURES: readonly FeatureDefinition[] = [
  { name: 'bias', description: 'Always 1: the intercept.', reads: {}, compute: () => 1 },
  ...RETRIEVAL_SOURCES.flatMap(sourceFeatures),
  {
    name: 'retrieval_rr',
    description: 'Reciprocal rank 1 / (rank + 1) in the fused retrieval list; 0 when unknown.',
    reads: { retrieval: true },
    compute: (_context, candidate) => (candidate.retrievalRank === undefined ? 0 : 1 / (Math.max(0, candidate.retrievalRank) + 1)),
  },
  cosineFeature('query_item_cosine', "Cosine between the query's and the item's embeddings.", { queryEmbedding: true, itemVectors: true }, (c) => c.queryVector),
  cosineFeature('user_item_cosine_short', "Cosine between the user's short-term interest vector and the item.", { userVectors: true, itemVectors: true }, (c) => c.userShortVector),
  cosineFeature('user_item_cosine_long', "Cosine between the user's long-term interest vector and the item.", { userVectors: true, itemVectors: true }, (c) => c.userLongVector),
  // The same two cosines on query surfaces only (Search, and Rank with a query), where the
  // relevance prior (ftrl.ts) lets a history reorder what the query matches. Apart from the plain
  // ones so that the prior never reaches Recommend, whose candidate order is already tuned.
  cosineFeature('query_user_item_cosine_short', "With a query: the cosine between the user's short-term interest vector and the item (0 without a query).", { userVectors: true, itemVectors: true }, (c) => (c.queryText ? c.userShortVector : undefined)),
  cosineFeature('query_user_item_cosine_long', "With a query: the cosine between the user's long-term interest vector and the item (0 without a query).", { userVectors: true, itemVectors: true }, (c) => (c.queryText ? c.userLongVector : undefined)),
  {
    name: 'co_occurrence',
    description: "log1p of the item's co-occurrence with the user's recent items.",
    reads: { coOccurrence: true, recentItems: true },
    compute: (_context, candidate) => Math.log1p(Math.max(0, candidate.coOccurrence ?? 0)),
  },
  {
    name: 'recently_interacted',
    description: '1 when the user recently viewed, clicked, carted or bought the item.',
    reads: { recentItems: true },
    compute: (context, candidate) => (context.recentItemIds.includes(candidate.itemId) ? 1 : 0),
  },
  {
    name: 'item_ctr',
    description: "Log-odds of the item's 7-day CTR, Beta-smoothed, relative to the prior (0: no evidence).",
    reads: { itemStats: true },
    compute: (_context, candidate) => {
      const week = candidate.itemStats?.last7d;
      return week ? smoothedCtrLogOdds(week.clicks, week.impressions) : 0;
    },
  },
  {
    name: 'query_item_ctr',
    description: "Log-odds of the item's CTR for this query, Beta-smoothed, relative to the prior (0: no evidence).",
    reads: { queryItemStats: true },
    compute: (_context, candidate) => {
      const stats = candidate.queryItemStats;
      return stats ? smoothedCtrLogOdds(stats.clicks, stats.impressions) : 0;
    },
  },
  {
    name: 'popularity',
    description: 'log1p of the 7-day clicks plus purchases.',
    reads: { itemStats: true },
    compute: (_context, candidate) => {
      const week = candidate.itemStats?.last7d;
      return week ? Math.log1p(Math.max(0, week.clicks) + Math.max(0, week.purchases)) : 0;
    },
  },
  {
    name: 'trend',
    description: "tanh(ln(last hour's engagement / the 24-hour hourly average)), in (-1, 1).",
    reads: { itemStats: true },
    compute: (_context, candidate) => (candidate.itemStats ? trendValue(candidate.itemStats) : 0),
  },
  {
    name: 'query_category_match',
    description: "The probability query understanding gives the item's category (or an ancestor of it) for the query: the product type the shopper asked for; 0 without a query or a prediction.",
    reads: { query: true, catalog: true },
    compute: (context, candidate) => categoryMatchValue(context.queryCategories, candidate.product?.categoryPath),
  },
  {
    name: 'price_fit',
    description: 'Price inside the extracted range: 1; outside: decays with the relative distance; 0 without a range.',
    reads: { query: true, catalog: true },
    compute: (context, candidate) => priceFitValue(candidate.product?.price, context.priceFilter),
  },
  preferenceFeature('price_preference_fit', 'price', 'Fit to a "cheap" or "premium" preference from the query: the price\'s place among the candidates of its category, in [-1, 1].'),
  preferenceFeature('rating_preference_fit', 'rating', 'Fit to a "best rated" preference from the query: the rating\'s place among the candidates of its category, in [-1, 1].'),
  preferenceFeature('newness_preference_fit', 'newness', 'Fit to a "new" preference from the query: the last update\'s place among the candidates of its category, in [-1, 1].'),
  {
    name: 'freshness',
    description: `exp(-age in days / ${FRESHNESS_DAYS}) since the last catalog update; 0 when unknown.`,
    reads: { catalog: true, request: true },
    compute: (context, candidate) => {
      const updated = candidate.product?.updatedAtMs;
      if (updated === undefined || !Number.isFinite(updated)) return 0;
      return Math.exp(-Math.max(0, context.nowMs - updated) / DAY_MS / FRESHNESS_DAYS);
    },
  },
  ...(['web', 'app', 'other'] as const).map(
    (group): FeatureDefinition => ({
      name: `channel_${group}`,
      description: `1 when the request comes from the ${group} channel group.`,
      reads: { request: true },
      compute: (context) => (channelGroup(context.channel) === group ? 1 : 0),
    }),
  ),
];

export const FEATURE_NAMES: readonly string[] = FEATURES.map((f) => f.name);

const BY_NAME = new Map(FEATURES.map((f) => [f.name, f]));
export function featureByName(name: string): FeatureDefinition | undefined {
  return BY_NAME.get(name);
}

/** Named feature values of one candidate; a value that is not finite (a bug or bad data) becomes 0. */
export function featureVector(context: RankingContext, candidate: CandidateInput, features: readonly FeatureDefinition[] = FEATURES): Record<string, number> {
  const out: Record<string, number> = {};
  for (const feature of features) {
    const value = feature.compute(context, candidate);
    out[feature.name] = Number.isFinite(value) ? value : 0;
  }
  return out;
}

/** The union of what the features read, in FEATURE_INPUTS order: what the service must fetch for a request. */
export function requiredInputs(features: readonly FeatureDefinition[] = FEATURES): FeatureInput[] {
  const needed = new Set<FeatureInput>();
  for (const feature of features) for (const input of Object.keys(feature.reads) as FeatureInput[]) needed.add(input);
  return FEATURE_INPUTS.filter((input) => needed.has(input));
}

/** The user-state parts a request needs, for the single `readForRanking` call. */
export function userStateReads(features: readonly FeatureDefinition[] = FEATURES): { vectors: boolean; recentItems: boolean; itemStats: boolean; queryItemStats: boolean; coOccurrence: boolean } {
  const inputs = new Set(requiredInputs(features));
  return {
    vectors: inputs.has('userVectors'),
    recentItems: inputs.has('recentItems'),
    itemStats: inputs.has('itemStats'),
    queryItemStats: inputs.has('queryItemStats'),
    coOccurrence: inputs.has('coOccurrence'),
  };
}

/**
 * Experiment feature weights: each named value multiplied by its weight (0 turns a feature off).
 * Applied to the values the model scores, never to the values logged for training: the model must
 * keep learning from the true feature values whatever the variant did with them.
 */
export function applyFeatureWeights(values: Readonly<Record<string, number>>, weights: Readonly<Record<string, number>> | undefined): Record<string, number> {
  const out: Record<string, number> = { ...values };
  if (!weights) return out;
  for (const [name, weight] of Object.entries(weights)) if (name in out) out[name] = out[name] * weight;
  return out;
}

/**
 * Training-only feature: ln(1 + position) of the served position. Clicks depend on position as
 * much as on relevance; learning it as a separate term keeps that bias out of the relevance
 * weights. At serving time it is absent (= position 0), which shifts every score of a list by the
 * same amount, so the order and the softmax are unchanged and probabilities mean "if shown first".
 */
export const POSITION_FEATURE = 'position_log1p';

export function withPosition(values: Readonly<Record<string, number>>, position: number): Record<string, number> {
  return { ...values, [POSITION_FEATURE]: Math.log1p(Math.max(0, position)) };
}
