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
 * namedCategories) weighted up by NAMED_CATEGORY_WEIGHT, best first, at most topK: Bayes' rule
 * with the naming as evidence, so the probabilities stay calibrated (the categories outside the
 * predictions given keep their share of the mass, unnamed). A word of the catalog's own
 * vocabulary is better evidence of the product type than the nearest centroid of the whole
 * query's embedding, which a brand or a colour can pull elsewhere; but only evidence: a named
 * category the model gives nothing stays out.
 */
export function weighNamedCategories(predictions: readonly CategoryPrediction[], named: readonly string[], topK: number): CategoryPrediction[] {
  const isNamed = (p: CategoryPrediction) => named.some((n) => within(p.path, n) || within(n, p.path));
  const namedMass = predictions.reduce((sum, p) => sum + (isNamed(p) ? p.probability : 0), 0);
  if (namedMass <= 0) return predictions.slice(0, topK);
  const total = 1 + (NAMED_CATEGORY_WEIGHT - 1) * namedMass;
  return predictions
    .map((p) => ({ path: p.path, probability: (isNamed(p) ? p.probability * NAMED_CATEGORY_WEIGHT : p.probability) / total }))
    .sort((a, b) => b.probability - a.probability || (a.path < b.path ? -1 : 1))
    .slice(0, topK);
}
