import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  CandidateSchema,
  FiltersSchema,
  MatchQuality as ProtoMatchQuality,
  RETRIEVE_LIMITS,
  SortOrder,
  type Candidate,
  type Filters,
  type ParsedQuery,
  type Product,
  type RankedItemSchema,
  type RankRequest,
  type RankResponseSchema,
  type RecommendRequest,
  type RecommendResponseSchema,
  type SearchRequest,
  type SearchResponseSchema,
  type Suggestion,
  type SuggestRequest,
  type SuggestResponseSchema,
  type TrainingExampleSchema,
} from '@shopsense/contracts';
import type { Logger, ServiceMetrics } from '@shopsense/observability';
import { Histogram } from 'prom-client';
import { encodeServedList, normalizeQuery, queryDigest, type Pseudonymizer, type RankingReadRequest, type RankingState } from '@shopsense/user-state';
import {
  assignExperiments,
  cooccurrenceCandidates,
  dayOf,
  decodePageToken,
  DEFAULT_RECOMMEND_FUSION,
  fuseRecommendations,
  meanVector,
  RECOMMEND_SOURCES,
  type RecommendFusionWeights,
  DegradationReport,
  bestSellingKey,
  encodePageToken,
  filterRelaxations,
  isOfType,
  MAX_PAGE_OFFSET,
  parseCategoryPrefix,
  PRODUCT_TYPE_MIN_PROBABILITY,
  productTypeOf,
  pinnedItemIds,
  rankCandidates,
  reorderRanked,
  requestFingerprint,
  WARM_UP_CHANNEL,
  type Assignment,
  type BusinessRules,
  type CandidateInput,
  type ProductFields,
  type ExperimentsConfig,
  type MatchQuality,
  type PageTokenKey,
  type RankedCandidate,
  type RankingContext,
  type RelaxedFilter,
  type RuleContext,
  type Surface,
  type VariantParams,
} from '../domain';
import { mergeSuggestions } from './past-query-suggestions';
import type { CandidateSource, ModelProvider, ProductSource, QueryEmbedder, QueryUnderstander, RankingStateStore, RetrieveCall, RetrieveResult } from './ranking.ports';

export interface RankingSettings {
  budgets: { queryUnderstanding: number; embedding: number; retrieval: number; catalog: number; userState: number };
  /** Candidates retrieved and ranked per request. */
  candidates: number;
  servedListTtlSeconds: number;
  /** Default MMR λ (1: no diversification); an experiment variant may override it. */
  diversityLambda: number;
  /** Least probability of a category to be the search's product type (domain/product-type.ts); 0: never; default 0.9. */
  productTypeMinProbability?: number;
  /** Current key first. */
  pageTokenKeys: readonly PageTokenKey[];
  /** Recommend's fusion of co-occurrence, similarity and popularity; default DEFAULT_RECOMMEND_FUSION. */
  recommendFusion?: RecommendFusionWeights;
}

export interface RankingDependencies {
  understander?: QueryUnderstander;
  embedder?: QueryEmbedder;
  candidates: CandidateSource;
  catalog: ProductSource;
  state: RankingStateStore;
  pseudonymizer: Pseudonymizer;
  models: ModelProvider;
  experiments: () => ExperimentsConfig;
  rules: () => BusinessRules;
  /** Suggestions from past queries that led to clicks; absent: the catalog's only. */
  pastQueries?: { complete(prefix: string, limit: number): Suggestion[] };
  /** Called once per served response with its assignments (exposure counting). */
  onServed?: (assignments: readonly Assignment[], surface: Surface) => void;
  settings: RankingSettings;
  logger: Logger;
  metrics: ServiceMetrics;
  clock?: () => number;
}

export interface CallInfo {
  requestId: string;
  signal?: AbortSignal;
}

/** The orders retrieval gives from the catalog (every match, sorted there); the others are ranking's. */
const CATALOG_ORDERS: ReadonlySet<SortOrder> = new Set([SortOrder.PRICE_ASCENDING, SortOrder.PRICE_DESCENDING, SortOrder.NEWEST, SortOrder.RATING]);

/** Suggest's limit when the request gives none (as query understanding's Complete). */
const DEFAULT_SUGGESTIONS = 10;

type RankedItemInit = MessageInitShape<typeof RankedItemSchema>;

/**
 * Wall time per stage of a request (query: understand ∥ embed ∥ profile; retrieve; fetch:
 * products ∥ vectors ∥ user state; score: features, model, re-ranking), so an operator can see
 * where a slow Search spends its time. One histogram per registry: several application services
 * in one process (tests) share it.
 */
function stageHistogram(metrics: ServiceMetrics): Histogram<'surface' | 'stage'> {
  const existing = metrics.registry.getSingleMetric('ranking_stage_seconds') as Histogram<'surface' | 'stage'> | undefined;
  return (
    existing ??
    new Histogram({
      name: 'ranking_stage_seconds',
      help: 'Wall time of each stage of a Search, Recommend or Rank request (stages run one after another; the hops inside a stage run in parallel).',
      labelNames: ['surface', 'stage'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [metrics.registry],
    })
  );
}

const EMPTY_STATE: RankingState = { profile: null, recent: { views: [], clicks: [], carts: [], purchases: [], session: [] }, items: {}, queryItems: {}, cooccurrence: {} };

/** Request filters AND query-extracted filters: the narrower of each. */
export function mergeFilters(requested: Filters | undefined, extracted: Filters | undefined): Filters | undefined {
  if (!extracted) return requested;
  if (!requested) return extracted;
  const brands = requested.brands.length > 0 ? requested.brands : extracted.brands;
  const min = [requested.price?.min, extracted.price?.min].filter((v): v is number => v !== undefined);
  const max = [requested.price?.max, extracted.price?.max].filter((v): v is number => v !== undefined);
  return create(FiltersSchema, {
    categoryPath: requested.categoryPath || extracted.categoryPath,
    brands,
    ...(min.length > 0 || max.length > 0 ? { price: { ...(min.length > 0 ? { min: Math.max(...min) } : {}), ...(max.length > 0 ? { max: Math.min(...max) } : {}) } } : {}),
    ...(requested.inStock !== undefined ? { inStock: requested.inStock } : extracted.inStock !== undefined ? { inStock: extracted.inStock } : {}),
    attributes: { ...extracted.attributes, ...requested.attributes },
  });
}

const hasFilters = (f: Filters | undefined): boolean =>
  !!f && (f.categoryPath !== '' || f.brands.length > 0 || f.price?.min !== undefined || f.price?.max !== undefined || f.inStock !== undefined || Object.keys(f.attributes).length > 0);

function filtersKey(f: Filters | undefined): string {
  if (!f) return '';
  return JSON.stringify([f.categoryPath, [...f.brands].sort(), f.price?.min ?? null, f.price?.max ?? null, f.inStock ?? null, Object.entries(f.attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

const MATCH_QUALITY: Record<MatchQuality, ProtoMatchQuality> = { exact: ProtoMatchQuality.EXACT, relaxed: ProtoMatchQuality.RELAXED, other_type: ProtoMatchQuality.OTHER_TYPE };

/**
 * The product type of a search (domain/product-type.ts) and what retrieval's in_type source
 * searches for it: the type's products that pass the caller's own filters, whatever the query's
 * words asked for (those are what make a match exact or relaxed). A caller's category filter
 * stays the outer bound: a type outside it is no type, a type wider than it narrows to it.
 */
export function searchProductType(parsed: ParsedQuery | undefined, requested: Filters | undefined, minProbability = PRODUCT_TYPE_MIN_PROBABILITY): { segments: string[]; retrieval: { categoryPath: string; filters: Filters } } | undefined {
  if (minProbability <= 0) return undefined;
  const segments = productTypeOf(parsed?.categories.map((c) => ({ path: c.categoryPath, probability: c.probability })), minProbability);
  if (!segments) return undefined;
  const boundPath = requested?.categoryPath ?? '';
  const bound = boundPath ? parseCategoryPrefix(boundPath) : [];
  if (!isOfType(bound, segments) && !isOfType(segments, bound)) return undefined;
  // The narrower of the two, for retrieval, the groups and the response alike.
  if (segments.length >= bound.length) return { segments, retrieval: { categoryPath: segments.join('/'), filters: requested ?? create(FiltersSchema) } };
  return { segments: bound, retrieval: { categoryPath: boundPath, filters: requested ?? create(FiltersSchema) } };
}

/** The synonyms and translations query understanding found for the query's terms, distinct, as many as retrieval takes. */
function lexicalExpansions(parsed: ParsedQuery | undefined): string[] {
  return [...new Set(parsed?.synonyms.flatMap((s) => s.synonyms) ?? [])].filter((s) => s.length <= RETRIEVE_LIMITS.maxExpansionChars).slice(0, RETRIEVE_LIMITS.maxExpansions);
}

/**
 * Whether some candidate passes every filter, and with a product type is of it: other kinds that
 * pass the filters ("laptop under 500" → laptop bags) are not what was asked for.
 */
function hasExactCandidate(candidates: readonly Candidate[], typed: boolean): boolean {
  return candidates.some((c) => !c.relaxed && (!typed || c.ofProductType));
}

/** The user's recent items, most recent first (any kind), distinct. */
function recentByTime(state: RankingState): string[] {
  return state.recentOrder ?? recentItems(state);
}

/** The user's recently interacted items, most recent kinds first, distinct. */
function recentItems(state: RankingState): string[] {
  return [...new Set([...state.recent.session, ...state.recent.purchases, ...state.recent.carts, ...state.recent.clicks, ...state.recent.views])];
}

/**
 * Search, Recommend and Rank (conventions §4): understand → embed → retrieve → features → score →
 * rerank. Each optional hop has its own budget and a fallback; what fell back is recorded in a
 * DegradationReport, returned as `degraded` flags and counted in shopsense_degraded_responses_total.
 */
export class RankingApplicationService {
  private readonly clock: () => number;
  /**
   * The popular items of the last successful state read: the same for every user, so when the
   * store is down Recommend still has something to offer cold users and to fill lists with.
   */
  private lastKnownPopular: { itemId: string; score: number }[] = [];
  private readonly stages: Histogram<'surface' | 'stage'>;

  constructor(private readonly deps: RankingDependencies) {
    this.clock = deps.clock ?? Date.now;
    this.stages = stageHistogram(deps.metrics);
  }

  async search(request: SearchRequest, call: CallInfo): Promise<MessageInitShape<typeof SearchResponseSchema>> {
    const now = this.clock();
    const report = new DegradationReport();
    const settings = this.deps.settings;
    const pseudonym = request.userId ? this.deps.pseudonymizer.pseudonymize(request.userId) : undefined;
    const { assignments, params } = assignExperiments(this.deps.experiments(), pseudonym?.pseudonym ?? request.sessionId, 'search');
    const pageSize = request.pageSize > 0 ? request.pageSize : 20;

    // The page: a token continues the list of the request that issued it.
    const sort = request.sort === SortOrder.UNSPECIFIED ? SortOrder.RELEVANCE : request.sort;
    const fingerprint = requestFingerprint(['search', request.query, filtersKey(request.filters), request.channel, pseudonym?.pseudonym ?? '', request.localeHint, assignments.map((a) => `${a.experiment}=${a.variant}`).join(','), String(sort)]);
    const cursor = request.pageToken ? decodePageToken(request.pageToken, settings.pageTokenKeys, { fingerprint, nowMs: now }) : undefined;
    const offset = cursor?.offset ?? 0;
    // Later pages are ranked by the model that ranked the first one, while this replica still has it.
    const pageParams: VariantParams = cursor && this.deps.models.byVersion(cursor.modelVersion) ? { ...params, modelVersion: cursor.modelVersion } : params;

    // understand ∥ embed ∥ user profile: independent of one another. Query understanding embeds
    // the same text (the query as typed) for its categories: the embedding service runs it once.
    const [parsed, queryVector, profileState] = await this.timed('search', 'query', () =>
      Promise.all([
        this.understand(request.query, request.localeHint, report, call),
        this.embed(request.query, report, call),
        pseudonym ? this.readState(pseudonym.pseudonym, [], undefined, report, call) : Promise.resolve(EMPTY_STATE),
      ]),
    );
    const queryText = parsed ? parsed.residualText || parsed.correctedQuery || parsed.normalized || request.query : request.query;
    let filters = mergeFilters(request.filters, parsed?.filters);
    const userVector = profileState.profile?.shortTerm?.values ?? profileState.profile?.longTerm?.values;
    // A catalog sort (or best-selling) is in the order asked for: no type goes first there.
    const productType = sort === SortOrder.RELEVANCE ? searchProductType(parsed, request.filters, settings.productTypeMinProbability) : undefined;

    const limit = Math.min(Math.max(settings.candidates, offset + pageSize), RETRIEVE_LIMITS.maxLimit);
    const expansions = lexicalExpansions(parsed);
    const retrieveCall = {
      queryText,
      ...(expansions.length > 0 ? { lexicalExpansions: expansions } : {}),
      ...(queryVector ? { queryVector } : {}),
      ...(userVector ? { userVector } : {}),
      seedItemIds: recentItems(profileState).slice(0, 5),
      excludeItemIds: [],
      ...(hasFilters(filters) ? { filters: filters! } : {}),
      limit,
      skipSources: report.has('embedding') ? ['dense', 'inType'] : [],
      ...(params.fusion ? { fusion: params.fusion } : {}),
      ...(request.facets.length > 0 ? { facets: request.facets } : {}),
      ...(CATALOG_ORDERS.has(sort) ? { sort } : {}),
      ...(productType ? { productType: productType.retrieval } : {}),
    };
    let found = await this.timed('search', 'retrieve', () => this.retrieveWithCounts(retrieveCall, report, call));
    let relaxedFilters: RelaxedFilter[] = [];
    // Without a single exact match (of the type, when there is one) the query's own filters are
    // relaxed as if nothing was found: relaxed candidates and other kinds are no match.
    if (!hasExactCandidate(found.candidates, productType !== undefined) && !report.has('retrieval')) {
      const relaxed = await this.timed('search', 'relax', () => this.relaxQueryFilters(retrieveCall, request.filters, parsed?.filters, report, call));
      if (relaxed) ({ found, filters, dropped: relaxedFilters } = relaxed);
    }
    const retrieved = found.candidates;
    const sorted = sort !== SortOrder.RELEVANCE;
    const ranked = await this.rankList(retrieved, {
      surface: 'search',
      rawQuery: request.query,
      queryText,
      queryVector,
      parsed,
      filters,
      pseudonym: pseudonym?.pseudonym,
      channel: request.channel,
      // A sorted list is in the order asked for: diversifying it would break that order.
      params: sorted ? { ...pageParams, diversityLambda: 1 } : pageParams,
      explain: request.explain,
      report,
      call,
      now,
      // A pinned item retrieval did not find is added only where nothing decides membership but
      // the query: a filter would need it checked here too, a sorted list has no place for it.
      addPinned: !sorted && !hasFilters(filters),
      ...(productType ? { productType: productType.segments } : {}),
    });
    if (sorted) ranked.items = this.inSortOrder(ranked.items, sort, retrieved, ranked.itemStats);
    const page = ranked.items.slice(offset, offset + pageSize);
    const nextOffset = offset + page.length;
    const nextPageToken = page.length > 0 && nextOffset < ranked.items.length && nextOffset <= MAX_PAGE_OFFSET ? encodePageToken({ fingerprint, offset: nextOffset, modelVersion: ranked.modelVersion, issuedAtMs: now }, settings.pageTokenKeys[0]!) : '';
    this.finish('search', call.requestId, page, offset, ranked, assignments, request.channel, report, now, request.query);
    // One search per query typed: later pages are the same search. A search retrieval could not
    // answer is not one that found nothing.
    if (!cursor && request.channel !== WARM_UP_CHANNEL) this.countSearch(request.query, ranked.items.length > 0 || report.has('retrieval'), now);
    return {
      items: this.toItems(page, offset, ranked.products),
      ...(parsed ? { parsedQuery: parsed } : {}),
      requestId: call.requestId,
      experiments: assignments,
      modelVersion: ranked.modelVersion,
      degraded: report.flags(),
      nextPageToken,
      relaxedFilters,
      facets: found.facets ?? [],
      ...(found.totalHits ? { totalHits: found.totalHits } : {}),
      productType: productType?.retrieval.categoryPath ?? '',
    };
  }

  async recommend(request: RecommendRequest, call: CallInfo): Promise<MessageInitShape<typeof RecommendResponseSchema>> {
    const now = this.clock();
    const report = new DegradationReport();
    const pseudonym = request.userId ? this.deps.pseudonymizer.pseudonymize(request.userId) : undefined;
    const { assignments, params } = assignExperiments(this.deps.experiments(), pseudonym?.pseudonym ?? request.sessionId, 'recommend');
    const limit = request.limit > 0 ? request.limit : 20;
    const anchors = request.context.case === 'item' ? [request.context.value.itemId] : request.context.case === 'cart' ? [...request.context.value.itemIds] : [];
    // One read: the profile, and the behaviour sources (the co-occurring items of the anchors or of
    // the user's recent items; popular items, which anonymous users get as well).
    const profileState = await this.timed('recommend', 'profile', () =>
      this.readState(pseudonym?.pseudonym ?? '', [], undefined, report, call, { ...RECOMMEND_SOURCES, ...(anchors.length > 0 ? { seedItemIds: anchors } : {}) }, request.excludeSeen),
    );
    // Everything the user engaged with: the recent lists, and the profile's (larger) seen set.
    const seen = request.excludeSeen ? [...new Set([...recentItems(profileState), ...(profileState.seen ?? [])])] : [];
    const exclude = [...new Set([...anchors, ...seen])];
    const excluded = new Set(exclude);
    const filters = hasFilters(request.filters) ? request.filters : undefined;
    const depth = Math.min(Math.max(this.deps.settings.candidates, limit + exclude.length), RETRIEVE_LIMITS.maxLimit);

    // Content candidates from retrieval: items like the anchor, or near the user's interest vector and recent items.
    const userVector = profileState.profile?.shortTerm?.values ?? profileState.profile?.longTerm?.values;
    const seeds = anchors.length > 0 ? anchors : recentByTime(profileState).slice(0, 5);
    const retrieved = await this.timed('recommend', 'retrieve', async (): Promise<Candidate[]> => {
      if (anchors.length === 1) return this.similar(anchors[0]!, depth, filters, exclude, report, call);
      if (seeds.length === 0 && !userVector) return [];
      return this.retrieve({ queryText: '', ...(userVector ? { userVector } : {}), seedItemIds: seeds, excludeItemIds: exclude, ...(filters ? { filters } : {}), limit: depth, skipSources: ['dense', 'lexical'], ...(params.fusion ? { fusion: params.fusion } : {}) }, report, call);
    });
    // Behaviour and popularity candidates from the user state. Retrieval applied the filters to its
    // own candidates; these are checked against the catalog by the business rules only, so with
    // filters they are left out rather than served unfiltered.
    const weights = this.deps.settings.recommendFusion ?? DEFAULT_RECOMMEND_FUSION;
    const behaviour = filters ? [] : cooccurrenceCandidates(profileState.neighbours ?? [], weights.seedRecencyDecay, excluded).slice(0, depth);
    if (profileState.popular?.length) this.lastKnownPopular = profileState.popular;
    const popularSource = report.has('userState') ? this.lastKnownPopular : (profileState.popular ?? []);
    const popular = filters ? [] : popularSource.filter((p) => !excluded.has(p.itemId));

    // Similarity to the anchors (item or cart page) or to the user's current interest, for every
    // personal candidate (popularity-only ones are ranked by popularity: their vectors are fetched
    // for the features only if they make the list).
    const ids = [...new Set([...anchors, ...behaviour.map((c) => c.itemId), ...retrieved.map((c) => c.itemId)])];
    const vectors =
      ids.length === 0
        ? new Map<string, Float32Array>()
        : await this.timed('recommend', 'vectors', () =>
            this.deps.candidates.itemVectors(ids, { budgetMs: this.deps.settings.budgets.catalog, ...(call.signal ? { signal: call.signal } : {}) }).catch((error: unknown) => {
              report.recordError('retrievalPartial', error);
              return new Map<string, Float32Array>();
            }),
          );
    const reference = anchors.length > 0 ? meanVector(anchors.map((id) => vectors.get(id))) : userVector;
    const fused = fuseRecommendations({
      cooccurrence: behaviour,
      retrieved: retrieved.map((c) => ({ itemId: c.itemId, sources: c.sources.map((h) => ({ source: h.source, score: h.score, rank: h.rank })) })),
      popular,
      ...(reference ? { reference } : {}),
      vectors,
      exclude: excluded,
      weights,
      limit: depth,
    });
    const candidates = fused.map((f) => create(CandidateSchema, { itemId: f.itemId, score: f.score, sources: f.sources }));
    // A new shop (no events) or a page nothing is known about: fill the list from the catalog
    // rather than answer with fewer items than asked, and say so. Not when retrieval already
    // failed in this request: a second call would only spend the budget again.
    if (candidates.length < limit && !report.has('retrieval')) {
      const fill = await this.timed('recommend', 'catalog_fallback', () =>
        this.retrieve({ queryText: '', seedItemIds: [], excludeItemIds: [...exclude, ...candidates.map((c) => c.itemId)], ...(filters ? { filters } : {}), limit: limit - candidates.length, skipSources: [], browseCatalog: true }, report, call),
      );
      if (fill.length > 0) {
        candidates.push(...fill);
        report.record('catalogFallback', 'unavailable', `too few personal or popular items: ${fill.length} of ${limit} from the catalog`);
      }
    }
    const ranked = await this.rankList(candidates, { surface: 'recommend', rawQuery: '', queryText: '', queryVector: undefined, parsed: undefined, filters, pseudonym: pseudonym?.pseudonym, channel: request.channel, params, explain: request.explain, report, call, now, prefetched: { vectors, asked: new Set(ids) } });
    const page = ranked.items.slice(0, limit);
    this.finish('recommend', call.requestId, page, 0, ranked, assignments, request.channel, report, now);
    return { items: this.toItems(page, 0, ranked.products), requestId: call.requestId, experiments: assignments, modelVersion: ranked.modelVersion, degraded: report.flags() };
  }

  async rank(request: RankRequest, call: CallInfo): Promise<MessageInitShape<typeof RankResponseSchema>> {
    const now = this.clock();
    const report = new DegradationReport();
    const pseudonym = request.userId ? this.deps.pseudonymizer.pseudonymize(request.userId) : undefined;
    const { assignments, params } = assignExperiments(this.deps.experiments(), pseudonym?.pseudonym ?? request.sessionId, 'rank');
    const query = request.query ?? '';
    const queryVector = query ? await this.timed('rank', 'query', () => this.embed(query, report, call)) : undefined;
    const given = request.itemIds.map((itemId) => create(CandidateSchema, { itemId }));
    const ranked = await this.rankList(given, {
      surface: 'rank',
      rawQuery: query,
      queryText: query,
      queryVector,
      parsed: undefined,
      filters: undefined,
      pseudonym: pseudonym?.pseudonym,
      channel: request.channel,
      params,
      explain: request.explain,
      report,
      call,
      now,
      // Rank returns every given item exactly once: nothing is hidden.
      keepAll: true,
    });
    this.finish('rank', call.requestId, ranked.items, 0, ranked, assignments, request.channel, report, now);
    return { items: this.toItems(ranked.items, 0, ranked.products), requestId: call.requestId, experiments: assignments, modelVersion: ranked.modelVersion, degraded: report.flags() };
  }

  /**
   * Completions of what the shopper is typing, from query understanding. While it cannot answer,
   * the list is empty and flagged: a search box must never show an error mid-word.
   */
  async suggest(request: SuggestRequest, call: CallInfo): Promise<MessageInitShape<typeof SuggestResponseSchema>> {
    const report = new DegradationReport();
    const understander = this.deps.understander;
    const limit = request.limit > 0 ? request.limit : DEFAULT_SUGGESTIONS;
    let catalog: Suggestion[] = [];
    if (!understander) report.record('queryUnderstanding', 'unavailable', 'QUERY_UNDERSTANDING_ADDR is not set');
    else {
      try {
        catalog = await understander.complete(request.prefix, limit, { budgetMs: this.deps.settings.budgets.queryUnderstanding, ...(call.signal ? { signal: call.signal } : {}) });
      } catch (error) {
        report.recordError('queryUnderstanding', error);
      }
    }
    const past = this.deps.pastQueries?.complete(request.prefix, limit) ?? [];
    this.countDegradations(report, call.requestId);
    return { suggestions: past.length === 0 ? catalog : mergeSuggestions(past, catalog, limit), degraded: report.flags() };
  }

  // --- stages -------------------------------------------------------------------------------

  private async understand(query: string, localeHint: string, report: DegradationReport, call: CallInfo): Promise<ParsedQuery | undefined> {
    const understander = this.deps.understander;
    if (!understander) {
      report.record('queryUnderstanding', 'unavailable', 'QUERY_UNDERSTANDING_ADDR is not set');
      return undefined;
    }
    try {
      return await understander.understand(query, localeHint, { budgetMs: this.deps.settings.budgets.queryUnderstanding, ...(call.signal ? { signal: call.signal } : {}) });
    } catch (error) {
      report.recordError('queryUnderstanding', error);
      return undefined;
    }
  }

  private async embed(text: string, report: DegradationReport, call: CallInfo): Promise<Float32Array | undefined> {
    const embedder = this.deps.embedder;
    if (!embedder) return undefined; // retrieval embeds the query itself
    try {
      return await embedder.embedQuery(text, { budgetMs: this.deps.settings.budgets.embedding, ...(call.signal ? { signal: call.signal } : {}) });
    } catch (error) {
      report.recordError('embedding', error);
      return undefined;
    }
  }

  private async readState(pseudonym: string, itemIds: readonly string[], query: string | undefined, report: DegradationReport, call: CallInfo, candidates?: RankingReadRequest['candidates'], seen = false): Promise<RankingState> {
    if (report.has('userState')) return EMPTY_STATE;
    try {
      const read = this.deps.state.readForRanking({ pseudonym, itemIds, ...(query ? { queryDigest: queryDigest(normalizeQuery(query)) } : {}), ...(candidates ? { candidates } : {}), ...(seen ? { seen } : {}) });
      return await withBudget(read, this.deps.settings.budgets.userState, call.signal);
    } catch (error) {
      report.recordError('userState', error);
      return EMPTY_STATE;
    }
  }

  private async retrieve(retrieveCall: RetrieveCall, report: DegradationReport, call: CallInfo): Promise<Candidate[]> {
    return (await this.retrieveWithCounts(retrieveCall, report, call)).candidates;
  }

  /** Retrieve, with the facet counts and total when the call asks for facets; nothing when it fails. */
  private async retrieveWithCounts(retrieveCall: RetrieveCall, report: DegradationReport, call: CallInfo): Promise<Pick<RetrieveResult, 'candidates' | 'facets' | 'totalHits'>> {
    try {
      const result = await this.deps.candidates.retrieve(retrieveCall, { budgetMs: this.deps.settings.budgets.retrieval, ...(call.signal ? { signal: call.signal } : {}) });
      this.noteUnavailableSources(result.unavailableSources, report);
      return result;
    } catch (error) {
      report.recordError('retrieval', error);
      return { candidates: [] };
    }
  }

  /**
   * No product (of the type, when there is one) passes the filters: gives up the query's own
   * filters one at a time, the most specific first (filterRelaxations), until retrieval finds an
   * exact match (hasExactCandidate). The caller's filters stay. Undefined when no step finds one
   * or retrieval fails meanwhile.
   */
  private async relaxQueryFilters(
    retrieveCall: RetrieveCall,
    requested: Filters | undefined,
    extracted: Filters | undefined,
    report: DegradationReport,
    call: CallInfo,
  ): Promise<{ found: Pick<RetrieveResult, 'candidates' | 'facets' | 'totalHits'>; filters: Filters | undefined; dropped: RelaxedFilter[] } | undefined> {
    const { filters: _unrelaxed, ...rest } = retrieveCall;
    let tried = filtersKey(retrieveCall.filters);
    for (const step of filterRelaxations(extracted, requested)) {
      const filters = mergeFilters(requested, step.remaining);
      // A step the caller's own filters make void (their price is the tighter one) would only ask again.
      if (filtersKey(filters) === tried) continue;
      tried = filtersKey(filters);
      const found = await this.retrieveWithCounts({ ...rest, ...(filters && hasFilters(filters) ? { filters } : {}) }, report, call);
      if (report.has('retrieval')) return undefined;
      if (hasExactCandidate(found.candidates, retrieveCall.productType !== undefined)) return { found, filters, dropped: step.dropped };
    }
    return undefined;
  }

  private async similar(itemId: string, k: number, filters: Filters | undefined, exclude: string[], report: DegradationReport, call: CallInfo): Promise<Candidate[]> {
    try {
      const result = await this.deps.candidates.similarItems(itemId, k, filters, exclude, { budgetMs: this.deps.settings.budgets.retrieval, ...(call.signal ? { signal: call.signal } : {}) });
      this.noteUnavailableSources(result.unavailableSources, report);
      return result.candidates;
    } catch (error) {
      report.recordError('retrieval', error);
      return [];
    }
  }

  private noteUnavailableSources(sources: readonly string[], report: DegradationReport): void {
    if (sources.length === 0) return;
    report.record('retrievalPartial', 'unavailable', `sources unavailable: ${sources.join(', ')}`);
    // The dense source fails when retrieval could not embed the query: say so as well.
    if (sources.includes('dense')) report.record('embedding', 'unavailable', 'retrieval could not embed the query');
  }

  /** features (catalog ∥ item vectors ∥ user state, one read each) → score → rerank. */
  private async rankList(
    retrieved: readonly Candidate[],
    request: {
      surface: Surface;
      rawQuery: string;
      queryText: string;
      queryVector: Float32Array | undefined;
      parsed: ParsedQuery | undefined;
      filters: Filters | undefined;
      pseudonym: string | undefined;
      channel: string;
      params: VariantParams;
      explain: boolean;
      report: DegradationReport;
      call: CallInfo;
      now: number;
      keepAll?: boolean;
      /** Item vectors fetched already (Recommend's fusion): only items not asked for yet are fetched. */
      prefetched?: { vectors: ReadonlyMap<string, Float32Array>; asked: ReadonlySet<string> };
      /** Add the items pinned for this request that retrieval did not find (see pinnedExtras). */
      addPinned?: boolean;
      /** The kind of product the query asks for: its products come first (domain/product-type.ts). */
      productType?: readonly string[];
    },
  ): Promise<{ items: RankedCandidate[]; modelVersion: string; products: Map<string, Product>; itemStats: RankingState['items'] }> {
    const { report, call } = request;
    const rules = request.keepAll ? { ...this.deps.rules(), hideOutOfStock: false, excludePurchased: false } : this.deps.rules();
    const ruleContext: RuleContext = {
      surface: request.surface,
      channel: request.channel,
      query: request.queryText,
      typedQuery: request.rawQuery,
      purchasedItemIds: new Set<string>(),
      ...(request.filters?.categoryPath ? { categoryPath: parseCategoryPrefix(request.filters.categoryPath) } : {}),
      nowMs: request.now,
    };
    const retrievedIds = new Set(retrieved.map((c) => c.itemId));
    const extraPinned = request.addPinned ? pinnedItemIds(rules, ruleContext).filter((id) => !retrievedIds.has(id)) : [];
    const ids = [...retrievedIds, ...extraPinned];
    const hop = (budgetMs: number) => ({ budgetMs, ...(call.signal ? { signal: call.signal } : {}) });
    const budgets = this.deps.settings.budgets;
    const [products, vectors, state] = await this.timed(request.surface, 'fetch', () => Promise.all([
      ids.length === 0
        ? Promise.resolve(new Map<string, Product>())
        : this.deps.catalog.products(ids, hop(budgets.catalog)).catch((error: unknown) => {
            report.recordError('catalog', error);
            return new Map<string, Product>();
          }),
      this.vectorsFor(ids, request.prefetched, hop(budgets.catalog), report),
      ids.length === 0 ? Promise.resolve(EMPTY_STATE) : this.readState(request.pseudonym ?? '', ids, request.rawQuery || undefined, report, call),
    ]));
    const scoreStarted = performance.now();
    // A pinned item retrieval did not find joins the list only if the catalog still has it.
    const candidates = extraPinned.length === 0 ? retrieved : [...retrieved, ...extraPinned.filter((id) => products.has(id)).map((itemId) => create(CandidateSchema, { itemId, score: 0, sources: [{ source: 'pinned', score: 0, rank: 0 }] }))];

    const recent = recentItems(state);
    const context: RankingContext = {
      queryText: request.queryText,
      ...(request.queryVector ? { queryVector: request.queryVector } : {}),
      ...(request.filters?.price && (request.filters.price.min !== undefined || request.filters.price.max !== undefined) ? { priceFilter: { ...(request.filters.price.min !== undefined ? { min: request.filters.price.min } : {}), ...(request.filters.price.max !== undefined ? { max: request.filters.price.max } : {}) } } : {}),
      boosts: request.parsed?.boosts.map((b) => ({ field: b.field, value: b.value, weight: b.weight })) ?? [],
      ...(request.parsed?.categories.length ? { queryCategories: request.parsed.categories.map((c) => ({ path: c.categoryPath, probability: c.probability })) } : {}),
      channel: request.channel,
      ...(state.profile?.shortTerm ? { userShortVector: state.profile.shortTerm.values } : {}),
      ...(state.profile?.longTerm ? { userLongVector: state.profile.longTerm.values } : {}),
      recentItemIds: recent,
      nowMs: request.now,
    };
    // Built by assignment rather than conditional spreads: this runs for every candidate of every request.
    const inputs = candidates.map((c, index): CandidateInput => {
      // A SourceScore message has the fields of a RetrievalHit: handed over as it is.
      const input: CandidateInput = { itemId: c.itemId, sources: c.sources };
      // Rank's items were given, not retrieved: their order is the caller's, not a retrieval rank.
      if (request.surface !== 'rank') input.retrievalRank = index;
      const vector = vectors.get(c.itemId);
      if (vector) input.vector = vector;
      const product = products.get(c.itemId);
      if (product) input.product = productFields(product);
      const stats = state.items[c.itemId];
      if (stats) input.itemStats = { lastHour: stats.lastHour, last24h: stats.last24h, last7d: stats.last7d };
      const queryItem = state.queryItems[c.itemId];
      if (queryItem) input.queryItemStats = queryItem;
      const coOccurrence = state.cooccurrence[c.itemId];
      if (coOccurrence !== undefined) input.coOccurrence = coOccurrence;
      if (c.relaxed) input.relaxed = true;
      // Retrieval says whether a candidate is of the type (it knows every product's category,
      // even when the catalog fetch here failed); a pinned extra is judged by its product.
      if (request.productType && c.sources.every((s) => s.source !== 'pinned')) input.ofType = c.ofProductType;
      return input;
    });

    const pinned = request.params.modelVersion ? this.deps.models.byVersion(request.params.modelVersion) : undefined;
    const model = pinned ?? this.deps.models.current();
    const outcome = rankCandidates({
      context,
      candidates: inputs,
      ...(model ? { model } : {}),
      ...(request.params.featureWeights ? { featureWeights: request.params.featureWeights } : {}),
      diversityLambda: request.params.diversityLambda ?? this.deps.settings.diversityLambda,
      rules,
      ruleContext: { ...ruleContext, purchasedItemIds: new Set(state.recent.purchases) },
      ...(request.productType ? { productType: request.productType } : {}),
      explain: request.explain,
      report,
    });
    if (!model) report.record('model', 'unavailable', 'no model loaded');
    this.stages.observe({ surface: request.surface, stage: 'score' }, (performance.now() - scoreStarted) / 1000);
    return { items: outcome.items, modelVersion: outcome.modelVersion, products, itemStats: state.items };
  }

  /**
   * A scored list in the order a storefront asked for: the catalog orders keep retrieval's order
   * (retrieval sorted every match); best-selling sorts the candidates by their purchases.
   */
  private inSortOrder(items: RankedCandidate[], sort: SortOrder, retrieved: readonly Candidate[], itemStats: RankingState['items']): RankedCandidate[] {
    if (sort === SortOrder.BEST_SELLING) return reorderRanked(items, (item) => bestSellingKey(itemStats[item.itemId]?.last7d));
    const order = new Map(retrieved.map((c, i) => [c.itemId, i]));
    return reorderRanked(items, (item) => order.get(item.itemId) ?? Infinity);
  }

  /** Runs a stage's work and records its wall time, the synchronous start included (also when it fails). */
  private async timed<T>(surface: Surface, stage: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.stages.observe({ surface, stage }, (performance.now() - started) / 1000);
    }
  }

  /** The candidates' vectors: those fetched already, and one call for the ones not asked for yet. */
  private async vectorsFor(ids: readonly string[], prefetched: { vectors: ReadonlyMap<string, Float32Array>; asked: ReadonlySet<string> } | undefined, options: { budgetMs: number; signal?: AbortSignal }, report: DegradationReport): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    const missing: string[] = [];
    for (const id of ids) {
      const known = prefetched?.vectors.get(id);
      if (known) out.set(id, known);
      else if (!prefetched?.asked.has(id)) missing.push(id);
    }
    if (missing.length === 0) return out;
    try {
      for (const [id, vector] of await this.deps.candidates.itemVectors(missing, options)) out.set(id, vector);
    } catch (error) {
      report.recordError('retrievalPartial', error);
    }
    return out;
  }

  private toItems(page: readonly RankedCandidate[], offset: number, products: Map<string, Product>): RankedItemInit[] {
    return page.map((item, i) => {
      const product = products.get(item.itemId);
      return {
        itemId: item.itemId,
        score: item.score,
        clickProbability: item.clickProbability,
        position: offset + i,
        sources: item.sources,
        contributions: item.contributions ?? [],
        reasons: item.reasons ?? [],
        ...(product ? { product } : {}),
        ...(item.match ? { matchQuality: MATCH_QUALITY[item.match] } : {}),
      };
    });
  }

  /** Metrics, exposure counting and the served-features log (fire and forget: never fails the response). */
  private countDegradations(report: DegradationReport, requestId: string): void {
    for (const label of report.metricLabels()) this.deps.metrics.degradedResponses.inc({ reason: `${label.stage}:${label.failure}` });
    if (report.records.length > 0) this.deps.logger.warn({ requestId, degraded: report.records.map((r) => ({ failure: r.failure, cause: r.cause, detail: r.detail })) }, 'served a degraded response');
  }

  private finish(surface: Surface, requestId: string, page: readonly RankedCandidate[], offset: number, ranked: { modelVersion: string }, assignments: readonly Assignment[], channel: string, report: DegradationReport, now: number, query = ''): void {
    this.countDegradations(report, requestId);
    this.deps.onServed?.(assignments, surface);
    if (page.length === 0) return;
    const servedAt = timestampFromMs(now);
    // Normalised (and scrubbed) before it is stored: the join gives it to the training example,
    // so analytics know the query of an impression that did not carry one.
    const normalizedQuery = query ? normalizeQuery(query) : '';
    const examples: MessageInitShape<typeof TrainingExampleSchema>[] = page.map((item, i) => ({
      requestId,
      itemId: item.itemId,
      position: offset + i,
      modelVersion: ranked.modelVersion,
      features: item.features,
      score: item.score,
      clickProbability: item.clickProbability,
      servedAt,
      experiments: assignments.map((a) => ({ experiment: a.experiment, variant: a.variant })),
      surface,
      channel,
      query: normalizedQuery,
    }));
    // After the response has gone out: the training join reads the list minutes later, so its
    // encoding (every feature of every item) and the Redis write need not delay the caller.
    setImmediate(() => {
      this.deps.state.logServedList(requestId, encodeServedList(examples), this.deps.settings.servedListTtlSeconds).catch((error: unknown) => this.deps.logger.warn({ err: error, requestId }, 'could not log the served list for training'));
    });
  }

  /** Counts the search for analytics, after the response has gone out (fire and forget). */
  private countSearch(query: string, found: boolean, now: number): void {
    const normalized = normalizeQuery(query);
    if (normalized === '') return;
    setImmediate(() => {
      this.deps.state.countSearch(dayOf(now), normalized, found).catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not count the search for analytics'));
    });
  }
}

/** The catalog fields the features read; a field the catalog left empty stays absent. */
function productFields(product: Product): ProductFields {
  const fields: ProductFields = { inStock: product.inStock };
  if (product.price > 0) fields.price = product.price;
  if (product.brand) fields.brand = product.brand;
  if (product.categoryPath.length > 0) fields.categoryPath = product.categoryPath;
  if (product.updatedAt) fields.updatedAtMs = Number(product.updatedAt.seconds) * 1000 + Math.floor(product.updatedAt.nanos / 1e6);
  if (Object.keys(product.attributes).length > 0) fields.attributes = product.attributes;
  return fields;
}

/** A promise that rejects with a TimeoutError after `ms` or when the signal aborts (the work itself is not cancelled). */
export function withBudget<T>(work: Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { name: 'TimeoutError' })), ms);
    const onAbort = () => reject(Object.assign(new Error('the call was cancelled'), { name: 'AbortError' }));
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => resolve(value),
      (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
    ).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  });
}
