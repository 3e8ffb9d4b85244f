import type { InterestVector } from '@shopsense/user-state';

/**
 * Interest vectors are weighted means of the embeddings of items a user engaged with. The weight
 * behind the mean decays with a half-life (event time), and is capped, so the newest event always
 * moves the mean by at least weight / (cap + weight): the short-term vector follows the session
 * quickly, the long-term one (long half-life, high cap) drifts slowly.
 */
export interface DecayPolicy {
  halfLifeSeconds: number;
  maxWeight: number;
}

export function decayedWeight(weight: number, elapsedSeconds: number, halfLifeSeconds: number): number {
  if (elapsedSeconds <= 0) return weight;
  return weight * Math.pow(0.5, elapsedSeconds / halfLifeSeconds);
}

/**
 * Folds one item embedding into an interest vector. `elapsedSeconds` since the vector's last
 * update. With `inPlace`, the current vector's array is reused (the caller owns it: the planner
 * works on its own decoded copy, and this runs for every engagement event); otherwise pure.
 */
export function blendInterest(current: InterestVector | null, item: Float32Array, eventWeight: number, elapsedSeconds: number, policy: DecayPolicy, inPlace = false): InterestVector {
  // slice() copies the typed array directly; Float32Array.from would walk it as an iterable.
  if (!current || current.values.length !== item.length || current.weight <= 0) return { values: item.slice(), weight: eventWeight };
  const prior = Math.min(policy.maxWeight, decayedWeight(current.weight, elapsedSeconds, policy.halfLifeSeconds));
  const total = prior + eventWeight;
  const values = inPlace ? current.values : new Float32Array(item.length);
  const a = prior / total;
  const b = eventWeight / total;
  for (let i = 0; i < item.length; i++) values[i] = a * current.values[i]! + b * item[i]!;
  return { values, weight: total };
}
