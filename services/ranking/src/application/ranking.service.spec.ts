import { create } from '@bufbuild/protobuf';
import { CandidateSchema, Degradation, FiltersSchema, MatchQuality, ParsedQuerySchema, SortOrder, ProductSchema, RankRequestSchema, RecommendRequestSchema, SearchRequestSchema, SuggestionMatch, SuggestionSchema, SuggestRequestSchema, type Candidate, type Filters, type Product } from '@shopsense/contracts';
import { createLogger, ServiceMetrics } from '@shopsense/observability';
import { decodeServedList, Pseudonymizer, type RankingReadRequest, type RankingState } from '@shopsense/user-state';
import { FtrlModel, NO_BUSINESS_RULES, type BusinessRules, type ScoringModel } from '../domain';
import type { CandidateSource, ProductSource, RankingStateStore, RetrieveCall } from './ranking.ports';
import { mergeFilters, RankingApplicationService, type RankingDependencies } from './ranking.service';

const candidate = (itemId: string, rank: number): Candidate => create(CandidateSchema, { itemId, score: 1 / (rank + 1), sources: [{ source: 'lexical', score: 3 - rank * 0.1, rank }] });
const product = (id: string, extra: Partial<Pick<Product, 'brand' | 'price' | 'inStock'>> = {}): Product => create(ProductSchema, { id, title: id, brand: 'Acme', price: 10, inStock: true, ...extra });

const IDS = ['a', 'b', 'c', 'd', 'e', 'f'];

class FakeRetrieval implements CandidateSource, ProductSource {
  failRetrieve = false;
  failCatalog = false;
  /** Ids the catalog does not have (every other id is a product). */
  absent = new Set<string>();
  unavailable: string[] = [];
  calls: { retrieve: number } = { retrieve: 0 };
  lastRetrieve?: RetrieveCall;
  retrieveDelayMs = 0;
  /** Whether any product passes these filters (default: every filter finds the whole catalog). */
  anyPasses: (filters: Filters | undefined) => boolean = () => true;
  /** Category paths of products (default: none). */
  categories: Record<string, string[]> = {};
  /** Candidates retrieval marks relaxed (found by in_type only, failing the filters). */
  relaxed = new Set<string>();
  /** Whether every candidate is relaxed under these filters (only the type's own filters pass). */
  onlyRelaxed: (filters: Filters | undefined) => boolean = () => false;
  async retrieve(call: RetrieveCall) {
    this.calls.retrieve++;
    this.lastRetrieve = call;
    if (!this.anyPasses(call.filters)) return { candidates: [], unavailableSources: [] };
    if (this.retrieveDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.retrieveDelayMs));
    if (this.failRetrieve) throw Object.assign(new Error('down'), { name: 'Error' });
    if (call.browseCatalog) {
      // The catalog, in its order, less what the caller excludes.
      const browsed = IDS.filter((id) => !call.excludeItemIds.includes(id)).slice(0, call.limit);
      return { candidates: browsed.map((id, rank) => create(CandidateSchema, { itemId: id, score: 0, sources: [{ source: 'catalog', score: 0, rank }] })), unavailableSources: [] };
    }
    const allRelaxed = this.onlyRelaxed(call.filters);
    const type = call.productType?.categoryPath;
    const ofType = (id: string) => type !== undefined && `${(this.categories[id] ?? []).join('/')}/`.startsWith(`${type}/`);
    return { candidates: IDS.map((id, rank) => ({ ...candidate(id, rank), relaxed: allRelaxed || this.relaxed.has(id), ofProductType: ofType(id) })), unavailableSources: this.unavailable };
  }
  async similarItems(itemId: string) {
    return { candidates: IDS.filter((id) => id !== itemId).map(candidate), unavailableSources: [] };
  }
  async itemVectors(ids: readonly string[]) {
    return new Map(ids.map((id, i) => [id, Float32Array.from([1, i])]));
  }
  async products(ids: readonly string[]) {
    if (this.failCatalog) throw new Error('catalog down');
    return new Map(ids.filter((id) => !this.absent.has(id)).map((id) => [id, create(ProductSchema, { ...product(id), categoryPath: this.categories[id] ?? [] })]));
  }
}

const zero = { impressions: 0, clicks: 0, carts: 0, purchases: 0 };

class FakeState implements RankingStateStore {
  fail: 'no' | 'error' | 'hang' = 'no';
  reads: RankingReadRequest[] = [];
  logged: { requestId: string; bytes: Uint8Array; ttl: number }[] = [];
  /** Added to every answer (recent items, neighbours, popular items). */
  extra: Partial<RankingState> = {};
  async readForRanking(request: RankingReadRequest): Promise<RankingState> {
    this.reads.push(request);
    if (this.fail === 'error') throw new Error('redis down');
    if (this.fail === 'hang') return new Promise(() => undefined);
    // A known user with no history, and one item with a week of clicks.
    return {
      profile: null,
      recent: { views: [], clicks: [], carts: [], purchases: [], session: [] },
      items: { c: { lastHour: zero, last24h: zero, last7d: { impressions: 100, clicks: 9, carts: 0, purchases: 1 }, ctr: 0.05, cartRate: 0, trend: 1 } },
      queryItems: {},
      cooccurrence: {},
      ...this.extra,
    };
  }
  async logServedList(requestId: string, bytes: Uint8Array, ttl: number) {
    this.logged.push({ requestId, bytes, ttl });
  }
  searches: { day: string; query: string; found: boolean }[] = [];
  async countSearch(day: string, query: string, found: boolean) {
    this.searches.push({ day, query, found });
  }
}

function setup(overrides: Partial<RankingDependencies> = {}) {
  const retrieval = new FakeRetrieval();
  const state = new FakeState();
  const metrics = new ServiceMetrics('ranking-test');
  const service = new RankingApplicationService({
    candidates: retrieval,
    catalog: retrieval,
    state,
    pseudonymizer: new Pseudonymizer({ current: 'k1', keys: new Map([['k1', Buffer.alloc(32, 7)]]) }),
    models: { current: () => new FtrlModel(), byVersion: () => undefined },
    experiments: () => ({ experiments: [] }),
    rules: () => NO_BUSINESS_RULES,
    understander: {
      understand: async (query) => { throw Object.assign(new Error(`no ${query}`), { name: 'TimeoutError' }); },
      complete: async (prefix) => { throw Object.assign(new Error(`no ${prefix}`), { name: 'TimeoutError' }); },
    },
    settings: { budgets: { queryUnderstanding: 50, embedding: 50, retrieval: 50, catalog: 50, userState: 30 }, candidates: 100, servedListTtlSeconds: 600, diversityLambda: 1, pageTokenKeys: ['unit-test-page-token-key'] },
    logger: createLogger('ranking-test', process.env['DEBUG_RANKING'] ? 'warn' : 'silent'),
    metrics,
    clock: () => 1_700_000_000_000,
    ...overrides,
  });
  const degradedCount = async () => (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'shopsense_degraded_responses_total');
  return { service, retrieval, state, metrics, degradedCount };
}

const search = (init: Parameters<typeof create<typeof SearchRequestSchema>>[1]) => create(SearchRequestSchema, init);
const call = { requestId: 'req-1' };

describe('RankingApplicationService counting searches for analytics', () => {
  const settled = () => new Promise((resolve) => setImmediate(resolve));

  it('counts each search once (not its later pages), normalised, with whether it found anything, and logs the query with the served list', async () => {
    const { service, retrieval, state } = setup();
    const first = await service.search(search({ query: 'Red  MUG!', pageSize: 2 }), call);
    await service.search(search({ query: 'Red  MUG!', pageSize: 2, pageToken: first.nextPageToken }), call);
    retrieval.anyPasses = () => false;
    await service.search(search({ query: 'purple mug', pageSize: 2 }), call);
    await settled();
    expect(state.searches).toEqual([
      { day: '2023-11-14', query: 'red mug', found: true },
      { day: '2023-11-14', query: 'purple mug', found: false },
    ]);
    expect(decodeServedList(state.logged[0]!.bytes).map((e) => e.query)).toEqual(['red mug', 'red mug']);
  });

  it('does not count the warm-up channel', async () => {
    const { service, state } = setup();
    await service.search(search({ query: 'mug', channel: 'shopsense-warm-up' }), call);
    await settled();
    expect(state.searches).toEqual([]);
  });

  it('does not count a search retrieval could not answer as one that found nothing', async () => {
    const { service, retrieval, state } = setup();
    retrieval.failRetrieve = true;
    await service.search(search({ query: 'mug' }), call);
    await settled();
    expect(state.searches).toEqual([{ day: '2023-11-14', query: 'mug', found: true }]);
  });
});

describe('RankingApplicationService with merchandising rules', () => {
  const pins = (itemId: string, position: number, ruleId = 'hero'): BusinessRules => ({ ...NO_BUSINESS_RULES, rules: [{ type: 'pin', id: ruleId, itemId, position, when: { queryPatterns: ['mug*'] } }] });

  it('adds a pinned item retrieval did not find, at its position, and explains it', async () => {
    const { service } = setup({ rules: () => pins('zz', 1) });
    const response = await service.search(search({ query: 'Mug  warmer', pageSize: 4, explain: true }), call);
    expect(response.items?.map((i) => i.itemId)).toEqual(['a', 'zz', 'b', 'c']);
    expect(response.items?.[1]).toMatchObject({ sources: ['pinned'], position: 1 });
    expect(response.items?.[1]?.reasons?.[0]).toBe('pinned by rule hero');
    const other = await service.search(search({ query: 'teapot', pageSize: 4 }), call);
    expect(other.items?.map((i) => i.itemId)).not.toContain('zz');
  });

  it('does not add a pinned item the catalog no longer has, nor one a filtered or sorted search would have to check', async () => {
    const { service, retrieval } = setup({ rules: () => pins('zz', 0) });
    retrieval.absent.add('zz');
    expect((await service.search(search({ query: 'mug', pageSize: 3 }), call)).items?.map((i) => i.itemId)).toEqual(['a', 'b', 'c']);
    retrieval.absent.clear();
    expect((await service.search(search({ query: 'mug', pageSize: 3, filters: { brands: ['Acme'] } }), call)).items?.map((i) => i.itemId)).toEqual(['a', 'b', 'c']);
    expect((await service.search(search({ query: 'mug', pageSize: 3, sort: SortOrder.PRICE_ASCENDING }), call)).items?.map((i) => i.itemId)).not.toContain('zz');
    // A retrieved item is pinned in a filtered search too: retrieval found it, so it passes.
    const { service: withFound } = setup({ rules: () => pins('d', 0) });
    expect((await withFound.search(search({ query: 'mug', pageSize: 3, filters: { brands: ['Acme'] } }), call)).items?.map((i) => i.itemId)).toEqual(['d', 'a', 'b']);
  });
});

describe('RankingApplicationService', () => {
  it('serves the retrieval order with an untrained model, and reports query understanding that timed out', async () => {
    const { service, degradedCount } = setup();
    const response = await service.search(search({ query: 'mug', pageSize: 4 }), call);
    expect(response.items?.map((i) => i.itemId)).toEqual(['a', 'b', 'c', 'd']);
    expect(response.degraded).toEqual([Degradation.QUERY_UNDERSTANDING_UNAVAILABLE]);
    expect(response.modelVersion).toBe('untrained');
    expect(JSON.stringify((await degradedCount())?.values)).toContain('understand:queryUnderstanding');
  });

  it('never fails for an optional part: retrieval down gives an empty list with RETRIEVAL_UNAVAILABLE', async () => {
    const { service, retrieval } = setup();
    retrieval.failRetrieve = true;
    const response = await service.search(search({ query: 'mug' }), call);
    expect(response.items).toEqual([]);
    expect(response.degraded).toContain(Degradation.RETRIEVAL_UNAVAILABLE);
    expect(response.nextPageToken).toBe('');
  });

  it('reports a missing dense source as RETRIEVAL_PARTIAL and EMBEDDING_UNAVAILABLE', async () => {
    const { service, retrieval } = setup();
    retrieval.unavailable = ['dense'];
    const response = await service.search(search({ query: 'mug' }), call);
    expect(response.degraded).toEqual([Degradation.QUERY_UNDERSTANDING_UNAVAILABLE, Degradation.EMBEDDING_UNAVAILABLE, Degradation.RETRIEVAL_PARTIAL]);
    expect(response.items).toHaveLength(6);
  });

  it('serves without user state when the store fails or exceeds its budget', async () => {
    for (const fail of ['error', 'hang'] as const) {
      const { service, state } = setup();
      state.fail = fail;
      const response = await service.search(search({ query: 'mug', userId: 'u1' }), call);
      expect(response.degraded).toContain(Degradation.USER_STATE_UNAVAILABLE);
      expect(response.items).toHaveLength(6);
      // After the first failure the store is not asked again within the request.
      expect(state.reads).toHaveLength(1);
    }
  });

  it('records each stage’s wall time per surface in ranking_stage_seconds', async () => {
    const { service, retrieval, metrics } = setup();
    retrieval.retrieveDelayMs = 40;
    await service.search(search({ query: 'mug', userId: 'u1' }), call);
    await service.recommend(create(RecommendRequestSchema, { userId: 'u1', limit: 3 }), call);
    const histogram = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'ranking_stage_seconds')!;
    const value = (surface: string, stage: string, suffix: 'count' | 'sum') => histogram.values.find((v) => (v as { metricName?: string }).metricName === `ranking_stage_seconds_${suffix}` && v.labels['surface'] === surface && v.labels['stage'] === stage)?.value;
    for (const stage of ['query', 'retrieve', 'fetch', 'score']) expect(value('search', stage, 'count')).toBe(1);
    // The stage that waited is the one that shows it.
    expect(value('search', 'retrieve', 'sum')).toBeGreaterThanOrEqual(0.035);
    expect(value('search', 'score', 'sum')).toBeLessThan(0.035);
    expect(value('recommend', 'profile', 'count')).toBe(1);
  });

  it('serves items without product details when the catalog fails', async () => {
    const { service, retrieval } = setup();
    retrieval.failCatalog = true;
    const response = await service.search(search({ query: 'mug' }), call);
    expect(response.degraded).toContain(Degradation.CATALOG_UNAVAILABLE);
    expect(response.items?.every((i) => i.product === undefined)).toBe(true);
  });

  it('reads user state under the pseudonym, never the raw id, and logs the served features for the training join', async () => {
    const { service, state } = setup();
    await service.search(search({ query: 'Mug', userId: 'alice', pageSize: 3, channel: 'web' }), call);
    expect(state.reads.every((r) => r.pseudonym.startsWith('k1:') && !r.pseudonym.includes('alice'))).toBe(true);
    expect(state.reads.at(-1)?.queryDigest).toBeDefined();
    // Logged after the response, not before it.
    expect(state.logged).toHaveLength(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.logged).toHaveLength(1);
    const served = decodeServedList(state.logged[0]!.bytes);
    expect(served.map((e) => [e.requestId, e.itemId, e.position, e.surface, e.channel])).toEqual([
      ['req-1', 'a', 0, 'search', 'web'],
      ['req-1', 'b', 1, 'search', 'web'],
      ['req-1', 'c', 2, 'search', 'web'],
    ]);
    expect(served[0]!.features['retrieval_lexical_rr']).toBe(1);
    // Item stats from the store become features.
    expect(served[2]!.features['popularity']).toBeCloseTo(Math.log(11), 9);
    expect(state.logged[0]!.ttl).toBe(600);
  });

  it('pages with a signed token and refuses a tampered one', async () => {
    const { service } = setup();
    const page1 = await service.search(search({ query: 'mug', pageSize: 4 }), call);
    const page2 = await service.search(search({ query: 'mug', pageSize: 4, pageToken: page1.nextPageToken! }), call);
    expect(page2.items?.map((i) => [i.itemId, i.position])).toEqual([
      ['e', 4],
      ['f', 5],
    ]);
    expect(page2.nextPageToken).toBe('');
    const tampered = `${page1.nextPageToken!.slice(0, -2)}xx`;
    await expect(service.search(search({ query: 'mug', pageSize: 4, pageToken: tampered }), call)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('Rank returns every given item once, out-of-stock ones included, without calling retrieval', async () => {
    const { service, retrieval } = setup({ rules: () => ({ ...NO_BUSINESS_RULES, hideOutOfStock: true }) });
    retrieval.products = async (ids) => new Map(ids.map((id) => [id, product(id, { inStock: false })]));
    const response = await service.rank(create(RankRequestSchema, { itemIds: ['x', 'y', 'z'] }), call);
    expect(response.items?.map((i) => i.itemId)).toEqual(['x', 'y', 'z']);
    expect(retrieval.calls.retrieve).toBe(0);
  });

  it('Recommend for an item never returns the item, and a home page with nothing known is filled from the catalog, flagged', async () => {
    const { service, retrieval } = setup();
    const similar = await service.recommend(create(RecommendRequestSchema, { context: { case: 'item', value: { itemId: 'b' } }, limit: 3 }), call);
    expect(similar.items?.map((i) => i.itemId)).toEqual(['a', 'c', 'd']);
    expect(similar.degraded).toEqual([]);
    // A new shop: no events, so no history, neighbours or popular items.
    const home = await service.recommend(create(RecommendRequestSchema, { limit: 4 }), call);
    expect(home.items?.map((i) => i.itemId)).toEqual(['a', 'b', 'c', 'd']);
    expect(home.items?.[0]?.sources).toEqual(['catalog']);
    expect(home.degraded).toEqual([Degradation.CATALOG_FALLBACK]);
    expect(retrieval.lastRetrieve).toMatchObject({ browseCatalog: true, limit: 4, queryText: '', seedItemIds: [] });
  });
});

describe('Recommend candidate sources', () => {
  const behaviour = (): Partial<RankingState> => ({
    recent: { views: [], clicks: [], carts: [], purchases: ['a', 'b'], session: ['a'] },
    recentOrder: ['a', 'b'],
    neighbours: [
      { seedId: 'a', items: [{ itemId: 'z', score: 5 }, { itemId: 'b', score: 9 }] },
      { seedId: 'b', items: [{ itemId: 'y', score: 2 }] },
    ],
    popular: [{ itemId: 'p', score: 50 }, { itemId: 'a', score: 40 }],
  });

  it('fuses the co-occurring items of the recent items, retrieval’s candidates and popular items, reading them with the profile', async () => {
    const { service, state, retrieval } = setup();
    state.extra = behaviour();
    const response = await service.recommend(create(RecommendRequestSchema, { userId: 'u1', excludeSeen: true, limit: 5 }), call);
    const retrieveCall = retrieval.lastRetrieve;
    // Behaviour first (z: 5, y: 0.7 × 2), then retrieval's order, then popular items as the fallback; seen items never.
    expect(response.items?.map((i) => i.itemId)).toEqual(['z', 'y', 'c', 'd', 'e']);
    expect(response.items?.[0]?.sources).toEqual(['co_occurrence']);
    const all = await service.recommend(create(RecommendRequestSchema, { userId: 'u1', excludeSeen: true, limit: 100 }), call);
    expect(all.items?.at(-1)).toMatchObject({ itemId: 'p', sources: ['popularity'] });
    expect(state.reads[0]!.candidates).toEqual({ seeds: 10, neighboursPerSeed: 50, popular: 100 });
    expect(retrieveCall?.seedItemIds).toEqual(['a', 'b']);
    expect(response.degraded).toEqual([]);
    // A hundred asked, fewer known: the catalog had nothing left to add (all proposed or seen), so no flag.
    expect(retrieval.lastRetrieve).toMatchObject({ browseCatalog: true, excludeItemIds: expect.arrayContaining(['a', 'b', 'c', 'p']) });
    expect(all.degraded).toEqual([]);
  });

  it('does not ask retrieval again for the catalog fill when retrieval already failed in the request', async () => {
    const { service, state, retrieval } = setup();
    state.extra = behaviour();
    retrieval.failRetrieve = true;
    const response = await service.recommend(create(RecommendRequestSchema, { userId: 'u1', excludeSeen: true, limit: 100 }), call);
    expect(retrieval.calls.retrieve).toBe(1);
    expect(response.degraded).toContain(Degradation.RETRIEVAL_UNAVAILABLE);
    expect(response.degraded).not.toContain(Degradation.CATALOG_FALLBACK);
  });

  it('uses the anchor as the seed on an item page', async () => {
    const { service, state, retrieval } = setup();
    // Every item equally similar to the anchor: the behaviour and popularity terms decide.
    retrieval.itemVectors = async (ids) => new Map(ids.map((id) => [id, Float32Array.from([1, 0])]));
    state.extra = { ...behaviour(), neighbours: [{ seedId: 'c', items: [{ itemId: 'w', score: 3 }] }] };
    const response = await service.recommend(create(RecommendRequestSchema, { userId: 'u1', context: { case: 'item', value: { itemId: 'c' } }, limit: 2 }), call);
    expect(state.reads[0]!.candidates?.seedItemIds).toEqual(['c']);
    expect(response.items?.map((i) => i.itemId)).toEqual(['w', 'a']);
  });

  it('serves popular items to anonymous users, filled up from the catalog, and the catalog alone (flagged) when the store is down before any read', async () => {
    const { service, state } = setup();
    state.fail = 'error';
    const cold = await service.recommend(create(RecommendRequestSchema, { limit: 5 }), call);
    expect(cold.items?.map((i) => i.itemId)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(cold.degraded).toEqual([Degradation.USER_STATE_UNAVAILABLE, Degradation.CATALOG_FALLBACK]);
    state.fail = 'no';
    state.extra = { popular: [{ itemId: 'p', score: 50 }, { itemId: 'q', score: 5 }] };
    const anonymous = await service.recommend(create(RecommendRequestSchema, { limit: 5 }), call);
    expect(anonymous.items?.map((i) => i.itemId)).toEqual(['p', 'q', 'a', 'b', 'c']);
    expect(anonymous.degraded).toEqual([Degradation.CATALOG_FALLBACK]);
    // Enough popular items: no fallback.
    const two = await service.recommend(create(RecommendRequestSchema, { limit: 2 }), call);
    expect(two.items?.map((i) => i.itemId)).toEqual(['p', 'q']);
    expect(two.degraded).toEqual([]);
  });

  it('serves the last popular items it read while the store is down, flagged', async () => {
    const { service, state } = setup();
    state.extra = { popular: [{ itemId: 'p', score: 50 }, { itemId: 'q', score: 5 }] };
    await service.recommend(create(RecommendRequestSchema, { userId: 'u1', limit: 2 }), call);
    state.fail = 'error';
    const down = await service.recommend(create(RecommendRequestSchema, { userId: 'u2', limit: 2 }), call);
    expect(down.items?.map((i) => i.itemId)).toEqual(['p', 'q']);
    expect(down.degraded).toEqual([Degradation.USER_STATE_UNAVAILABLE]);
  });

  it('leaves the state’s candidates out under filters (retrieval applies filters to its own)', async () => {
    const { service, state } = setup();
    state.extra = behaviour();
    const response = await service.recommend(create(RecommendRequestSchema, { userId: 'u1', limit: 3, filters: { brands: ['Acme'] } }), call);
    expect(response.items?.map((i) => i.itemId)).toEqual(['a', 'b', 'c']);
  });
});

describe('RankingApplicationService with query understanding', () => {
  it('searches the residual text with the extracted filters narrowed by the request, and returns the parsed query', async () => {
    const parsed = create(ParsedQuerySchema, { original: 'cheap red mug under 50', normalized: 'cheap red mug under 50', residualText: 'red mug', filters: { price: { max: 50 } }, boosts: [{ field: 'price', value: 'low', weight: 1 }] });
    const { service, retrieval } = setup({ understander: { understand: async () => parsed, complete: async () => [] } });
    const response = await service.search(search({ query: 'cheap red mug under 50', filters: { price: { max: 30 }, brands: ['Acme'] } }), call);
    expect(response.degraded).toEqual([]);
    expect(response.parsedQuery).toBe(parsed);
    expect(retrieval.lastRetrieve?.queryText).toBe('red mug');
    expect(retrieval.lastRetrieve?.filters?.price?.max).toBe(30);
    expect(retrieval.lastRetrieve?.filters?.brands).toEqual(['Acme']);
  });

  it('passes the synonyms and translations of the query\'s terms to lexical retrieval, once each', async () => {
    const parsed = create(ParsedQuerySchema, { original: '烧杯 玻璃', normalized: '烧杯 玻璃', residualText: '烧杯 玻璃', synonyms: [{ term: '烧杯', synonyms: ['beaker'] }, { term: '玻璃', synonyms: ['glass', 'beaker'] }] });
    const { service, retrieval } = setup({ understander: { understand: async () => parsed, complete: async () => [] } });
    await service.search(search({ query: '烧杯 玻璃' }), call);
    expect(retrieval.lastRetrieve?.queryText).toBe('烧杯 玻璃');
    expect(retrieval.lastRetrieve?.lexicalExpansions).toEqual(['beaker', 'glass']);
  });

  it('embeds the query as typed, the text query understanding classifies, while understanding runs', async () => {
    const parsed = create(ParsedQuerySchema, { original: 'Cheap RED mug under 50', normalized: 'cheap red mug under 50', residualText: 'red mug' });
    const embedded: string[] = [];
    let embedAsked!: () => void;
    const asked = new Promise<void>((resolve) => (embedAsked = resolve));
    const { service, retrieval } = setup({
      // Answers only once the query is being embedded: a ranker that waited for understanding
      // before embedding gets an error from it instead, and the response is flagged degraded.
      understander: {
        understand: async () => {
          await Promise.race([asked, new Promise((_, reject) => setTimeout(() => reject(new Error('the query was not embedded while understanding ran')), 500))]);
          return parsed;
        },
        complete: async () => [],
      },
      embedder: {
        embedQuery: async (text) => {
          embedded.push(text);
          embedAsked();
          return Float32Array.from([1, 0]);
        },
      },
    });
    const response = await service.search(search({ query: 'Cheap RED mug under 50' }), call);
    expect(response.degraded).toEqual([]);
    expect(embedded).toEqual(['Cheap RED mug under 50']);
    expect(retrieval.lastRetrieve?.queryVector).toEqual(Float32Array.from([1, 0]));
  });
});

describe('Search when no product passes the query\'s filters', () => {
  const parsedWith = (filters: Parameters<typeof create<typeof FiltersSchema>>[1]) =>
    create(ParsedQuerySchema, { original: 'q', normalized: 'q', residualText: 'running shoes', filters: create(FiltersSchema, filters) });

  it('drops the query\'s filters, the most specific first, until some product passes, and says which', async () => {
    const parsed = parsedWith({ brands: ['Nike'], attributes: { color: 'pink', size: '50' }, price: { max: 5 } });
    const { service, retrieval } = setup({ understander: { understand: async () => parsed, complete: async () => [] } });
    // Nothing is pink, size 50 or under 5 at once; without the size and colour, a Nike under 5 exists.
    retrieval.anyPasses = (f) => !f?.attributes['size'] && !f?.attributes['color'];
    const response = await service.search(search({ query: 'pink nike running shoes size 50 under 5' }), call);
    expect(response.items?.length).toBeGreaterThan(0);
    expect(response.relaxedFilters).toEqual([
      { field: 'attributes.size', value: '50' },
      { field: 'attributes.color', value: 'pink' },
    ]);
    // The price and the brand the query asked for still hold.
    expect(retrieval.lastRetrieve?.filters).toMatchObject({ brands: ['Nike'], price: { max: 5 }, attributes: {} });
    expect(response.degraded).toEqual([]);
  });

  it('never drops the caller\'s own filters: an empty page when nothing passes them', async () => {
    const parsed = parsedWith({ attributes: { color: 'pink' } });
    const { service, retrieval } = setup({ understander: { understand: async () => parsed, complete: async () => [] } });
    retrieval.anyPasses = (f) => !f?.brands.includes('Acme');
    const response = await service.search(search({ query: 'pink shoes', filters: { brands: ['Acme'] } }), call);
    expect(response.items).toEqual([]);
    expect(response.relaxedFilters).toEqual([]);
    expect(retrieval.lastRetrieve?.filters?.brands).toEqual(['Acme']);
  });

  it('does not ask again when the caller\'s own filter makes a step void (their price is the tighter one)', async () => {
    const parsed = parsedWith({ attributes: { color: 'pink' }, price: { max: 50 } });
    const { service, retrieval } = setup({ understander: { understand: async () => parsed, complete: async () => [] } });
    retrieval.anyPasses = () => false;
    const response = await service.search(search({ query: 'pink shoes under 50', filters: { price: { max: 30 } } }), call);
    expect(response.items).toEqual([]);
    // The first Retrieve, then without the colour; without the query's price the filters are the same as before.
    expect(retrieval.calls.retrieve).toBe(2);
  });

  it('relaxes as if nothing was found when only the rest of the product type came back (relaxed candidates)', async () => {
    const parsed = parsedWith({ brands: ['Nike'], price: { max: 5 } });
    const { service, retrieval } = setup({ understander: { understand: async () => parsed, complete: async () => [] } });
    retrieval.onlyRelaxed = (f) => f?.price?.max !== undefined;
    const response = await service.search(search({ query: 'nike running shoes under 5' }), call);
    expect(response.relaxedFilters).toEqual([{ field: 'price', value: '<= 5' }]);
    expect(retrieval.lastRetrieve?.filters).toMatchObject({ brands: ['Nike'] });
    expect(retrieval.lastRetrieve?.filters?.price).toBeUndefined();
  });

  it('relaxes when only other kinds of product pass the filters ("laptop under 500" finding laptop bags)', async () => {
    const parsed = create(ParsedQuerySchema, { original: 'laptop under 500', normalized: 'laptop under 500', residualText: 'laptop', filters: { price: { max: 500 } }, categories: [{ categoryPath: 'Electronics/Laptops', probability: 0.97 }] });
    const { service, retrieval } = setup({ understander: { understand: async () => parsed, complete: async () => [] } });
    // Under the price only bags pass; the in_type source finds the laptops, all over 500.
    const inType = (id: string, rank: number, relaxed: boolean): Candidate => create(CandidateSchema, { itemId: id, score: 1, sources: [{ source: 'in_type', score: 0.9, rank }], relaxed, ofProductType: true });
    retrieval.retrieve = async (request: RetrieveCall) => {
      retrieval.lastRetrieve = request;
      retrieval.calls.retrieve++;
      const cheap = request.filters?.price?.max !== undefined;
      return { candidates: [candidate('bag', 0), inType('laptop-1', 0, cheap), inType('laptop-2', 1, cheap)], unavailableSources: [] };
    };
    Object.assign(retrieval.categories, { bag: ['Bags', 'Laptop Bags'], 'laptop-1': ['Electronics', 'Laptops'], 'laptop-2': ['Electronics', 'Laptops'] });
    const response = await service.search(search({ query: 'laptop under 500' }), call);
    expect(response.relaxedFilters).toEqual([{ field: 'price', value: '<= 500' }]);
    expect(response.items!.map((i) => [i.itemId, i.matchQuality])).toEqual([
      ['laptop-1', MatchQuality.EXACT],
      ['laptop-2', MatchQuality.EXACT],
      ['bag', MatchQuality.OTHER_TYPE],
    ]);
  });

  it('relaxes nothing when a product of the type passes the filters, whichever source found it', async () => {
    const parsed = create(ParsedQuerySchema, { original: 'laptop under 500', normalized: 'laptop under 500', residualText: 'laptop', filters: { price: { max: 500 } }, categories: [{ categoryPath: 'Electronics/Laptops', probability: 0.97 }] });
    const { service, retrieval } = setup({ understander: { understand: async () => parsed, complete: async () => [] } });
    // A large type: the in_type source's nearest ones are all dear; the cheap laptop came from lexical.
    retrieval.retrieve = async (request: RetrieveCall) => {
      retrieval.lastRetrieve = request;
      retrieval.calls.retrieve++;
      return {
        candidates: [
          create(CandidateSchema, { itemId: 'cheap-laptop', score: 1, sources: [{ source: 'lexical', score: 3, rank: 0 }], ofProductType: true }),
          create(CandidateSchema, { itemId: 'dear-laptop', score: 1, sources: [{ source: 'in_type', score: 0.9, rank: 0 }], relaxed: true, ofProductType: true }),
        ],
        unavailableSources: [],
      };
    };
    const response = await service.search(search({ query: 'laptop under 500' }), call);
    expect(response.relaxedFilters).toEqual([]);
    expect(retrieval.calls.retrieve).toBe(1);
    expect(response.items!.map((i) => [i.itemId, i.matchQuality])).toEqual([
      ['cheap-laptop', MatchQuality.EXACT],
      ['dear-laptop', MatchQuality.RELAXED],
    ]);
  });

  it('keeps the relaxed mark when the catalog cannot be read (retrieval judged the type)', async () => {
    const { service, retrieval } = setup({ understander: { understand: async () => create(ParsedQuerySchema, { original: 'red running shoes', normalized: 'red running shoes', residualText: 'running shoes', filters: { attributes: { color: 'red' } }, categories: [{ categoryPath: 'Shoes/Running Shoes', probability: 0.97 }] }), complete: async () => [] } });
    Object.assign(retrieval.categories, { c: ['Shoes', 'Running Shoes'], e: ['Shoes', 'Running Shoes'] });
    retrieval.relaxed.add('e');
    retrieval.failCatalog = true;
    const response = await service.search(search({ query: 'red running shoes' }), call);
    const match = new Map(response.items!.map((i) => [i.itemId, i.matchQuality]));
    expect([match.get('c'), match.get('e'), match.get('a')]).toEqual([MatchQuality.EXACT, MatchQuality.RELAXED, MatchQuality.OTHER_TYPE]);
  });

  it('relaxes nothing when the filters find products', async () => {
    const { service, retrieval } = setup({ understander: { understand: async () => parsedWith({ attributes: { color: 'pink' } }), complete: async () => [] } });
    const response = await service.search(search({ query: 'pink shoes' }), call);
    expect(response.relaxedFilters).toEqual([]);
    expect(retrieval.calls.retrieve).toBe(1);
  });
});

describe('Search with a product type', () => {
  const running = ['Shoes', 'Running Shoes'];
  const parsed = (probability: number) =>
    create(ParsedQuerySchema, { original: 'red running shoes', normalized: 'red running shoes', residualText: 'running shoes', filters: { attributes: { color: 'red' } }, categories: [{ categoryPath: 'Shoes/Running Shoes', probability }, { categoryPath: 'Clothing/Jackets', probability: (1 - probability) / 2 }, { categoryPath: 'Toys', probability: (1 - probability) / 2 }] });

  function typed(probability: number) {
    const context = setup({ understander: { understand: async () => parsed(probability), complete: async () => [] } });
    // Retrieval's order: a jacket first; "c" and "e" are running shoes, "e" only under the type's own filters.
    Object.assign(context.retrieval.categories, { a: ['Clothing', 'Jackets'], b: ['Clothing', 'Jackets'], c: running, d: ['Toys'], e: running, f: ['Shoes', 'Sneakers'] });
    context.retrieval.relaxed.add('e');
    return context;
  }

  it('asks retrieval for the type under the caller\'s filters only, and lists exact, relaxed, then other products', async () => {
    const { service, retrieval } = typed(0.95);
    const response = await service.search(search({ query: 'red running shoes', filters: { brands: ['Acme'] } }), call);
    expect(retrieval.lastRetrieve?.productType).toEqual({ categoryPath: 'Shoes/Running Shoes', filters: expect.objectContaining({ brands: ['Acme'], attributes: {} }) });
    expect(retrieval.lastRetrieve?.filters).toMatchObject({ brands: ['Acme'], attributes: { color: 'red' } });
    expect(response.productType).toBe('Shoes/Running Shoes');
    expect(response.items!.map((i) => [i.itemId, i.matchQuality])).toEqual([
      ['c', MatchQuality.EXACT],
      ['e', MatchQuality.RELAXED],
      ['a', MatchQuality.OTHER_TYPE],
      ['b', MatchQuality.OTHER_TYPE],
      ['d', MatchQuality.OTHER_TYPE],
      ['f', MatchQuality.OTHER_TYPE],
    ]);
  });

  it('has no type when query understanding is not confident of one, nor outside the caller\'s category, nor for a catalog sort', async () => {
    const unsure = typed(0.8);
    const response = await unsure.service.search(search({ query: 'red running shoes' }), call);
    expect(unsure.retrieval.lastRetrieve?.productType).toBeUndefined();
    expect(response.productType).toBe('');
    expect(response.items!.map((i) => i.itemId)).toEqual(IDS);
    expect(response.items!.every((i) => (i.matchQuality ?? MatchQuality.UNSPECIFIED) === MatchQuality.UNSPECIFIED)).toBe(true);

    const elsewhere = typed(0.95);
    await elsewhere.service.search(search({ query: 'red running shoes', filters: { categoryPath: 'Clothing' } }), call);
    expect(elsewhere.retrieval.lastRetrieve?.productType).toBeUndefined();

    const sorted = typed(0.95);
    await sorted.service.search(search({ query: 'red running shoes', sort: SortOrder.PRICE_ASCENDING }), call);
    expect(sorted.retrieval.lastRetrieve?.productType).toBeUndefined();
  });

  it('skips the in_type source with dense when the query could not be embedded (retrieval would only try again)', async () => {
    const { service, retrieval } = setup({
      understander: { understand: async () => parsed(0.95), complete: async () => [] },
      embedder: { embedQuery: async () => { throw Object.assign(new Error('embedding down'), { name: 'Error' }); } },
    });
    const response = await service.search(search({ query: 'red running shoes' }), call);
    expect(retrieval.lastRetrieve?.productType).toBeDefined();
    expect(retrieval.lastRetrieve?.skipSources).toEqual(['dense', 'inType']);
    expect(response.degraded).toContain(Degradation.EMBEDDING_UNAVAILABLE);
  });

  it('has no type when RANKING_PRODUCT_TYPE_MIN_PROBABILITY is 0', async () => {
    const { service, retrieval } = setup({
      understander: { understand: async () => parsed(1), complete: async () => [] },
      settings: { budgets: { queryUnderstanding: 50, embedding: 50, retrieval: 50, catalog: 50, userState: 30 }, candidates: 100, servedListTtlSeconds: 600, diversityLambda: 1, pageTokenKeys: ['unit-test-page-token-key'], productTypeMinProbability: 0 },
    });
    const response = await service.search(search({ query: 'red running shoes' }), call);
    expect(retrieval.lastRetrieve?.productType).toBeUndefined();
    expect(response.productType).toBe('');
  });

  it('keeps a caller\'s narrower category as the bound of the type', async () => {
    const { service, retrieval } = typed(0.95);
    await service.search(search({ query: 'red running shoes', filters: { categoryPath: 'Shoes/Running Shoes/Trail' } }), call);
    expect(retrieval.lastRetrieve?.productType?.categoryPath).toBe('Shoes/Running Shoes/Trail');
  });
});

describe('Search sorted other than by relevance', () => {
  it('keeps the order retrieval sorted every match in, asks retrieval for it, and numbers the positions again', async () => {
    // A model that would put the list upside down: the sort must win over it.
    const reversing: ScoringModel = { version: 'reversing', score: (x) => -(x['retrieval_rr'] ?? 0), contributions: () => [] };
    const { service, retrieval } = setup({ models: { current: () => reversing, byVersion: () => undefined } });
    const response = await service.search(search({ query: 'mug', sort: SortOrder.PRICE_ASCENDING, pageSize: 6 }), call);
    expect(retrieval.lastRetrieve?.sort).toBe(SortOrder.PRICE_ASCENDING);
    expect(response.items?.map((i) => i.itemId)).toEqual(IDS);
    expect(response.items?.map((i) => i.position)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('orders by 7-day purchases for best-selling, without asking retrieval to sort', async () => {
    const { service, retrieval, state } = setup();
    const week = (purchases: number, clicks: number) => ({ lastHour: { impressions: 0, clicks: 0, carts: 0, purchases: 0 }, last24h: { impressions: 0, clicks: 0, carts: 0, purchases: 0 }, last7d: { impressions: 10, clicks, carts: 0, purchases }, ctr: 0, cartRate: 0, trend: 0 });
    state.extra = { items: { e: week(9, 1), b: week(2, 50), d: week(2, 3) } };
    const response = await service.search(search({ query: 'mug', sort: SortOrder.BEST_SELLING, pageSize: 6 }), call);
    expect(retrieval.lastRetrieve?.sort).toBeUndefined();
    expect(response.items?.slice(0, 3).map((i) => i.itemId)).toEqual(['e', 'b', 'd']);
  });

  it('binds page tokens to the sort: a token of one order does not continue another', async () => {
    const { service } = setup();
    const first = await service.search(search({ query: 'mug', sort: SortOrder.PRICE_ASCENDING, pageSize: 2 }), call);
    await expect(service.search(search({ query: 'mug', sort: SortOrder.NEWEST, pageSize: 2, pageToken: first.nextPageToken! }), call)).rejects.toThrow(/page_token/);
    const second = await service.search(search({ query: 'mug', sort: SortOrder.PRICE_ASCENDING, pageSize: 2, pageToken: first.nextPageToken! }), call);
    expect(second.items?.map((i) => i.itemId)).toEqual(['c', 'd']);
  });
});

describe('Suggest', () => {
  const suggest = (prefix: string, limit = 0) => create(SuggestRequestSchema, { prefix, limit });

  it('passes the prefix and limit to query understanding and returns its suggestions as they come', async () => {
    const asked: [string, number][] = [];
    const suggestions = [create(SuggestionSchema, { text: '连衣裙', productCount: 5, match: SuggestionMatch.PINYIN })];
    const { service } = setup({ understander: { understand: async () => create(ParsedQuerySchema), complete: async (prefix, limit) => (asked.push([prefix, limit]), suggestions) } });
    const response = await service.suggest(suggest('lianyiq', 3), call);
    expect(asked).toEqual([['lianyiq', 3]]);
    expect(response.suggestions).toBe(suggestions);
    expect(response.degraded).toEqual([]);
  });

  it('answers an empty, flagged list when query understanding fails, and counts the degradation', async () => {
    const { service, degradedCount } = setup();
    const response = await service.suggest(suggest('run'), call);
    expect(response.suggestions).toEqual([]);
    expect(response.degraded).toEqual([Degradation.QUERY_UNDERSTANDING_UNAVAILABLE]);
    expect((await degradedCount())?.values.reduce((sum, v) => sum + v.value, 0)).toBe(1);
  });

  it('answers an empty, flagged list when no query understanding is configured', async () => {
    const { service } = setup({ understander: undefined });
    const response = await service.suggest(suggest('run'), call);
    expect(response.suggestions).toEqual([]);
    expect(response.degraded).toEqual([Degradation.QUERY_UNDERSTANDING_UNAVAILABLE]);
  });
});

describe('mergeFilters', () => {
  it('takes the narrower of request and query filters', () => {
    const merged = mergeFilters(create(SearchRequestSchema, { filters: { price: { max: 50 }, brands: ['Nike'] } }).filters, create(SearchRequestSchema, { filters: { price: { min: 10, max: 80 }, attributes: { color: 'red' } } }).filters);
    expect(merged?.price).toMatchObject({ min: 10, max: 50 });
    expect(merged?.brands).toEqual(['Nike']);
    expect(merged?.attributes).toEqual({ color: 'red' });
  });
});
