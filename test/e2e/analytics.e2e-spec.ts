/**
 * Issue 21, search analytics end to end over the real Kafka and Redis: searches go through two
 * ranking replicas' Search, the storefront's impressions, clicks and purchases go through Kafka
 * to feedback, whose join (a short window here) emits training examples that every ranking
 * replica reads; AnalyticsService on either replica answers the exact numbers planned below.
 * Half the impressions do not carry the query: the join takes it from what ranking logged.
 * Suggest then offers the past query enough different shoppers clicked.
 */
import { EventType, AnalyticsService, RankingService, SuggestionSource, type QueryStats, type SearchResponse } from '@shopsense/contracts';
import { loadDemoProducts } from '@shopsense/datasets';
import type { AppError } from '@shopsense/errors';
import { createGrpcClient, type ServiceClient } from '@shopsense/grpc';
import { expectEventually } from '@shopsense/testing';
import { behaviorEvent, insecure, startServiceStack, type ServiceStack } from './support/service-stack';

let stack: ServiceStack;
let ranking: ServiceClient<typeof RankingService>[] = [];
let analytics: ServiceClient<typeof AnalyticsService>[] = [];

beforeAll(async () => {
  stack = await startServiceStack({
    name: 'analytics',
    products: loadDemoProducts().filter((_, i) => i % 4 === 0),
    queryUnderstanding: false,
    eventsTopic: 'own',
    rankingLearns: true,
    rankingReplicas: 2,
    feedbackEnv: { FEEDBACK_TRAINING_JOIN_WINDOW_S: '2', FEEDBACK_TRAINING_SWEEP_INTERVAL_MS: '250' },
    // Two different shoppers' clicks make a query suggestible (running shoes has two, yoga mat one).
    rankingEnv: { RANKING_SUGGEST_MIN_USERS: '2' },
  });
  ranking = stack.rankingAddrs.map((addr) => createGrpcClient(RankingService, addr, { credentials: insecure, defaultTimeoutMs: 60_000 }));
  analytics = stack.rankingAddrs.map((addr) => createGrpcClient(AnalyticsService, addr, { credentials: insecure, defaultTimeoutMs: 30_000 }));
}, 600_000);

afterAll(async () => {
  for (const client of [...ranking, ...analytics]) client.close();
  await stack?.stop();
}, 120_000);

/** Yesterday to tomorrow: the test may cross midnight (UTC). */
const around = () => ({ fromDay: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10), toDay: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10) });
const figures = (s: QueryStats | undefined) =>
  s && { query: s.query, searches: Number(s.searches), zero: Number(s.zeroResultSearches), shown: Number(s.shownSearches), clicked: Number(s.clickedSearches), converted: Number(s.convertedSearches), ctr: s.clickThroughRate, conversion: s.conversionRate };

describe('search analytics from searches, impressions and clicks through the public APIs', () => {
  it('reports the exact searches, zero-result searches, click-through and conversion per query on every replica', async () => {
    // Searches: alternate replicas, so the counts must add up across them. "Running Shoes!" is
    // "running shoes" once normalised; teapot from a brand nobody sells finds nothing.
    const plan: { query: string; brand?: string }[] = [
      ...Array(4).fill({ query: 'running shoes' }),
      { query: 'Running Shoes!' },
      ...Array(3).fill({ query: 'coffee beans' }),
      ...Array(2).fill({ query: 'yoga mat' }),
      ...Array(2).fill({ query: 'teapot', brand: 'No Such Brand' }),
    ];
    const served: { query: string; response: SearchResponse; userId: string }[] = [];
    for (const [i, { query, brand }] of plan.entries()) {
      const userId = `analytics-user-${i}`;
      const response = await ranking[i % 2]!.search({ query, userId, sessionId: `s-${i}`, pageSize: 5, ...(brand ? { filters: { brands: [brand] } } : {}) });
      expect(response.items.length).toBe(brand ? 0 : 5);
      served.push({ query, response, userId });
    }
    // A second page is the same search: not counted again.
    const second = await ranking[0]!.search({ query: 'running shoes', userId: served[0]!.userId, sessionId: 's-0', pageSize: 5, pageToken: served[0]!.response.nextPageToken });
    expect(second.items.length).toBe(5);

    // The storefront's events: running shoes shown 4 times (2 clicked, 1 bought), coffee beans 3
    // times (never clicked), yoga mat once (clicked); the 5th running shoes search and the
    // second yoga mat search are never shown. Every other impression carries no query.
    const shownPlan: Record<number, { click?: boolean; buy?: boolean }> = { 0: { click: true, buy: true }, 1: { click: true }, 2: {}, 3: {}, 5: {}, 6: {}, 7: {}, 8: { click: true } };
    const events = Object.entries(shownPlan).flatMap(([index, what]) => {
      const { response, userId, query } = served[Number(index)]!;
      const items = response.items.map((item) => item.itemId);
      const common = { requestId: response.requestId, ...(Number(index) % 2 === 0 ? { query } : {}) };
      return [
        behaviorEvent(EventType.IMPRESSION, userId, `s-${index}`, items, { ...common, position: 0 }),
        ...(what.click ? [behaviorEvent(EventType.CLICK, userId, `s-${index}`, [items[1]!], { ...common, position: 1 })] : []),
        ...(what.buy ? [behaviorEvent(EventType.PURCHASE, userId, `s-${index}`, [items[1]!], { requestId: response.requestId })] : []),
      ];
    });
    await stack.produce(events);

    const expected = {
      totals: { query: '', searches: 12, zero: 2, shown: 8, clicked: 3, converted: 1, ctr: 3 / 8, conversion: 1 / 8 },
      top: [
        { query: 'running shoes', searches: 5, zero: 0, shown: 4, clicked: 2, converted: 1, ctr: 0.5, conversion: 0.25 },
        { query: 'coffee beans', searches: 3, zero: 0, shown: 3, clicked: 0, converted: 0, ctr: 0, conversion: 0 },
        { query: 'teapot', searches: 2, zero: 2, shown: 0, clicked: 0, converted: 0, ctr: 0, conversion: 0 },
        { query: 'yoga mat', searches: 2, zero: 0, shown: 1, clicked: 1, converted: 0, ctr: 1, conversion: 0 },
      ],
    };
    for (const client of analytics) {
      await expectEventually(
        async () => {
          const report = await client.getSearchAnalytics(around());
          expect(figures(report.totals)).toEqual(expected.totals);
          expect(report.topQueries.map(figures)).toEqual(expected.top);
          expect(report.noResultQueries.map((s) => s.query)).toEqual(['teapot']);
          expect(report.noClickQueries.map((s) => s.query)).toEqual(['coffee beans']);
          expect(report.byClickThrough.map((s) => s.query)).toEqual(['yoga mat', 'running shoes', 'coffee beans']);
        },
        { timeoutMs: 180_000, intervalMs: 500 },
      );
    }

    // Suggest offers the past query two shoppers clicked, with the products it finds, on both
    // replicas (query understanding is not running here: the catalog's part is missing).
    for (const client of ranking) {
      await expectEventually(
        async () => {
          const { suggestions } = await client.suggest({ prefix: 'runn', limit: 5 });
          expect(suggestions.map((s) => [s.text, s.sources])).toEqual([['running shoes', [SuggestionSource.PAST_QUERIES]]]);
          expect(suggestions[0]!.productCount).toBeGreaterThan(0);
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      expect((await client.suggest({ prefix: 'yoga' })).suggestions).toEqual([]);
    }

    // Another period has none of it; a malformed one is refused, naming the field.
    const before = await analytics[0]!.getSearchAnalytics({ fromDay: '2020-01-01', toDay: '2020-01-31' });
    expect(figures(before.totals)).toMatchObject({ searches: 0, shown: 0 });
    const refused = await analytics[1]!.getSearchAnalytics({ fromDay: '2026-02-30' }).catch((e: AppError) => e);
    expect((refused as AppError).code).toBe('INVALID_ARGUMENT');
    expect((refused as AppError).message).toContain('from_day: must be a day as YYYY-MM-DD');
  }, 300_000);
});
