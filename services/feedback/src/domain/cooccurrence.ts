/**
 * Item-to-item co-occurrence increments (integer weights, so counts stay exact):
 * - session: an item new to the session pairs once with each distinct item already in it;
 * - basket: items bought together pair with each other;
 * - purchase sequence: an item bought pairs with the user's earlier purchases.
 * Every pair is counted in both directions (a → b and b → a).
 */
export const SESSION_PAIR_WEIGHT = 1;
export const BASKET_PAIR_WEIGHT = 3;
export const PURCHASE_SEQUENCE_WEIGHT = 2;

export interface CooccurrenceIncrement {
  itemId: string;
  neighbourId: string;
  weight: number;
}

export function pairWith(item: string, others: readonly string[], weight: number): CooccurrenceIncrement[] {
  const out: CooccurrenceIncrement[] = [];
  for (const other of others) {
    if (other === item) continue;
    out.push({ itemId: item, neighbourId: other, weight }, { itemId: other, neighbourId: item, weight });
  }
  return out;
}

/** Every unordered pair of distinct items of a basket, both directions. */
export function basketPairs(items: readonly string[]): CooccurrenceIncrement[] {
  const distinct = [...new Set(items)];
  const out: CooccurrenceIncrement[] = [];
  for (let i = 0; i < distinct.length; i++) out.push(...pairWith(distinct[i]!, distinct.slice(i + 1), BASKET_PAIR_WEIGHT));
  return out;
}
