import type { Candidate, FacetRequest, FacetResult, Filters, HitCount, ParsedQuery, Product, SortOrder, Suggestion } from '@shopsense/contracts';
import type { RankingReadRequest, RankingState } from '@shopsense/user-state';
import type { ScoringModel } from '../domain';

/**
 * What the ranking use cases need from the outside world (conventions §1): each port is one hop of
 * the request path. Every call takes a budget (ms) and the caller's AbortSignal; the adapters cap
 * the budget by the incoming deadline.
 */
export interface HopOptions {
  budgetMs: number;
  signal?: AbortSignal;
}

export interface QueryUnderstander {
  understand(query: string, localeHint: string, options: HopOptions): Promise<ParsedQuery>;
  /** Completions of a typed prefix, best first (QueryUnderstandingService.Complete). */
  complete(prefix: string, limit: number, options: HopOptions): Promise<Suggestion[]>;
}

export interface QueryEmbedder {
  embedQuery(text: string, options: HopOptions): Promise<Float32Array>;
}

export interface RetrieveCall {
  queryText: string;
  /** Synonyms and translations of the query's terms, for the lexical source (RetrieveRequest.lexical_expansions). */
  lexicalExpansions?: readonly string[];
  queryVector?: Float32Array;
  userVector?: Float32Array;
  seedItemIds: string[];
  excludeItemIds: string[];
  filters?: Filters;
  limit: number;
  /** Sources to skip (k = 0), e.g. dense when the query could not be embedded. */
  skipSources: string[];
  fusion?: { method?: 'rrf' | 'weighted'; rrfK?: number; weights?: Partial<Record<string, number>> };
  /** With no query, vector or seed: the catalog's newest in-stock products (source `catalog`). */
  browseCatalog?: boolean;
  /** Facets to count over every product matching the text and filters. */
  facets?: readonly FacetRequest[];
  /** A catalog order (price, newest, rating): every matching product in that order instead of the fused candidates. */
  sort?: SortOrder;
  /** The kind of product asked for: retrieval's in_type source (RetrieveRequest.product_type). */
  productType?: { categoryPath: string; filters: Filters };
}

export interface RetrieveResult {
  candidates: Candidate[];
  unavailableSources: string[];
  /** With `facets` asked for. */
  facets?: FacetResult[];
  totalHits?: HitCount;
}

export interface CandidateSource {
  retrieve(call: RetrieveCall, options: HopOptions): Promise<RetrieveResult>;
  similarItems(itemId: string, k: number, filters: Filters | undefined, exclude: string[], options: HopOptions): Promise<{ candidates: Candidate[]; unavailableSources: string[] }>;
  itemVectors(itemIds: readonly string[], options: HopOptions): Promise<Map<string, Float32Array>>;
}

export interface ProductSource {
  products(itemIds: readonly string[], options: HopOptions): Promise<Map<string, Product>>;
}

/** The part of libs/user-state's UserStateStore the ranker uses. */
export interface RankingStateStore {
  readForRanking(request: RankingReadRequest): Promise<RankingState>;
  logServedList(requestId: string, servedList: Uint8Array, ttlSeconds: number): Promise<void>;
  /** Search analytics: one served search of the normalised query on the UTC day, and whether it found anything. */
  countSearch(day: string, query: string, found: boolean): Promise<void>;
}

/** The model serving now (absent: the no-op ranker), and older promoted versions an experiment may pin. */
export interface ModelProvider {
  current(): ScoringModel | undefined;
  byVersion(version: string): ScoringModel | undefined;
}
