import { dot, norm, type Vector } from './vectors';

/**
 * Maximal marginal relevance (Carbonell & Goldstein, 1998) for diverse lists: repeatedly pick the
 * item maximising λ·relevance − (1 − λ)·(max similarity to the items already picked). λ = 1 is
 * pure relevance order; lower λ trades relevance for variety, so ten near-identical phone cases
 * do not fill the first page.
 *
 * Relevances are min-max normalised to [0, 1] within the list first, so λ means the same whether
 * they are probabilities or logits (cosine similarities are already on a comparable scale).
 * Items without a vector are treated as dissimilar to everything (similarity 0): missing data
 * neither promotes nor buries an item. Each pick updates every remaining item's maximum
 * similarity against the one new pick only, so the cost is O(n·k) similarity computations.
 */
export interface MmrItem {
  id: string;
  relevance: number;
  vector?: Vector;
}

/**
 * The items reordered: the first k chosen by MMR, the rest after them in relevance order.
 * The most relevant item always leads. Ties (equal MMR value) go to the item that came first in
 * the input. Throws on λ outside [0, 1].
 */
export function mmrRerank<T extends MmrItem>(items: readonly T[], lambda: number, k: number = items.length): T[] {
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`diversity lambda must be in [0, 1], got ${lambda}`);
  const n = items.length;
  if (n === 0) return [];
  let min = Infinity;
  let max = -Infinity;
  for (const item of items) {
    const r = Number.isFinite(item.relevance) ? item.relevance : -Infinity;
    if (r < min) min = r;
    if (r > max) max = r;
  }
  const relevance = items.map((item) => {
    if (!Number.isFinite(item.relevance)) return 0;
    return max > min ? (item.relevance - min) / (max - min) : 1;
  });
  if (lambda === 1) {
    // Pure relevance: no similarity is needed (the common default, so it costs only a sort).
    return items
      .map((item, i) => ({ item, i }))
      .sort((a, b) => relevance[b.i] - relevance[a.i] || a.i - b.i)
      .map(({ item }) => item);
  }
  const norms = items.map((item) => (item.vector && item.vector.length > 0 ? norm(item.vector) : 0));
  const similarity = (a: number, b: number): number => {
    const va = items[a].vector;
    const vb = items[b].vector;
    if (!va || !vb || va.length !== vb.length || norms[a] === 0 || norms[b] === 0) return 0;
    return dot(va, vb) / (norms[a] * norms[b]);
  };

  const picks = Math.max(0, Math.min(n, Math.floor(k)));
  const maxSimilarity = new Array<number>(n).fill(0);
  const taken = new Array<boolean>(n).fill(false);
  const out: T[] = [];
  for (let step = 0; step < picks; step++) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue;
      // Before the first pick there is nothing to be similar to: the most relevant item leads.
      const value = step === 0 ? relevance[i] : lambda * relevance[i] - (1 - lambda) * maxSimilarity[i];
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    taken[best] = true;
    out.push(items[best]);
    for (let i = 0; i < n; i++) if (!taken[i]) maxSimilarity[i] = Math.max(step === 0 ? -Infinity : maxSimilarity[i], similarity(i, best));
  }
  const rest = items
    .map((item, i) => ({ item, i }))
    .filter(({ i }) => !taken[i])
    .sort((a, b) => relevance[b.i] - relevance[a.i] || a.i - b.i);
  for (const { item } of rest) out.push(item);
  return out;
}
