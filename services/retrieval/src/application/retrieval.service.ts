import type { Logger } from '@shopsense/observability';
import { RETRIEVE_LIMITS, type Product } from '@shopsense/contracts';
import { AppError, FieldValidator } from '@shopsense/errors';
import type { Bm25Index } from '../domain/bm25-index';
import { sortByCatalogOrder, type CatalogOrder } from '../domain/catalog-order';
import { countFacets, facetItemOf, isFacetField, type FacetCounts, type FacetItem, type FacetSpec } from '../domain/facets';
import type { ItemPayload, NormalizedFilters } from '../domain/filters';
import { matchesFilters, payloadOf } from '../domain/filters';
import { reciprocalRankFusion, weightedScoreFusion, type FusedCandidate, type SourceList } from '../domain/fusion';
import type { CatalogStore } from './catalog-store.port';
import type { Embedder } from './embedder.port';
import type { VectorStore } from './vector-store.port';

export interface RetrieveQuery {
  queryText: string;
  /** Synonyms and translations of the query's terms: the lexical source scores them too (RetrieveRequest.lexical_expansions). */
  lexicalExpansions?: readonly string[];
  queryVector?: Float32Array;
  userVector?: Float32Array;
  seedItemIds: string[];
  excludeItemIds: string[];
  /** With nothing else to go on: in-stock catalog products (source `catalog`), most recently updated first. */
  browseCatalog?: boolean;
  filters: NormalizedFilters;
  /**
   * The kind of product asked for, as the filters of the `in_type` source: the type's category
   * and the filters that hold even for it (see RetrieveRequest.product_type).
   */
  productType?: NormalizedFilters;
  limits: { dense: number; lexical: number; userInterest: number; similar: number; inType: number };
  weights: { dense: number; lexical: number; userInterest: number; similar: number; inType: number };
  fusion: 'rrf' | 'weighted';
  rrfK: number;
  limit: number;
  /** Facets to count over the products that match the text and filters. */
  facets?: readonly FacetSpec[];
  /** Instead of relevance: every matching product in this order (see RetrieveRequest.sort). */
  sort?: CatalogOrder;
}

export interface RetrieveResult {
  candidates: FusedCandidate[];
  unavailableSources: string[];
  /** With `facets` asked for: the counts, and how many products match (see HitCount in common.proto). */
  facets?: FacetCounts[];
  totalHits?: { value: number; lexical: boolean };
}

export const RETRIEVAL_LIMITS = { ...RETRIEVE_LIMITS, maxPerSource: 1_000, maxIds: 1_000, maxQueryChars: 1_024 } as const;

/**
 * Candidate generation: dense (query vector), lexical (BM25F), user interest (the user's
 * vector) and similar items (seed items' vectors), each filtered the same way, fused by
 * reciprocal rank. A source that fails is reported, never fatal: a dead embedding service
 * still leaves lexical results.
 */
export class RetrievalApplicationService {
  private readonly payloads = new WeakMap<Product, ItemPayload>();
  private readonly facetItems = new WeakMap<Product, FacetItem>();

  constructor(
    private readonly catalog: CatalogStore,
    private readonly vectors: VectorStore,
    private readonly lexical: Bm25Index,
    private readonly embedder: Embedder,
    private readonly logger: Logger,
    private readonly dimension: number,
  ) {}

  validate(query: RetrieveQuery): void {
    const v = new FieldValidator()
      .check(query.queryText.length <= RETRIEVAL_LIMITS.maxQueryChars, 'query_text', `must be at most ${RETRIEVAL_LIMITS.maxQueryChars} characters`)
      .check((query.lexicalExpansions?.length ?? 0) <= RETRIEVAL_LIMITS.maxExpansions, 'lexical_expansions', `at most ${RETRIEVAL_LIMITS.maxExpansions}`)
      .check((query.lexicalExpansions ?? []).every((e) => e.length <= RETRIEVAL_LIMITS.maxExpansionChars), 'lexical_expansions', `each at most ${RETRIEVAL_LIMITS.maxExpansionChars} characters`)
      .check(!query.queryVector || query.queryVector.length === this.dimension, 'query_vector', `must have ${this.dimension} dimensions`)
      .check(!query.userVector || query.userVector.length === this.dimension, 'user_vector', `must have ${this.dimension} dimensions`)
      .range(query.limit, 1, RETRIEVAL_LIMITS.maxLimit, 'limit')
      .check(query.seedItemIds.length <= RETRIEVAL_LIMITS.maxIds, 'seed_item_ids', `at most ${RETRIEVAL_LIMITS.maxIds}`)
      .check(query.excludeItemIds.length <= RETRIEVAL_LIMITS.maxIds * 10, 'exclude_item_ids', `at most ${RETRIEVAL_LIMITS.maxIds * 10}`);
    for (const [source, k] of Object.entries(query.limits)) v.range(k, 0, RETRIEVAL_LIMITS.maxPerSource, `k_per_source.${source}`);
    v.check(!!(query.queryText.trim() || query.queryVector || query.userVector || query.seedItemIds.length || query.browseCatalog), 'query_text', 'give a query text, a query vector, a user vector, seed items or browse_catalog');
    v.check(!query.productType || query.productType.categoryPrefix.length > 0, 'product_type.category_path', 'must name at least one category segment');
    validateFacets(v, query.facets ?? []);
    v.throwIfInvalid();
  }

  async retrieve(query: RetrieveQuery): Promise<RetrieveResult> {
    this.validate(query);
    const exclude = new Set(query.excludeItemIds);
    const unavailable: string[] = [];
    const lists: SourceList[] = [];
    const attempt = async (source: string, weight: number, k: number, run: () => Promise<{ id: string; score: number }[]>) => {
      if (k <= 0) return;
      try {
        lists.push({ source, weight, items: await run() });
      } catch (error) {
        unavailable.push(source);
        this.logger.warn({ source, err: error }, 'retrieval source failed');
      }
    };

    const tasks: Promise<void>[] = [];
    if (query.queryText.trim()) {
      const text = query.lexicalExpansions?.length ? [query.queryText, ...query.lexicalExpansions].join(' ') : query.queryText;
      tasks.push(attempt('lexical', query.weights.lexical, query.limits.lexical, async () => this.lexicalSearch(text, query.limits.lexical, query.filters, exclude)));
    }
    if (query.queryVector || query.queryText.trim()) {
      // Embedded at most once, for dense and in_type both.
      let embedded: Promise<Float32Array> | undefined;
      const queryVector = () => (query.queryVector ? Promise.resolve(query.queryVector) : (embedded ??= this.embedder.embedQuery(query.queryText)));
      tasks.push(attempt('dense', query.weights.dense, query.limits.dense, async () => this.vectors.search(await queryVector(), query.limits.dense, query.filters, exclude)));
      const productType = query.productType;
      if (productType && !query.sort) tasks.push(attempt('in_type', query.weights.inType, query.limits.inType, async () => this.vectors.search(await queryVector(), query.limits.inType, productType, exclude)));
    }
    if (query.userVector) {
      const userVector = query.userVector;
      tasks.push(attempt('user_interest', query.weights.userInterest, query.limits.userInterest, () => this.vectors.search(userVector, query.limits.userInterest, query.filters, exclude)));
    }
    if (query.seedItemIds.length > 0) {
      tasks.push(attempt('similar', query.weights.similar, query.limits.similar, () => this.vectors.recommend(query.seedItemIds, [], query.limits.similar, query.filters).then((hits) => hits.filter((h) => !exclude.has(h.id)))));
    }
    const nothingElse = !query.queryText.trim() && !query.queryVector && !query.userVector && query.seedItemIds.length === 0;
    if (query.browseCatalog && nothingElse) lists.push({ source: 'catalog', weight: 1, items: this.browseCatalog(query.limit, query.filters, exclude) });
    await Promise.all(tasks);
    // Keep the source order stable so fused ties break the same way every time.
    const order = ['dense', 'lexical', 'in_type', 'user_interest', 'similar', 'catalog'];
    lists.sort((a, b) => order.indexOf(a.source) - order.indexOf(b.source));
    const fused = this.markProductType(query.fusion === 'weighted' ? weightedScoreFusion(lists) : reciprocalRankFusion(lists, query.rrfK), query.filters, query.productType);
    const wantsFacets = query.facets !== undefined && query.facets.length > 0;
    // Sorting and facets both work on every product that holds every word: found once.
    const matched = (query.sort || wantsFacets) && query.queryText.trim() ? this.lexical.matchAll(query.queryText) : undefined;
    const candidates = query.sort ? this.inCatalogOrder(query, query.sort, matched, fused, exclude) : fused.slice(0, query.limit);
    const result: RetrieveResult = { candidates, unavailableSources: unavailable.sort() };
    if (wantsFacets) Object.assign(result, this.facetsOf(query, query.facets ?? [], matched, candidates, exclude));
    return result;
  }

  /**
   * With a product type, marks each candidate of the type, whichever source found it (ranking
   * lists those first and asks whether any passes the filters), and those only the in_type source
   * proposed that fail the request's filters (relaxed): every other source searched under those
   * filters, in_type under the type's own.
   */
  private markProductType(candidates: FusedCandidate[], filters: NormalizedFilters, productType: NormalizedFilters | undefined): FusedCandidate[] {
    if (!productType) return candidates;
    const type: NormalizedFilters = { categoryPrefix: productType.categoryPrefix, brands: [], attributes: [] };
    for (const candidate of candidates) {
      const stored = this.catalog.get(candidate.id);
      if (!stored) continue;
      const payload = this.payload(stored.product);
      candidate.ofProductType = matchesFilters(payload, type);
      if (candidate.sources.every((s) => s.source === 'in_type') && !matchesFilters(payload, filters)) candidate.relaxed = true;
    }
    return candidates;
  }

  /**
   * The products a sort or the facets work on: those holding every word of the text (the lexical
   * index's conjunctive match; with no searchable word, the whole catalog), or, when none holds
   * every word (a Chinese query over English titles), the candidates by meaning (`lexical`
   * false). Excluded items are left out.
   */
  private *matchingProducts(matched: readonly string[] | undefined, fallback: readonly { id: string }[], exclude: ReadonlySet<string>): Generator<Product> {
    if (matched === undefined) {
      for (const { product } of this.catalog.all()) if (!exclude.has(product.id)) yield product;
      return;
    }
    for (const id of matched.length > 0 ? matched : fallback.map((c) => c.id)) {
      const product = exclude.has(id) ? undefined : this.catalog.get(id)?.product;
      if (product) yield product;
    }
  }

  /**
   * Facet counts over the matching products (matchingProducts), each counted with every filter
   * but its own (so relaxed in_type candidates, when the candidates stand in, count only where
   * they pass); `lexical` says whether the products were the text's matches or the candidates.
   */
  private facetsOf(query: RetrieveQuery, specs: readonly FacetSpec[], matched: readonly string[] | undefined, candidates: readonly FusedCandidate[], exclude: ReadonlySet<string>): Pick<RetrieveResult, 'facets' | 'totalHits'> {
    const items = (function* (service: RetrievalApplicationService) {
      for (const product of service.matchingProducts(matched, candidates, exclude)) yield service.facetItem(product);
    })(this);
    const { facets, total } = countFacets(items, query.filters, specs);
    return { facets, totalHits: { value: total, lexical: matched === undefined || matched.length > 0 } };
  }

  /**
   * The matching products (matchingProducts) that pass the filters, in the catalog order asked
   * for, up to the limit: the cheapest match first even when relevance would rank it low.
   */
  private inCatalogOrder(query: RetrieveQuery, order: CatalogOrder, matched: readonly string[] | undefined, fused: readonly FusedCandidate[], exclude: ReadonlySet<string>): FusedCandidate[] {
    const products: Product[] = [];
    for (const product of this.matchingProducts(matched, fused, exclude)) if (matchesFilters(this.payload(product), query.filters)) products.push(product);
    return sortByCatalogOrder(products, order)
      .slice(0, query.limit)
      .map((product, i) => ({ id: product.id, score: 1 / (i + 1), sources: [{ source: 'sorted', score: 1 / (i + 1), rank: i + 1 }] }));
  }


  private facetItem(product: Product): FacetItem {
    let item = this.facetItems.get(product);
    if (!item) this.facetItems.set(product, (item = facetItemOf(this.payload(product), product)));
    return item;
  }

  /** The filterable fields of a product, normalised once per version of it (a new upsert is a new object). */
  private payload(product: Product): ItemPayload {
    let payload = this.payloads.get(product);
    if (!payload) this.payloads.set(product, (payload = payloadOf(product)));
    return payload;
  }

  /**
   * In-stock products under the filters, most recently updated first (those without a time last,
   * in catalog order). One pass over the catalog: this serves lists nothing else can fill, not
   * the request path of an established shop. Score: the update time in days since the epoch.
   */
  browseCatalog(k: number, filters: NormalizedFilters, exclude: ReadonlySet<string>): { id: string; score: number }[] {
    const found: { id: string; updatedMs: number; order: number }[] = [];
    let order = 0;
    for (const { product } of this.catalog.all()) {
      order += 1;
      if (!product.inStock || exclude.has(product.id) || !matchesFilters(payloadOf(product), filters)) continue;
      const updatedMs = product.updatedAt ? Number(product.updatedAt.seconds) * 1000 + product.updatedAt.nanos / 1e6 : -Infinity;
      found.push({ id: product.id, updatedMs, order });
    }
    found.sort((a, b) => b.updatedMs - a.updatedMs || a.order - b.order);
    return found.slice(0, k).map((f) => ({ id: f.id, score: Number.isFinite(f.updatedMs) ? f.updatedMs / 86_400_000 : 0 }));
  }

  lexicalSearch(text: string, k: number, filters: NormalizedFilters, exclude: ReadonlySet<string>) {
    return this.lexical.search(text, k, (id) => {
      if (exclude.has(id)) return false;
      const stored = this.catalog.get(id);
      return stored !== undefined && matchesFilters(this.payload(stored.product), filters);
    });
  }

  async similarItems(itemId: string, k: number, filters: NormalizedFilters, excludeIds: string[]): Promise<FusedCandidate[]> {
    new FieldValidator().required(itemId, 'item_id').range(k, 1, RETRIEVAL_LIMITS.maxLimit, 'k').throwIfInvalid();
    if (!this.catalog.get(itemId)) throw AppError.notFound(`product '${itemId}'`);
    const exclude = new Set(excludeIds);
    const hits = (await this.vectors.recommend([itemId], [], k + exclude.size, filters)).filter((h) => !exclude.has(h.id)).slice(0, k);
    return hits.map((h, i) => ({ id: h.id, score: h.score, sources: [{ source: 'similar', score: h.score, rank: i + 1 }] }));
  }

  async itemVectors(ids: readonly string[]): Promise<{ vectors: Map<string, Float32Array>; missing: string[] }> {
    new FieldValidator()
      .check(ids.length > 0, 'item_ids', 'must contain at least one id')
      .check(ids.length <= RETRIEVAL_LIMITS.maxIds, 'item_ids', `must contain at most ${RETRIEVAL_LIMITS.maxIds} ids`)
      .throwIfInvalid();
    const vectors = await this.vectors.getVectors(ids);
    return { vectors, missing: ids.filter((id) => !vectors.has(id)) };
  }
}

function validateFacets(v: FieldValidator, facets: readonly FacetSpec[]): void {
  v.check(facets.length <= RETRIEVAL_LIMITS.maxFacets, 'facets', `at most ${RETRIEVAL_LIMITS.maxFacets}`);
  facets.forEach((facet, i) => {
    v.check(isFacetField(facet.field), `facets[${i}].field`, 'must be brand, category_path, price, in_stock or attributes.<name>')
      .range(facet.maxValues, 1, RETRIEVAL_LIMITS.maxFacetValues, `facets[${i}].max_values`)
      .check(facet.priceRanges.length <= RETRIEVAL_LIMITS.maxPriceRanges, `facets[${i}].price_ranges`, `at most ${RETRIEVAL_LIMITS.maxPriceRanges}`);
    facet.priceRanges.forEach((range, j) => {
      const { min, max } = range;
      v.check((min !== undefined || max !== undefined) && (min === undefined || (Number.isFinite(min) && min >= 0)) && (max === undefined || (Number.isFinite(max) && max >= 0)) && (min === undefined || max === undefined || min < max), `facets[${i}].price_ranges[${j}]`, 'needs a bound; bounds must be non-negative numbers with min < max');
    });
  });
}
