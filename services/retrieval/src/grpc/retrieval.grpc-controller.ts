import { create } from '@bufbuild/protobuf';
import { FiltersSchema, FusionMethod, SortOrder, type FacetRequest, type RetrievalService, type RetrieveRequest } from '@shopsense/contracts';
import type { CatalogOrder } from '../domain/catalog-order';
import type { ServiceImplementation } from '@shopsense/grpc';
import type { FacetCounts, FacetSpec } from '../domain/facets';
import { normalizeFilters } from '../domain/filters';
import type { FusedCandidate } from '../domain/fusion';
import type { RetrievalApplicationService, RetrieveQuery } from '../application/retrieval.service';

/** What a source contributes when the request does not say: enough depth for fusion to matter. */
export const DEFAULTS = {
  limits: { dense: 100, lexical: 100, userInterest: 50, similar: 50, inType: 100 },
  weights: { dense: 1, lexical: 1, userInterest: 0.5, similar: 0.5, inType: 1 },
  rrfK: 60,
  limit: 100,
  facetValues: 10,
} as const;

/** The orders retrieval gives from the catalog; relevance and best-selling are fused as usual. */
const CATALOG_ORDERS: Partial<Record<SortOrder, CatalogOrder>> = {
  [SortOrder.PRICE_ASCENDING]: 'price_ascending',
  [SortOrder.PRICE_DESCENDING]: 'price_descending',
  [SortOrder.NEWEST]: 'newest',
  [SortOrder.RATING]: 'rating',
};

export function toFacetSpec(request: FacetRequest): FacetSpec {
  return {
    field: request.field,
    maxValues: request.maxValues === 0 ? DEFAULTS.facetValues : request.maxValues,
    priceRanges: request.priceRanges.map((r) => ({ ...(r.min !== undefined ? { min: r.min } : {}), ...(r.max !== undefined ? { max: r.max } : {}) })),
  };
}

export const toFacetResult = (facet: FacetCounts) => ({
  field: facet.field,
  distinctValues: facet.distinctValues,
  values: facet.values.map((v) => ({ value: v.value, displayName: v.displayName, count: BigInt(v.count), ...(v.range ? { range: v.range } : {}), depth: v.depth ?? 0 })),
});

export function toRetrieveQuery(request: RetrieveRequest): RetrieveQuery {
  const k = request.kPerSource;
  const w = request.fusion;
  return {
    queryText: request.queryText,
    ...(request.lexicalExpansions.length > 0 ? { lexicalExpansions: request.lexicalExpansions } : {}),
    ...(request.queryVector.length ? { queryVector: Float32Array.from(request.queryVector) } : {}),
    ...(request.userVector.length ? { userVector: Float32Array.from(request.userVector) } : {}),
    seedItemIds: request.seedItemIds,
    excludeItemIds: request.excludeItemIds,
    ...(request.browseCatalog ? { browseCatalog: true } : {}),
    filters: normalizeFilters(request.filters),
    ...(request.productType ? { productType: normalizeFilters({ ...(request.productType.filters ?? create(FiltersSchema)), categoryPath: request.productType.categoryPath }) } : {}),
    limits: {
      dense: k?.dense ?? DEFAULTS.limits.dense,
      lexical: k?.lexical ?? DEFAULTS.limits.lexical,
      userInterest: k?.userInterest ?? DEFAULTS.limits.userInterest,
      similar: k?.similar ?? DEFAULTS.limits.similar,
      inType: k?.inType ?? DEFAULTS.limits.inType,
    },
    weights: {
      dense: w?.dense ?? DEFAULTS.weights.dense,
      lexical: w?.lexical ?? DEFAULTS.weights.lexical,
      userInterest: w?.userInterest ?? DEFAULTS.weights.userInterest,
      similar: w?.similar ?? DEFAULTS.weights.similar,
      inType: w?.inType ?? DEFAULTS.weights.inType,
    },
    fusion: w?.method === FusionMethod.WEIGHTED_SCORE ? 'weighted' : 'rrf',
    rrfK: w?.rrfK && w.rrfK > 0 ? w.rrfK : DEFAULTS.rrfK,
    limit: request.limit > 0 ? request.limit : DEFAULTS.limit,
    ...(request.facets.length > 0 ? { facets: request.facets.map(toFacetSpec) } : {}),
    ...(CATALOG_ORDERS[request.sort] ? { sort: CATALOG_ORDERS[request.sort] } : {}),
  };
}

const toCandidate = (c: FusedCandidate) => ({ itemId: c.id, score: c.score, sources: c.sources, relaxed: c.relaxed ?? false, ofProductType: c.ofProductType ?? false });

/** gRPC transport of RetrievalService. */
export function retrievalGrpcImplementation(service: RetrievalApplicationService, modelVersion: () => string): ServiceImplementation<typeof RetrievalService> {
  return {
    async retrieve(request) {
      const result = await service.retrieve(toRetrieveQuery(request));
      return {
        candidates: result.candidates.map(toCandidate),
        unavailableSources: result.unavailableSources,
        facets: (result.facets ?? []).map(toFacetResult),
        ...(result.totalHits ? { totalHits: { value: BigInt(result.totalHits.value), lexical: result.totalHits.lexical } } : {}),
      };
    },
    async similarItems(request) {
      const candidates = await service.similarItems(request.itemId, request.k > 0 ? request.k : 10, normalizeFilters(request.filters), request.excludeItemIds);
      return { candidates: candidates.map(toCandidate), unavailableSources: [] };
    },
    async getItemVectors(request) {
      const { vectors, missing } = await service.itemVectors(request.itemIds);
      return {
        vectors: request.itemIds.flatMap((id) => {
          const v = vectors.get(id);
          return v ? [{ itemId: id, values: Array.from(v) }] : [];
        }),
        missingItemIds: missing,
        modelVersion: modelVersion(),
      };
    },
  };
}
