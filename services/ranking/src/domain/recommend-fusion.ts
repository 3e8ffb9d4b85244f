import { cosine, type Vector } from './vectors';

/**
 * Recommend's candidate generation, purely: behaviour candidates (the co-occurring items of the
 * user's recent items, or of the anchor items on an item or cart page), content candidates (what
 * retrieval found near the user's interest vector and the seed items) and popular/trending items
 * are fused into one list, scored by
 *
 *   w_co · ln(1 + Σ_k decay^k · co(seed_k → item))  +  w_sim · cosine(reference, item)  +  w_pop · ln(1 + popularity)
 *
 * where seed_k is the k-th most recent seed and the reference vector is the user's current
 * interest (short-term vector, else long-term) or, with anchors, their mean. Co-occurrence is the
 * strongest evidence of what comes next; similarity ranks within and beyond it (and carries users
 * whose items have no co-occurrence yet). Items only the popularity source proposed come after
 * every personal candidate, best first: the whole list for cold users, a fallback for the others
 * (so one shopper's clicks never reorder another's personal list; w_pop, 0 by default, lets an
 * experiment mix popularity into the personal candidates' scores). The fused order is what the
 * no-op (or untrained) ranker serves; every source's score and rank also travel as features, so a
 * trained model can re-weigh them.
 */

export interface ScoredItem {
  itemId: string;
  score: number;
}

export interface SourceHit {
  source: string;
  score: number;
  /** 0-based rank within the source's list. */
  rank: number;
}

export interface FusionCandidate {
  itemId: string;
  sources: readonly SourceHit[];
}

export interface RecommendFusionWeights {
  cooccurrence: number;
  similarity: number;
  popularity: number;
  /** Weight of the k-th most recent seed: decay^k. */
  seedRecencyDecay: number;
}

/**
 * Tuned on the validation split of the Amazon Scientific evaluation (docs/evaluation.md; an
 * embedding cosine spans about 0.7 to 0.95 there, so similarity needs a weight of this size to
 * count as much as a few co-occurrences; mixing popularity in moved HR@10 by under 0.001). The
 * test split was never used to choose them.
 */
export const DEFAULT_RECOMMEND_FUSION: RecommendFusionWeights = { cooccurrence: 1, similarity: 16, popularity: 0, seedRecencyDecay: 0.7 };

/** How many of each source Recommend asks for. */
export const RECOMMEND_SOURCES = { seeds: 10, neighboursPerSeed: 50, popular: 100 } as const;

export const CO_OCCURRENCE_SOURCE = 'co_occurrence';
export const POPULARITY_SOURCE = 'popularity';

/**
 * Σ over seeds (most recent first) of decay^k × the seed's co-occurrence weight with each item,
 * best first (ties by item id); items in `exclude` and the seeds themselves are left out.
 */
export function cooccurrenceCandidates(neighbours: readonly { seedId: string; items: readonly ScoredItem[] }[], decay: number, exclude: ReadonlySet<string> = new Set()): ScoredItem[] {
  const seeds = new Set(neighbours.map((n) => n.seedId));
  const totals = new Map<string, number>();
  neighbours.forEach(({ items }, k) => {
    const weight = Math.pow(decay, k);
    for (const { itemId, score } of items) {
      if (exclude.has(itemId) || seeds.has(itemId) || !(score > 0)) continue;
      totals.set(itemId, (totals.get(itemId) ?? 0) + weight * score);
    }
  });
  return byScore([...totals].map(([itemId, score]) => ({ itemId, score })));
}

/** The mean of the vectors given (undefined when none is known). */
export function meanVector(vectors: readonly (Vector | undefined)[]): Float32Array | undefined {
  const known = vectors.filter((v): v is Vector => v !== undefined && v.length > 0);
  if (known.length === 0) return undefined;
  const dimension = known[0]!.length;
  const mean = new Float32Array(dimension);
  for (const v of known) {
    if (v.length !== dimension) continue;
    for (let i = 0; i < dimension; i++) mean[i]! += v[i]! / known.length;
  }
  return mean;
}

export interface FusionInput {
  /** Behaviour candidates, best first (cooccurrenceCandidates). */
  cooccurrence: readonly ScoredItem[];
  /** Retrieval's fused candidates in its order, with their own source hits. */
  retrieved: readonly FusionCandidate[];
  /** Popular items, best first. */
  popular: readonly ScoredItem[];
  /** The vector similarity is measured against; absent: similarity counts for nothing. */
  reference?: Vector;
  /** Item vectors (candidates without one get the lowest similarity seen). */
  vectors: ReadonlyMap<string, Vector>;
  exclude: ReadonlySet<string>;
  weights?: RecommendFusionWeights;
  limit: number;
}

export interface FusedRecommendation {
  itemId: string;
  /** The fusion score (see the module comment). */
  score: number;
  sources: SourceHit[];
}

/** Every candidate once: personal ones by the fusion score, then popularity-only ones by popularity (ties: the order sources listed them); at most `limit`. */
export function fuseRecommendations(input: FusionInput): FusedRecommendation[] {
  const weights = input.weights ?? DEFAULT_RECOMMEND_FUSION;
  const entries = new Map<string, { itemId: string; order: number; sources: SourceHit[]; co: number; pop: number; personal: boolean }>();
  const entry = (itemId: string) => {
    let e = entries.get(itemId);
    if (!e) {
      e = { itemId, order: entries.size, sources: [], co: 0, pop: 0, personal: false };
      entries.set(itemId, e);
    }
    return e;
  };
  input.cooccurrence.forEach(({ itemId, score }, rank) => {
    if (input.exclude.has(itemId)) return;
    const e = entry(itemId);
    e.co = score;
    e.personal = true;
    e.sources.push({ source: CO_OCCURRENCE_SOURCE, score, rank });
  });
  for (const candidate of input.retrieved) {
    if (input.exclude.has(candidate.itemId)) continue;
    const e = entry(candidate.itemId);
    e.personal = true;
    e.sources.push(...candidate.sources);
  }
  input.popular.forEach(({ itemId, score }, rank) => {
    if (input.exclude.has(itemId)) return;
    const e = entry(itemId);
    e.pop = score;
    e.sources.push({ source: POPULARITY_SOURCE, score, rank });
  });

  const all = [...entries.values()];
  const similarity = new Map<string, number>();
  if (input.reference) {
    for (const e of all) {
      const vector = input.vectors.get(e.itemId);
      if (vector) similarity.set(e.itemId, cosine(input.reference, vector));
    }
  }
  const floor = similarity.size > 0 ? Math.min(...similarity.values()) : 0;
  const scored = all.map((e) => ({
    itemId: e.itemId,
    order: e.order,
    personal: e.personal,
    sources: e.sources,
    // Popularity-only items: by popularity, after the personal ones.
    score: e.personal ? weights.cooccurrence * Math.log1p(e.co) + weights.similarity * (similarity.get(e.itemId) ?? floor) + weights.popularity * Math.log1p(e.pop) : Math.log1p(e.pop),
  }));
  scored.sort((a, b) => Number(b.personal) - Number(a.personal) || b.score - a.score || a.order - b.order);
  return scored.slice(0, Math.max(0, input.limit)).map(({ itemId, score, sources }) => ({ itemId, score, sources }));
}

function byScore(items: ScoredItem[]): ScoredItem[] {
  return items.sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
}
