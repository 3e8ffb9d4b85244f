import { Degradation } from '@shopsense/contracts';
import { parseBusinessRules } from './business-rules';
import { FtrlModel, SERVING_FTRL_CONFIG } from './ftrl';
import { DegradationReport } from './pipeline';
import { NOOP_MODEL_VERSION, rankCandidates, type RankInput, type ScoringModel } from './ranker';
import { aCandidate, aContext } from './testing/ranking-factories';

/** Candidates in retrieval order; "c" is the one the user's taste (vector [1, 0]) prefers. */
const candidates = [
  aCandidate({ itemId: 'a', retrievalRank: 0, sources: [{ source: 'lexical', score: 9, rank: 0 }], vector: [0, 1], product: { price: 10, inStock: true } }),
  aCandidate({ itemId: 'b', retrievalRank: 1, sources: [{ source: 'lexical', score: 5, rank: 1 }], vector: [0.1, 1], product: { price: 20, inStock: false } }),
  aCandidate({ itemId: 'c', retrievalRank: 2, sources: [{ source: 'dense', score: 0.7, rank: 0 }], vector: [1, 0], product: { price: 30, brand: 'acme' } }),
];
const context = aContext({ queryText: 'running shoes', userLongVector: [1, 0] });

/** A model that likes user similarity. */
function tasteModel(version = 'ftrl-test'): FtrlModel {
  return FtrlModel.fromSnapshot(new FtrlModel({ alpha: 0.1, beta: 1, l1: 0, l2: 0, initialWeights: { bias: -2, user_item_cosine_long: 3 } }).toSnapshot({ version, createdAtMs: 0 }));
}

const input = (overrides: Partial<RankInput> = {}): RankInput => ({
  context,
  candidates,
  ruleContext: { surface: 'search', channel: 'web', query: 'running shoes', purchasedItemIds: new Set() },
  report: new DegradationReport(),
  ...overrides,
});
const ids = (outcome: { items: { itemId: string }[] }) => outcome.items.map((i) => i.itemId);

describe('rankCandidates', () => {
  it('serves the retrieval order with the no-op ranker when there is no model', () => {
    const report = new DegradationReport();
    const outcome = rankCandidates(input({ report }));
    expect(ids(outcome)).toEqual(['a', 'b', 'c']);
    expect(outcome.modelVersion).toBe(NOOP_MODEL_VERSION);
    expect(outcome.items.map((i) => i.score)).toEqual([-0, -Math.log(2), -Math.log(3)]);
    expect(outcome.items.map((i) => i.clickProbability)).toEqual([expect.closeTo(6 / 11, 12), expect.closeTo(3 / 11, 12), expect.closeTo(2 / 11, 12)]);
    // Deciding that no model is usable is the application's call; the ranker only records failures.
    expect(report.flags()).toEqual([]);
  });

  it('orders by model score and gives softmax click probabilities over the list', () => {
    const outcome = rankCandidates(input({ model: tasteModel() }));
    expect(ids(outcome)).toEqual(['c', 'b', 'a']);
    expect(outcome.modelVersion).toBe('ftrl-test');
    expect(outcome.items.map((i) => i.position)).toEqual([0, 1, 2]);
    expect(outcome.items.reduce((s, i) => s + i.clickProbability, 0)).toBeCloseTo(1, 12);
    expect(outcome.items[0]!.clickProbability).toBeGreaterThan(outcome.items[1]!.clickProbability);
    expect(outcome.items[0]!.sources).toEqual(['dense']);
    expect(outcome.items[0]!.features['user_item_cosine_long']).toBeCloseTo(1);
  });

  it('falls back to the retrieval order and flags the model when it throws or gives non-finite scores', () => {
    const throwing: ScoringModel = { version: 'bad', score: () => { throw new Error('boom'); }, contributions: () => [] };
    const nan: ScoringModel = { version: 'nan', score: () => Number.NaN, contributions: () => [] };
    for (const model of [throwing, nan]) {
      const report = new DegradationReport();
      const outcome = rankCandidates(input({ model, report }));
      expect(ids(outcome)).toEqual(['a', 'b', 'c']);
      expect(outcome.modelVersion).toBe(NOOP_MODEL_VERSION);
      expect(report.flags()).toEqual([Degradation.MODEL_UNAVAILABLE]);
    }
  });

  it('scores with the variant\'s feature weights but logs the true feature values', () => {
    const outcome = rankCandidates(input({ model: tasteModel(), featureWeights: { user_item_cosine_long: 0 } }));
    expect(ids(outcome)).toEqual(['a', 'b', 'c']); // all scores tie: retrieval order
    expect(outcome.items[2]!.features['user_item_cosine_long']).toBeCloseTo(1);
  });

  it('applies business rules: hides out-of-stock items, pins win', () => {
    const rules = parseBusinessRules({ hideOutOfStock: true, rules: [{ type: 'pin', itemId: 'a', position: 0 }] });
    const outcome = rankCandidates(input({ model: tasteModel(), rules }));
    expect(ids(outcome)).toEqual(['a', 'c']);
    expect(outcome.hidden).toEqual([{ id: 'b', reason: 'out_of_stock' }]);
    expect(outcome.pinned).toEqual(['a']);
  });

  it('diversifies with MMR when λ < 1', () => {
    // By relevance: a, b (a near-duplicate of a), c. With diversity, c comes before b.
    const relevanceModel = FtrlModel.fromSnapshot(new FtrlModel({ alpha: 0.1, beta: 1, l1: 0, l2: 0, initialWeights: { retrieval_rr: 2 } }).toSnapshot({ version: 'rr', createdAtMs: 0 }));
    expect(ids(rankCandidates(input({ model: relevanceModel })))).toEqual(['a', 'b', 'c']);
    expect(ids(rankCandidates(input({ model: relevanceModel, diversityLambda: 0.3 })))).toEqual(['a', 'c', 'b']);
  });

  it('serves the model order and flags the re-rank when it fails', () => {
    const report = new DegradationReport();
    const outcome = rankCandidates(input({ model: tasteModel(), diversityLambda: 7, rules: parseBusinessRules({ hideOutOfStock: true }), report }));
    expect(ids(outcome)).toEqual(['c', 'b', 'a']);
    expect(report.flags()).toEqual([Degradation.RERANK_UNAVAILABLE]);
  });

  it('explains each item: contributions that add up to its score, and reasons', () => {
    const outcome = rankCandidates(input({ model: tasteModel(), explain: true }));
    for (const item of outcome.items) {
      const sum = item.contributions!.reduce((s, c) => s + c.contribution, 0);
      expect(sum).toBeCloseTo(item.score, 12);
    }
    expect(outcome.items[0]!.reasons).toEqual(['similar to items you viewed']);
    const noop = rankCandidates(input({ explain: true }));
    expect(noop.items[0]!.contributions).toEqual([]);
    expect(noop.items[0]!.reasons).toEqual(["matches 'running shoes'"]);
    expect(rankCandidates(input()).items[0]!.reasons).toBeUndefined();
  });

  it('places the candidates\' prices within their category for price preferences', () => {
    const cheap = aContext({ boosts: [{ field: 'price', value: 'low', weight: 1 }] });
    const outcome = rankCandidates(input({ context: cheap }));
    const fit = (id: string) => outcome.items.find((i) => i.itemId === id)!.features['price_preference_fit'];
    // a $10, b $20, c $30, one (empty) category: the cheapest fits "cheap" best.
    expect([fit('a'), fit('b'), fit('c')]).toEqual([1, 0, -1]);
  });

  it('lists the cheapest of a kind first for "cheap" with the served prior, though the query matches a dearer one better', () => {
    const dress = (itemId: string, price: number, cosine: number) => aCandidate({ itemId, vector: [cosine, Math.sqrt(1 - cosine * cosine)], product: { price, categoryPath: ['Clothing', 'Dresses'] } });
    const candidates = [dress('dear', 90, 0.95), dress('middle', 60, 0.9), dress('cheap', 30, 0.85)];
    const model = new FtrlModel(SERVING_FTRL_CONFIG);
    const order = (boosts: { field: string; value: string; weight: number }[]) =>
      ids(rankCandidates(input({ candidates, model, context: aContext({ queryText: 'red dress', queryVector: [1, 0], boosts }), explain: true })));
    expect(order([])).toEqual(['dear', 'middle', 'cheap']);
    expect(order([{ field: 'price', value: 'low', weight: 0.5 }])).toEqual(['cheap', 'middle', 'dear']);
    const explained = rankCandidates(input({ candidates, model, context: aContext({ queryText: 'cheap red dress', queryVector: [1, 0], boosts: [{ field: 'price', value: 'low', weight: 0.5 }] }), explain: true }));
    expect(explained.items[0]!.reasons).toContain('matches your price preference');
  });

  it('handles an empty candidate list', () => {
    expect(rankCandidates(input({ candidates: [], model: tasteModel() }))).toEqual({ items: [], modelVersion: 'ftrl-test', hidden: [], pinned: [] });
  });

  it('orders by relevance before any feedback: two items that differ only in their lexical match score differently, and the explanation names the feature', () => {
    const same = { retrievalRank: undefined, vector: [0.6, 0.8], product: { price: 20, inStock: true } };
    const outcome = rankCandidates(
      input({
        context: aContext({ queryText: 'running shoes', queryVector: [0.6, 0.8] }),
        // Given in the "wrong" order: the one without a lexical match first.
        candidates: [aCandidate({ itemId: 'unmatched', ...same, sources: [] }), aCandidate({ itemId: 'matched', ...same, sources: [{ source: 'lexical', score: 6, rank: 0 }] })],
        model: new FtrlModel(SERVING_FTRL_CONFIG),
        explain: true,
      }),
    );
    expect(ids(outcome)).toEqual(['matched', 'unmatched']);
    const [matched, unmatched] = outcome.items;
    expect(matched!.score - unmatched!.score).toBeCloseTo(Math.log1p(6) * SERVING_FTRL_CONFIG.initialWeights!['retrieval_lexical_score']!, 9);
    const differing = matched!.contributions!.filter((c) => !unmatched!.contributions!.some((u) => u.feature === c.feature && u.contribution === c.contribution));
    expect(differing.map((c) => c.feature)).toEqual(['retrieval_lexical_score']);
    expect(matched!.reasons).toContain("matches 'running shoes'");
    // Both share the query–item cosine term: relevance, not just the intercept, even for the unmatched one.
    expect(unmatched!.contributions!.map((c) => c.feature)).toEqual(expect.arrayContaining(['bias', 'query_item_cosine']));
  });

  it("lets a shopper's history reorder items the query matches equally, but not outrank an item the query matches better", () => {
    const model = new FtrlModel(SERVING_FTRL_CONFIG);
    const history = [1, 0];
    // Query vector [0.6, 0.8]: 'liked' and 'other' match it equally (cosine 0.96); 'liked' is nearer the history.
    const liked = aCandidate({ itemId: 'liked', retrievalRank: undefined, vector: [0.8, 0.6], sources: [] });
    const other = aCandidate({ itemId: 'other', retrievalRank: undefined, vector: [0.352, 0.936], sources: [] });
    const context = aContext({ queryText: 'q', queryVector: [0.6, 0.8], userShortVector: history, userLongVector: history });
    expect(ids(rankCandidates(input({ context, candidates: [other, liked], model })))).toEqual(['liked', 'other']);
    const anonymous = aContext({ queryText: 'q', queryVector: [0.6, 0.8] });
    // Without a history the two tie: it is the history alone that put 'liked' first.
    const [first, second] = rankCandidates(input({ context: anonymous, candidates: [liked, other], model })).items;
    expect(first!.score).toBeCloseTo(second!.score, 9);

    // An item of the history that the query hardly matches stays below the one it matches.
    const exact = aCandidate({ itemId: 'exact', retrievalRank: undefined, vector: [0.6, 0.8], sources: [] });
    const offQuery = aCandidate({ itemId: 'off-query', retrievalRank: undefined, vector: [1, 0], sources: [] });
    expect(ids(rankCandidates(input({ context, candidates: [offQuery, exact], model })))).toEqual(['exact', 'off-query']);
  });
});

describe('rankCandidates with a product type', () => {
  const shoe = (itemId: string, rank: number, extra: Partial<Parameters<typeof aCandidate>[0]> = {}) =>
    aCandidate({ itemId, retrievalRank: rank, sources: [{ source: 'dense', score: 0.8, rank }], product: { categoryPath: ['Shoes', 'Running Shoes'] }, ...extra });
  const typed = [
    aCandidate({ itemId: 'jacket', retrievalRank: 0, sources: [{ source: 'dense', score: 0.9, rank: 0 }], product: { categoryPath: ['Clothing', 'Jackets'] } }),
    shoe('blue-shoe', 1, { relaxed: true }),
    shoe('red-shoe', 2),
  ];

  it('puts the products of the type first and those failing a query filter after the exact ones, whatever their scores', () => {
    const outcome = rankCandidates(input({ candidates: typed, productType: ['Shoes', 'Running Shoes'], explain: true }));
    expect(ids(outcome)).toEqual(['red-shoe', 'blue-shoe', 'jacket']);
    expect(outcome.items.map((i) => i.match)).toEqual(['exact', 'relaxed', 'other_type']);
    expect(outcome.items[2]!.reasons![0]).toBe('not a Running Shoes product: listed after every one');
    // The scores are the model's (here the no-op ranker's retrieval order): the groups, not the scores, decide.
    expect(outcome.items[2]!.score).toBeGreaterThan(outcome.items[0]!.score);
  });

  it('keeps the model order and marks nothing without a product type', () => {
    const outcome = rankCandidates(input({ candidates: typed }));
    expect(ids(outcome)).toEqual(['jacket', 'blue-shoe', 'red-shoe']);
    expect(outcome.items.every((i) => i.match === undefined)).toBe(true);
  });

  it('still lets a pin place an item of another type first', () => {
    const rules = parseBusinessRules({ rules: [{ type: 'pin', itemId: 'jacket', position: 0 }] });
    const outcome = rankCandidates(input({ candidates: typed, productType: ['Shoes', 'Running Shoes'], rules }));
    expect(ids(outcome)).toEqual(['jacket', 'red-shoe', 'blue-shoe']);
  });
});
