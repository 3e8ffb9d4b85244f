/**
 * Quality of ranked lists (used by the snapshot gate and offline evaluations) and the softmax
 * that turns a list's model scores into its click distribution p(y|x) = exp(M(x,y)) / Σ exp(M(x,y')).
 *
 * Every metric takes the relevance labels in ranked order (best-ranked first): 0 is not relevant,
 * greater is more relevant (a click 1, a purchase more, for example).
 */

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
}

/** Discounted cumulative gain with exponential gain: Σ (2^rel − 1) / log2(i + 2) over the top k. */
export function dcgAtK(relevances: readonly number[], k: number): number {
  checkK(k);
  let sum = 0;
  const n = Math.min(k, relevances.length);
  for (let i = 0; i < n; i++) sum += (2 ** Math.max(0, relevances[i]) - 1) / Math.log2(i + 2);
  return sum;
}

/** DCG@k over the DCG@k of the ideal order, in [0, 1]; 0 when the list has nothing relevant. */
export function ndcgAtK(relevances: readonly number[], k: number): number {
  const ideal = dcgAtK([...relevances].sort((a, b) => b - a), k);
  return ideal > 0 ? dcgAtK(relevances, k) / ideal : 0;
}

/** 1 when something relevant is in the top k, else 0. */
export function hitRateAtK(relevances: readonly number[], k: number): number {
  checkK(k);
  const n = Math.min(k, relevances.length);
  for (let i = 0; i < n; i++) if (relevances[i] > 0) return 1;
  return 0;
}

/** 1 / (1-based position of the first relevant item); 0 when none is relevant. */
export function reciprocalRank(relevances: readonly number[]): number {
  const first = relevances.findIndex((r) => r > 0);
  return first < 0 ? 0 : 1 / (first + 1);
}

/** The mean of a metric over lists, skipping lists without any relevant item (they rank nothing); 0 when none is left. */
export function meanOverLists(lists: readonly (readonly number[])[], metric: (relevances: readonly number[]) => number): number {
  const informative = lists.filter((list) => list.some((r) => r > 0));
  if (informative.length === 0) return 0;
  let sum = 0;
  for (const list of informative) sum += metric(list);
  return sum / informative.length;
}

/**
 * softmax(s / T) with the maximum subtracted first, so large scores cannot overflow exp(): the
 * result is finite, in [0, 1] and sums to 1 for any finite scores. Higher temperature flattens.
 */
export function softmax(scores: readonly number[], temperature = 1): number[] {
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new RangeError(`temperature must be a finite number > 0, got ${temperature}`);
  if (scores.length === 0) return [];
  let max = -Infinity;
  for (const s of scores) {
    if (!Number.isFinite(s)) throw new RangeError(`scores must be finite, got ${s}`);
    if (s > max) max = s;
  }
  const exps = scores.map((s) => Math.exp((s - max) / temperature));
  let total = 0;
  for (const e of exps) total += e;
  return exps.map((e) => e / total);
}

/** Indices of `scores` from best to worst; ties keep their input order (a stable, deterministic ranking). */
export function rankOrder(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
}
