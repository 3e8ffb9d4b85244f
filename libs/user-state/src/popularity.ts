/**
 * Popular and trending items: one sorted set per event-time day (item → engagement that day),
 * kept to the day's top `popularMax` items and expiring POPULARITY_DAYS after the day ends. A
 * reader adds up the last POPULARITY_DAYS days with weights that halve every
 * POPULARITY_HALF_LIFE_DAYS, so the list follows what is bought and clicked now (trending) while a
 * single day's noise does not dominate it (popular). Both adapters use these functions, so their
 * answers agree to the last digit.
 */
export const POPULARITY_DAYS = 7;
export const POPULARITY_HALF_LIFE_DAYS = 3;

/** Engagement an item counter delta adds to its day: clicks 1, carts 2, purchases 4; impressions nothing. */
export function engagementWeight(delta: { clicks: number; carts: number; purchases: number }): number {
  return Math.max(0, delta.clicks) + 2 * Math.max(0, delta.carts) + 4 * Math.max(0, delta.purchases);
}

/** The days to read and their weights, today first: 2^(-age / half-life). */
export function popularityDays(today: number): { day: number; weight: number }[] {
  return Array.from({ length: POPULARITY_DAYS }, (_, age) => ({ day: today - age, weight: Math.pow(2, -age / POPULARITY_HALF_LIFE_DAYS) }));
}

/** When a day's set expires (unix seconds): POPULARITY_DAYS after the day ends. */
export function popularityExpireAt(day: number): number {
  return (day + 1 + POPULARITY_DAYS) * 86_400;
}

export interface ScoredItem {
  itemId: string;
  score: number;
}

/**
 * Σ over days of weight × the item's score that day, best first, ties by item id (byte order), at
 * most `limit`. `days` is aligned with `weights`; each day's entries may come in any order.
 */
export function combinePopularity(days: readonly (readonly ScoredItem[])[], weights: readonly number[], limit: number): ScoredItem[] {
  const totals = new Map<string, number>();
  days.forEach((entries, d) => {
    const weight = weights[d] ?? 0;
    for (const { itemId, score } of entries) totals.set(itemId, (totals.get(itemId) ?? 0) + weight * score);
  });
  return [...totals]
    .map(([itemId, score]) => ({ itemId, score }))
    .sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0))
    .slice(0, Math.max(0, limit));
}
