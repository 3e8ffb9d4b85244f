import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { HitCountSchema, SuggestionMatch, SuggestionSchema, SuggestionSource, TrainingExampleSchema, type Suggestion } from '@shopsense/contracts';
import { createLogger } from '@shopsense/observability';
import { mergeSuggestions, PastQuerySuggestions } from './past-query-suggestions';
import type { CandidateSource, RetrieveCall } from './ranking.ports';
import { SearchAnalytics } from './search-analytics';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const logger = createLogger('test', 'silent');

/** Retrieval that knows how many products hold each query's words. */
class CountingRetrieval implements CandidateSource {
  calls: string[] = [];
  products = new Map<string, number>();
  failing = new Set<string>();
  async retrieve(call: RetrieveCall) {
    this.calls.push(call.queryText);
    if (this.failing.has(call.queryText)) throw new Error('retrieval down');
    const value = this.products.get(call.queryText) ?? 0;
    return { candidates: [], unavailableSources: [], totalHits: create(HitCountSchema, { value: BigInt(value), lexical: value > 0 }) };
  }
  async similarItems() {
    return { candidates: [], unavailableSources: [] };
  }
  async itemVectors() {
    return new Map<string, Float32Array>();
  }
}

function clicks(analytics: SearchAnalytics, query: string, users: number, daysAgo = 0): void {
  for (let u = 0; u < users; u++) {
    analytics.record(create(TrainingExampleSchema, { requestId: `${query}-${daysAgo}-${u}`, pseudonymousUserId: `k1:user-${u}`, query, surface: 'search', itemId: 'i1', clicked: true, servedAt: timestampFromMs(NOW - daysAgo * 86_400_000) }));
  }
}

function setup() {
  let now = NOW;
  const analytics = new SearchAnalytics({ readSearchCounts: async () => new Map() }, 3, () => now);
  const retrieval = new CountingRetrieval();
  const past = new PastQuerySuggestions(analytics, retrieval, { days: 30, maxQueries: 100, refreshMs: 60_000, checkBudgetMs: 100 }, logger, () => now);
  return { analytics, retrieval, past, advance: (ms: number) => (now += ms) };
}

const texts = (suggestions: readonly Suggestion[]) => suggestions.map((s) => s.text);

describe('PastQuerySuggestions', () => {
  it('offers clicked queries of enough different shoppers that still find products, most clicked first, by prefix or inner word', async () => {
    const { analytics, retrieval, past } = setup();
    clicks(analytics, 'running shoes', 5);
    clicks(analytics, 'running socks', 3);
    clicks(analytics, 'trail running shoes', 4);
    clicks(analytics, 'running belt', 2); // too few shoppers: one person's query stays private
    clicks(analytics, 'running cap', 6); // no product holds it any more
    clicks(analytics, 'running watch', 9, 40); // clicked, but 40 days ago
    retrieval.products = new Map([
      ['running shoes', 12],
      ['running socks', 3],
      ['trail running shoes', 4],
      ['running belt', 2],
      ['running watch', 5],
    ]);
    await past.rebuild();
    const found = past.complete('Runn', 10);
    expect(texts(found)).toEqual(['running shoes', 'trail running shoes', 'running socks']);
    expect(found[0]).toMatchObject({ productCount: 12, sources: [SuggestionSource.PAST_QUERIES], match: SuggestionMatch.PREFIX });
    expect(found[1]!.match).toBe(SuggestionMatch.INFIX);
    expect(texts(past.complete('runn', 1))).toEqual(['running shoes']);
    expect(past.complete('  ', 5)).toEqual([]);
  });

  it('checks a query once per refresh period, and leaves out a query whose check failed until it succeeds', async () => {
    const { analytics, retrieval, past, advance } = setup();
    clicks(analytics, 'mug', 3);
    retrieval.products.set('mug', 4);
    retrieval.failing.add('mug');
    await past.rebuild();
    expect(past.complete('mu', 5)).toEqual([]);
    retrieval.failing.clear();
    await past.rebuild();
    expect(retrieval.calls).toEqual(['mug']); // checked within the period: not again
    advance(61_000);
    await past.rebuild();
    expect(texts(past.complete('mu', 5))).toEqual(['mug']);
    expect(retrieval.calls).toEqual(['mug', 'mug']);
  });
});

describe('mergeSuggestions', () => {
  const suggestion = (text: string, source: SuggestionSource, match = SuggestionMatch.PREFIX, productCount = 1) => create(SuggestionSchema, { text, sources: [source], match, productCount });

  it('puts past prefix matches first, then the catalog, then past inner-word matches, each text once with both sources', () => {
    const past = [suggestion('running shoes', SuggestionSource.PAST_QUERIES, SuggestionMatch.PREFIX, 9), suggestion('trail running', SuggestionSource.PAST_QUERIES, SuggestionMatch.INFIX), suggestion('runners', SuggestionSource.PAST_QUERIES)];
    const catalog = [suggestion('running', SuggestionSource.CATEGORY), suggestion('running shoes', SuggestionSource.TITLE, SuggestionMatch.PREFIX, 14)];
    const merged = mergeSuggestions(past, catalog, 10);
    expect(texts(merged)).toEqual(['running shoes', 'runners', 'running', 'trail running']);
    expect(merged[0]).toMatchObject({ sources: [SuggestionSource.PAST_QUERIES, SuggestionSource.TITLE], productCount: 14 });
    expect(texts(mergeSuggestions(past, catalog, 2))).toEqual(['running shoes', 'runners']);
    expect(past[0]!.sources).toEqual([SuggestionSource.PAST_QUERIES]); // inputs untouched
  });
});
