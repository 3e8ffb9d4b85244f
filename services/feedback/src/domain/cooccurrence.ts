/**
 * Item-to-item co-occurrence increments (integer weights, so counts stay exact):
 * - session: an item new to the session pairs once with each distinct item already in it;
 * - basket: items bought together pair with each other;
 * - purchase sequence: an item bought pairs with the user's last few earlier purchases, more
 *   strongly the closer they are in the sequence, and more strongly forwards (earlier → later:
 *   what people buy next) than backwards.
 * Session and basket pairs are counted alike in both directions (a → b and b → a).
 */
export const SESSION_PAIR_WEIGHT = 1;
export const BASKET_PAIR_WEIGHT = 3;
/**
 * Purchase-sequence weights by distance (the most recent earlier purchase first): earlier → new
 * item, and new item → earlier. Tuned on the validation split of the Amazon Scientific
 * evaluation (docs/evaluation.md): halving with distance and a half-weight backward direction
 * beat equal weights on every earlier purchase by about 0.01 HR@10.
 */
export const PURCHASE_SEQUENCE_FORWARD = [4, 2, 1] as const;
export const PURCHASE_SEQUENCE_BACKWARD = [2, 1, 1] as const;

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

/** Pairs a purchased item with the user's earlier purchases (distinct, most recent first), by distance in the sequence. */
export function purchaseSequencePairs(item: string, earlier: readonly string[]): CooccurrenceIncrement[] {
  const out: CooccurrenceIncrement[] = [];
  const previous = earlier.filter((other) => other !== item).slice(0, PURCHASE_SEQUENCE_FORWARD.length);
  previous.forEach((other, distance) => {
    out.push({ itemId: other, neighbourId: item, weight: PURCHASE_SEQUENCE_FORWARD[distance]! }, { itemId: item, neighbourId: other, weight: PURCHASE_SEQUENCE_BACKWARD[distance]! });
  });
  return out;
}
