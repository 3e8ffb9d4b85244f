import type { ItemPayload, NormalizedFilters } from '../domain/filters';

export interface VectorPoint {
  id: string;
  /** L2-normalised document embedding. */
  vector: Float32Array;
  payload: ItemPayload;
}

export interface VectorHit {
  id: string;
  /** Cosine similarity to the query vector. */
  score: number;
}

/**
 * The vector store port (conventions §2): the embedded on-disk index by default, Qdrant in
 * production. Both run one contract suite, so filters and scores mean the same in each.
 */
export interface VectorStore {
  readonly kind: 'embedded' | 'qdrant';
  /**
   * Idempotent set-up for `dimension`-d vectors made by the model `modelVersion` (collection,
   * indexes, files). Afterwards the store holds vectors of that version only: one that held
   * another version's starts empty for this one, and the caller embeds the catalog again.
   */
  init(dimension: number, modelVersion: string): Promise<void>;
  /**
   * Once the caller has filled the store (every catalog product embedded): makes it the index that
   * readers of the shared name see. Qdrant moves its alias to this version's collection in one
   * atomic step; the embedded index has no other readers.
   */
  publish(): Promise<void>;
  upsert(points: readonly VectorPoint[]): Promise<void>;
  delete(ids: readonly string[]): Promise<void>;
  /** Nearest items to `vector` among those passing `filters`, best first. */
  search(vector: Float32Array, k: number, filters: NormalizedFilters, excludeIds?: ReadonlySet<string>): Promise<VectorHit[]>;
  /** Items like the positive examples and unlike the negative ones (similar items). */
  recommend(positiveIds: readonly string[], negativeIds: readonly string[], k: number, filters: NormalizedFilters): Promise<VectorHit[]>;
  getVectors(ids: readonly string[]): Promise<Map<string, Float32Array>>;
  count(): Promise<number>;
  /** Makes everything written so far durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}


/**
 * The query vector of a recommendation: the mean of the positive examples minus half the
 * mean of the negative ones (Qdrant's "average_vector" strategy), normalised. Shared so both
 * adapters recommend the same way.
 */
export function recommendationVector(positives: readonly Float32Array[], negatives: readonly Float32Array[]): Float32Array | undefined {
  if (positives.length === 0) return undefined;
  const dimension = positives[0]!.length;
  const out = new Float32Array(dimension);
  for (const v of positives) for (let i = 0; i < dimension; i++) out[i]! += v[i]! / positives.length;
  for (const v of negatives) for (let i = 0; i < dimension; i++) out[i]! -= (0.5 * v[i]!) / negatives.length;
  let norm = 0;
  for (let i = 0; i < dimension; i++) norm += out[i]! * out[i]!;
  norm = Math.sqrt(norm);
  if (norm > 1e-12) for (let i = 0; i < dimension; i++) out[i]! /= norm;
  return out;
}
