import type { RankedCandidate } from './ranker';

/**
 * The ranked list in another order (a storefront's "sort by"): ascending by `key`, ties in the
 * list's own order, positions numbered again. Scores and click probabilities stay what the model
 * said; only the order changes.
 */
export function reorderRanked(items: readonly RankedCandidate[], key: (item: RankedCandidate) => number): RankedCandidate[] {
  return items
    .map((item, index) => ({ item, index, key: key(item) }))
    .sort((a, b) => (a.key === b.key ? a.index - b.index : a.key < b.key ? -1 : 1))
    .map(({ item }, position) => ({ ...item, position }));
}

/** Best-selling first: 7-day purchases, then 7-day clicks; unknown items count as none. */
export function bestSellingKey(stats: { purchases: number; clicks: number } | undefined): number {
  return stats ? -(stats.purchases * 1e6 + stats.clicks) : 0;
}
