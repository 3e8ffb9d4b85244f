import { CatalogService, EmbeddingKind, EmbeddingService, FusionMethod, QueryUnderstandingService, RetrievalService, type Filters, type ParsedQuery, type Product, type Suggestion } from '@shopsense/contracts';
import { LruCache } from '@shopsense/caching';
import { createGrpcClient, type GrpcClientOptions, type ServiceClient } from '@shopsense/grpc';
import type { CandidateSource, HopOptions, ProductSource, QueryEmbedder, QueryUnderstander, RetrieveCall } from '../application/ranking.ports';

const overrides = (options: HopOptions) => ({ timeoutMs: options.budgetMs, ...(options.signal ? { signal: options.signal } : {}) });

/** QueryUnderstander over the query understanding service's gRPC API. */
export class GrpcQueryUnderstander implements QueryUnderstander {
  private readonly client: ServiceClient<typeof QueryUnderstandingService>;

  constructor(target: string, options: GrpcClientOptions) {
    // One try within the short budget: a retry would not fit, the raw query is the fallback.
    this.client = createGrpcClient(QueryUnderstandingService, target, { ...options, maxRetries: 0 });
  }

  async understand(query: string, localeHint: string, options: HopOptions): Promise<ParsedQuery> {
    const response = await this.client.understand({ query, localeHint }, overrides(options));
    if (!response.parsed) throw new Error('query understanding returned no parsed query');
    return response.parsed;
  }

  async complete(prefix: string, limit: number, options: HopOptions): Promise<Suggestion[]> {
    return (await this.client.complete({ prefix, limit }, overrides(options))).suggestions;
  }

  close(): void {
    this.client.close();
  }
}

/** QueryEmbedder over the embedding service's gRPC API. */
export class GrpcQueryEmbedder implements QueryEmbedder {
  private readonly client: ServiceClient<typeof EmbeddingService>;

  constructor(target: string, options: GrpcClientOptions) {
    this.client = createGrpcClient(EmbeddingService, target, { ...options, maxRetries: 0 });
  }

  async embedQuery(text: string, options: HopOptions): Promise<Float32Array> {
    const response = await this.client.embed({ texts: [text], kind: EmbeddingKind.QUERY }, overrides(options));
    const values = response.embeddings[0]?.values;
    if (!values || values.length === 0) throw new Error('the embedding service returned no vector');
    return Float32Array.from(values);
  }

  close(): void {
    this.client.close();
  }
}

export interface RetrievalCacheOptions {
  /** Item vectors kept (0: none). They change only when the embedding model does. */
  itemVectors: number;
  /** Products kept (0: none), each for at most `productTtlMs`: price and stock changes show after that. */
  products: number;
  productTtlMs: number;
  clock?: () => number;
}

/**
 * CandidateSource and ProductSource over the retrieval service (RetrievalService + CatalogService
 * on one address). Every request ranks a few hundred candidates, mostly the same popular items:
 * their vectors and product records come from local caches, and only the rest is fetched.
 */
export class GrpcRetrieval implements CandidateSource, ProductSource {
  private readonly retrieval: ServiceClient<typeof RetrievalService>;
  private readonly catalog: ServiceClient<typeof CatalogService>;
  private readonly vectorCache: LruCache<string, Float32Array>;
  /** The embedding model version of the cached vectors: another version empties the cache. */
  private vectorModelVersion = '';
  private readonly productCache: LruCache<string, { product: Product; fetchedAt: number }>;
  private readonly clock: () => number;

  constructor(
    target: string,
    options: GrpcClientOptions,
    private readonly cache: RetrievalCacheOptions = { itemVectors: 0, products: 0, productTtlMs: 0 },
  ) {
    this.retrieval = createGrpcClient(RetrievalService, target, options);
    this.catalog = createGrpcClient(CatalogService, target, options);
    this.vectorCache = new LruCache(cache.itemVectors);
    this.productCache = new LruCache(cache.products);
    this.clock = cache.clock ?? Date.now;
  }

  async retrieve(call: RetrieveCall, options: HopOptions) {
    const skip = new Set(call.skipSources);
    const k = (source: string) => ({ [source]: skip.has(source) ? 0 : call.limit });
    const w = call.fusion?.weights ?? {};
    const response = await this.retrieval.retrieve(
      {
        queryText: call.queryText,
        lexicalExpansions: [...(call.lexicalExpansions ?? [])],
        queryVector: call.queryVector ? Array.from(call.queryVector) : [],
        userVector: call.userVector ? Array.from(call.userVector) : [],
        seedItemIds: call.seedItemIds,
        excludeItemIds: call.excludeItemIds,
        ...(call.filters ? { filters: call.filters } : {}),
        limit: call.limit,
        browseCatalog: call.browseCatalog ?? false,
        facets: [...(call.facets ?? [])],
        ...(call.sort !== undefined ? { sort: call.sort } : {}),
        ...(call.productType ? { productType: call.productType } : {}),
        kPerSource: { ...k('dense'), ...k('lexical'), ...k('userInterest'), ...k('similar'), ...k('inType') },
        ...(call.fusion
          ? {
              fusion: {
                method: call.fusion.method === 'weighted' ? FusionMethod.WEIGHTED_SCORE : FusionMethod.RRF,
                rrfK: call.fusion.rrfK ?? 0,
                ...(w['dense'] !== undefined ? { dense: w['dense'] } : {}),
                ...(w['lexical'] !== undefined ? { lexical: w['lexical'] } : {}),
                ...(w['user_interest'] !== undefined ? { userInterest: w['user_interest'] } : {}),
                ...(w['similar'] !== undefined ? { similar: w['similar'] } : {}),
                ...(w['co_occurrence'] !== undefined ? { coOccurrence: w['co_occurrence'] } : {}),
              },
            }
          : {}),
      },
      overrides(options),
    );
    return { candidates: response.candidates, unavailableSources: response.unavailableSources, facets: response.facets, ...(response.totalHits ? { totalHits: response.totalHits } : {}) };
  }

  async similarItems(itemId: string, k: number, filters: Filters | undefined, exclude: string[], options: HopOptions) {
    const response = await this.retrieval.similarItems({ itemId, k, ...(filters ? { filters } : {}), excludeItemIds: exclude }, overrides(options));
    return { candidates: response.candidates, unavailableSources: response.unavailableSources };
  }

  async itemVectors(itemIds: readonly string[], options: HopOptions): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    const missing: string[] = [];
    for (const id of itemIds) {
      const cached = this.vectorCache.get(id);
      if (cached) out.set(id, cached);
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    const fetched = await this.retrieval.getItemVectors({ itemIds: missing }, overrides(options));
    if (fetched.modelVersion !== this.vectorModelVersion) {
      // Vectors of another model are not comparable with these: forget the cached ones.
      const stale = [...out.keys()];
      this.vectorCache.clear();
      this.vectorModelVersion = fetched.modelVersion;
      out.clear();
      if (stale.length > 0) this.keepVectors((await this.retrieval.getItemVectors({ itemIds: stale }, overrides(options))).vectors, out);
    }
    this.keepVectors(fetched.vectors, out);
    return out;
  }

  private keepVectors(vectors: readonly { itemId: string; values: number[] }[], out: Map<string, Float32Array>): void {
    for (const v of vectors) {
      const vector = Float32Array.from(v.values);
      out.set(v.itemId, vector);
      this.vectorCache.set(v.itemId, vector);
    }
  }

  async products(itemIds: readonly string[], options: HopOptions): Promise<Map<string, Product>> {
    const out = new Map<string, Product>();
    const now = this.clock();
    const missing: string[] = [];
    for (const id of itemIds) {
      const cached = this.productCache.get(id);
      if (cached && now - cached.fetchedAt < this.cache.productTtlMs) out.set(id, cached.product);
      else missing.push(id);
    }
    // At most 1,000 ids per call (catalog.proto).
    for (let i = 0; i < missing.length; i += 1000) {
      const response = await this.catalog.batchGetProducts({ productIds: missing.slice(i, i + 1000) }, overrides(options));
      for (const product of response.products) {
        out.set(product.id, product);
        this.productCache.set(product.id, { product, fetchedAt: now });
      }
    }
    return out;
  }

  close(): void {
    this.retrieval.close();
    this.catalog.close();
  }
}
