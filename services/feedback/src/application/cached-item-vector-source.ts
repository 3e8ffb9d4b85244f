import { LruCache } from '@shopsense/caching';
import type { ItemVectorBatch, ItemVectorLookup, ItemVectorSource } from './item-vector-source.port';

/** At most this many ids per GetItemVectors call (retrieval.proto). */
export const MAX_IDS_PER_CALL = 1000;

/**
 * An LRU in front of the item-vector source. Catalog embeddings change rarely, and a clickstream
 * keeps hitting the same popular items, so most events need no RPC. Items the source does not
 * know are remembered for a short while, so a stream of clicks on an unknown item does not turn
 * into a stream of RPCs. When the model version changes, everything cached is dropped: vectors
 * of two models are never mixed.
 */
export class CachedItemVectorSource implements ItemVectorSource {
  private readonly cache: LruCache<string, Float32Array>;
  private readonly unknown: LruCache<string, number>;
  private modelVersion = '';
  hits = 0;
  misses = 0;

  constructor(
    private readonly source: ItemVectorSource,
    capacity: number,
    private readonly unknownTtlMs = 60_000,
    private readonly clock: () => number = Date.now,
  ) {
    this.cache = new LruCache(capacity);
    this.unknown = new LruCache(Math.max(1, Math.floor(capacity / 10)));
  }

  async getVectors(itemIds: readonly string[], options: ItemVectorLookup = {}): Promise<ItemVectorBatch> {
    return this.lookup(itemIds, options, true);
  }

  private async lookup(itemIds: readonly string[], options: ItemVectorLookup, mayRefetch: boolean): Promise<ItemVectorBatch> {
    const vectors = new Map<string, Float32Array>();
    const wanted: string[] = [];
    const now = this.clock();
    for (const id of new Set(itemIds)) {
      const cached = this.cache.get(id);
      if (cached) {
        vectors.set(id, cached);
        this.hits++;
        continue;
      }
      const unknownUntil = this.unknown.get(id);
      if (unknownUntil !== undefined && unknownUntil > now) continue;
      wanted.push(id);
    }
    if (wanted.length === 0) return { vectors, modelVersion: this.modelVersion };
    this.misses += wanted.length;
    const fetched = await this.fetch(wanted, options);
    // The hits came from the previous model: after a model change they are fetched again below.
    const stale = fetched.modelVersion !== this.modelVersion && vectors.size > 0;
    if (fetched.modelVersion !== this.modelVersion) {
      this.cache.clear();
      this.unknown.clear();
      this.modelVersion = fetched.modelVersion;
    }
    for (const id of wanted) {
      const vector = fetched.vectors.get(id);
      if (vector) {
        this.cache.set(id, vector);
        vectors.set(id, vector);
      } else {
        this.unknown.set(id, now + this.unknownTtlMs);
      }
    }
    // Once only: during a rolling model upgrade replicas may answer with either version.
    if (stale && mayRefetch) return this.lookup(itemIds, options, false);
    if (stale) for (const id of [...vectors.keys()]) if (!fetched.vectors.has(id)) vectors.delete(id);
    return { vectors, modelVersion: this.modelVersion };
  }

  private async fetch(ids: string[], options: ItemVectorLookup): Promise<ItemVectorBatch> {
    const batches: Promise<ItemVectorBatch>[] = [];
    for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL) batches.push(this.source.getVectors(ids.slice(i, i + MAX_IDS_PER_CALL), options));
    const results = await Promise.all(batches);
    const vectors = new Map<string, Float32Array>();
    for (const r of results) for (const [id, v] of r.vectors) vectors.set(id, v);
    return { vectors, modelVersion: results[0]?.modelVersion ?? '' };
  }

  get size(): number {
    return this.cache.size;
  }
}
