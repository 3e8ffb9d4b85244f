/**
 * The kind of product a search asks for, and how each result matches it (issue 26: results of
 * the type come before anything else). Query understanding predicts categories with
 * probabilities; the type is the deepest category that holds, with what lies under it, at least
 * PRODUCT_TYPE_MIN_PROBABILITY: "running shoes" is Shoes/Running Shoes, "shoes" spread over
 * running shoes, sneakers and boots is Shoes, and "gift" spread everywhere is no type at all.
 */

/**
 * High, because a wrong type puts every right product after the wrong kind: on the Amazon
 * catalog the model gave "3d printer filament" to 3D Printers at 0.74. A category the query's
 * last product word names is weighted up by query understanding and lands above it; the model
 * alone reaches it only when it is sure ("glass beaker" 1.00, "thermometer" 1.00). Measured by
 * eval:search and eval:relevance.
 */
export const PRODUCT_TYPE_MIN_PROBABILITY = 0.9;

/** How a result matches the type: SearchResponse's MatchQuality. */
export type MatchQuality = 'exact' | 'relaxed' | 'other_type';

/** Lists hold the exact matches first, then the relaxed ones, then the other types. */
const GROUP_ORDER: readonly MatchQuality[] = ['exact', 'relaxed', 'other_type'];

const segmentsOf = (path: string) =>
  path
    .split('/')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

const key = (segment: string) => segment.normalize('NFKC').toLowerCase();

/** The product type of predicted categories (paths "A/B/C" with probabilities), or undefined. */
export function productTypeOf(categories: readonly { path: string; probability: number }[] | undefined, minProbability = PRODUCT_TYPE_MIN_PROBABILITY): string[] | undefined {
  const mass = new Map<string, { segments: string[]; probability: number }>();
  for (const { path, probability } of categories ?? []) {
    const segments = segmentsOf(path);
    for (let depth = 1; depth <= segments.length; depth++) {
      const prefix = segments.slice(0, depth);
      const id = prefix.map(key).join('/');
      const entry = mass.get(id) ?? { segments: prefix, probability: 0 };
      entry.probability += probability;
      mass.set(id, entry);
    }
  }
  let best: { segments: string[]; probability: number } | undefined;
  for (const entry of mass.values()) {
    if (entry.probability < minProbability) continue;
    if (!best || entry.segments.length > best.segments.length || (entry.segments.length === best.segments.length && entry.probability > best.probability)) best = entry;
  }
  return best?.segments;
}

/** Whether a product's category is the type or under it. */
export function isOfType(type: readonly string[], categoryPath: readonly string[] | undefined): boolean {
  if (!categoryPath || categoryPath.length < type.length) return false;
  return type.every((segment, i) => key(segment) === key(categoryPath[i]?.trim() ?? ''));
}

/**
 * A result's match: of the type or not (as retrieval judged it, `ofType`, or else by its
 * category), and (of the type) whether it fails a filter from the query's words.
 */
export function matchQuality(type: readonly string[], categoryPath: readonly string[] | undefined, relaxed: boolean, ofType?: boolean): MatchQuality {
  if (!(ofType ?? isOfType(type, categoryPath))) return 'other_type';
  return relaxed ? 'relaxed' : 'exact';
}

/**
 * Items grouped by match (exact, relaxed, other types), each group in the order `order` gives it:
 * relevance and diversity decide within a group, never across groups.
 */
export function orderByMatch<T>(items: readonly T[], matchOf: (item: T) => MatchQuality, order: (items: T[]) => T[]): T[] {
  const groups: Record<MatchQuality, T[]> = { exact: [], relaxed: [], other_type: [] };
  for (const item of items) groups[matchOf(item)].push(item);
  return GROUP_ORDER.flatMap((match) => (groups[match].length === 0 ? [] : order(groups[match])));
}
