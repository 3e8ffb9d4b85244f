import type { CategoryPrediction } from './category-model';

/**
 * How much more likely the model's prediction becomes when the query's head names it (or a
 * category under or above it): a likelihood ratio. Strong enough that "露澜面霜" (0.09 face
 * cream, 0.91 lipstick: the brand sells mostly lipsticks) reads as face cream; weak enough that
 * a category name the model finds implausible for the whole query ("tape" is also a safety
 * barrier's leaf) does not win.
 */
export const NAMED_CATEGORY_WEIGHT = 20;

/** Predictions to weigh: enough that a named category the model ranks low is among them. */
export const NAMED_CATEGORY_CANDIDATES = 20;

const within = (path: string, ancestor: string) => path === ancestor || path.startsWith(`${ancestor}/`);

/**
 * The model's predictions, each category the query's head names (ParsedQueryResult's
 * namedCategories) weighted up by NAMED_CATEGORY_WEIGHT, renormalised, best first, at most topK.
 * A word of the catalog's own vocabulary is better evidence of the product type than the
 * nearest centroid of the whole query's embedding, which a brand or a colour can pull elsewhere;
 * but only evidence: a named category the model gives nothing stays out.
 */
export function weighNamedCategories(predictions: readonly CategoryPrediction[], named: readonly string[], topK: number): CategoryPrediction[] {
  const weighted = predictions.map((p) => ({ path: p.path, weight: named.some((n) => within(p.path, n) || within(n, p.path)) ? p.probability * NAMED_CATEGORY_WEIGHT : p.probability }));
  const total = weighted.reduce((sum, w) => sum + w.weight, 0);
  if (total <= 0) return predictions.slice(0, topK);
  return weighted
    .map(({ path, weight }) => ({ path, probability: weight / total }))
    .sort((a, b) => b.probability - a.probability || (a.path < b.path ? -1 : 1))
    .slice(0, topK);
}
