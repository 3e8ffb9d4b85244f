/** A ranked list from one retrieval source. */
export interface SourceList {
  source: string;
  weight: number;
  items: { id: string; score: number }[];
}

export interface FusedCandidate {
  id: string;
  score: number;
  sources: { source: string; score: number; rank: number }[];
  /** Fails the request's filters: proposed by the in_type source only (RetrieveRequest.product_type). */
  relaxed?: boolean;
  /** With a product type: whether the item is of it (Candidate.of_product_type). */
  ofProductType?: boolean;
}

/**
 * Weighted reciprocal-rank fusion: score = Σ weight / (k + rank), rank from 1. Scores of
 * different sources live on different scales (cosine, BM25), ranks do not, which is why RRF
 * is the default way to merge them. Every candidate keeps the sources that proposed it with
 * their own scores and ranks.
 */
export function reciprocalRankFusion(lists: readonly SourceList[], k = 60): FusedCandidate[] {
  const byId = new Map<string, FusedCandidate>();
  for (const list of lists) {
    list.items.forEach((item, index) => {
      const rank = index + 1;
      let candidate = byId.get(item.id);
      if (!candidate) {
        candidate = { id: item.id, score: 0, sources: [] };
        byId.set(item.id, candidate);
      }
      candidate.score += list.weight / (k + rank);
      candidate.sources.push({ source: list.source, score: item.score, rank });
    });
  }
  return [...byId.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}

/**
 * Weighted sum of min-max normalised scores, the alternative when scores are comparable enough
 * to carry more than their order.
 */
export function weightedScoreFusion(lists: readonly SourceList[]): FusedCandidate[] {
  const byId = new Map<string, FusedCandidate>();
  for (const list of lists) {
    const scores = list.items.map((i) => i.score);
    const [min, max] = [Math.min(...scores), Math.max(...scores)];
    list.items.forEach((item, index) => {
      const normalized = max > min ? (item.score - min) / (max - min) : 1;
      let candidate = byId.get(item.id);
      if (!candidate) {
        candidate = { id: item.id, score: 0, sources: [] };
        byId.set(item.id, candidate);
      }
      candidate.score += list.weight * normalized;
      candidate.sources.push({ source: list.source, score: item.score, rank: index + 1 });
    });
  }
  return [...byId.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}
