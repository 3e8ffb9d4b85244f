import type { Contribution } from './ftrl';

/**
 * Readable reasons for a ranked item ("matches 'running shoes'", "similar to items you viewed"),
 * taken from the features that pushed its score up the most and, when the model says nothing (the
 * no-op ranker, an untrained model), from the retrieval sources that proposed it.
 */

export interface ExplanationInput {
  /** The model's terms of this item's score (FtrlModel.contributions). */
  contributions: readonly Contribution[];
  /** Retrieval sources that proposed the item. */
  sources: readonly string[];
  /** The query as the user typed or as corrected; '' for recommendations. */
  queryText: string;
}

export interface ExplanationOptions {
  /** At most this many reasons. */
  maxReasons: number;
  /** Contributions (logits) below this do not make a reason: a nudge is not a reason. */
  minContribution: number;
}

export const DEFAULT_EXPLANATION_OPTIONS: ExplanationOptions = { maxReasons: 3, minContribution: 0.05 };

const QUERY_MAX = 40;

function quoteQuery(query: string): string {
  const text = query.trim().replace(/\s+/g, ' ');
  return `'${text.length > QUERY_MAX ? `${text.slice(0, QUERY_MAX - 1)}…` : text}'`;
}

const SIMILAR = 'similar to items you viewed';
const TOGETHER = 'often chosen with items you viewed';
const POPULAR = 'popular with shoppers';

/** The reason a feature stands for, or undefined for features that explain nothing to a shopper (bias, channel, ranks). */
export function reasonForFeature(feature: string, queryText: string): string | undefined {
  const matchesQuery = queryText.trim().length > 0 ? `matches ${quoteQuery(queryText)}` : undefined;
  if (/^retrieval_(lexical|dense)_/.test(feature) || feature === 'query_item_cosine' || feature === 'query_item_ctr') return matchesQuery;
  if (/^retrieval_(user_interest|similar)_/.test(feature) || feature.startsWith('user_item_cosine') || feature.startsWith('query_user_item_cosine')) return SIMILAR;
  if (feature === 'co_occurrence' || feature.startsWith('retrieval_co_occurrence_')) return TOGETHER;
  if (feature === 'recently_interacted') return 'you looked at this recently';
  if (feature === 'trend') return 'popular right now';
  if (feature === 'popularity' || feature.startsWith('retrieval_popularity_')) return POPULAR;
  if (feature === 'item_ctr') return 'often clicked by shoppers';
  if (feature === 'query_category_match') return queryText.trim() ? `the kind of product ${quoteQuery(queryText)} asks for` : undefined;
  if (feature === 'price_fit') return 'within your price range';
  if (feature === 'price_preference_fit') return 'matches your price preference';
  if (feature === 'rating_preference_fit') return 'among the best rated of its kind';
  if (feature === 'newness_preference_fit') return 'among the newest of its kind';
  if (feature === 'freshness') return 'new arrival';
  return undefined;
}

const SOURCE_FEATURE: Record<string, string> = {
  lexical: 'retrieval_lexical_score',
  dense: 'retrieval_dense_score',
  user_interest: 'retrieval_user_interest_score',
  similar: 'retrieval_similar_score',
  co_occurrence: 'retrieval_co_occurrence_score',
  popularity: 'retrieval_popularity_score',
};

/**
 * Up to maxReasons distinct reasons, strongest first: from positive contributions above the
 * threshold, or, when none qualifies, from the sources in the order given.
 */
export function explainItem(input: ExplanationInput, options: Partial<ExplanationOptions> = {}): string[] {
  const o = { ...DEFAULT_EXPLANATION_OPTIONS, ...options };
  const reasons: string[] = [];
  const add = (reason: string | undefined) => {
    if (reason && !reasons.includes(reason) && reasons.length < o.maxReasons) reasons.push(reason);
  };
  const strongest = input.contributions
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.contribution >= o.minContribution)
    .sort((a, b) => b.c.contribution - a.c.contribution || a.i - b.i);
  for (const { c } of strongest) add(reasonForFeature(c.feature, input.queryText));
  if (reasons.length === 0) for (const source of input.sources) add(SOURCE_FEATURE[source] ? reasonForFeature(SOURCE_FEATURE[source], input.queryText) : undefined);
  return reasons;
}

/**
 * The contributions to show (shopsense.ranking.v1.FeatureContribution): every term with a non-zero
 * contribution, largest magnitude first (ties in model order). Their sum is the score, since zero
 * terms add nothing.
 */
export function visibleContributions(contributions: readonly Contribution[]): Contribution[] {
  return contributions
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.contribution !== 0)
    .sort((a, b) => Math.abs(b.c.contribution) - Math.abs(a.c.contribution) || a.i - b.i)
    .map(({ c }) => c);
}
