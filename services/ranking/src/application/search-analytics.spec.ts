import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { TrainingExampleSchema } from '@shopsense/contracts';
import type { AppError } from '@shopsense/errors';
import { SearchAnalytics } from './search-analytics';

const NOW = Date.parse('2026-12-07T12:00:00Z');

describe('SearchAnalytics.report', () => {
  const asked: string[][] = [];
  const analytics = new SearchAnalytics({ readSearchCounts: async (days) => (asked.push([...days]), new Map([['mug', { searches: 4, zeroResults: 1 }]])) }, 3, () => NOW);
  analytics.record(create(TrainingExampleSchema, { requestId: 'r1', pseudonymousUserId: 'k1:u', query: 'mug', surface: 'search', itemId: 'i1', clicked: true, servedAt: timestampFromMs(NOW) }));
  const refusal = (from: string | undefined, to: string | undefined) => analytics.report(from, to, 10).then(() => 'accepted', (e: AppError) => `${e.code} ${e.message}`);

  it('defaults to the last 7 days and joins the store counts with the engagement read here', async () => {
    const report = await analytics.report(undefined, undefined, 10);
    expect(report).toMatchObject({ fromDay: '2026-12-01', toDay: '2026-12-07' });
    expect(asked.at(-1)).toEqual(['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06', '2026-12-07']);
    expect(report.topQueries[0]).toMatchObject({ query: 'mug', searches: 4, zeroResultSearches: 1, shownSearches: 1, clickedSearches: 1, clickThroughRate: 1 });
  });

  it('checks the period once the defaults are filled in', async () => {
    expect(await refusal('2026-12-08', undefined)).toBe('INVALID_ARGUMENT invalid argument: from_day: the period 2026-12-08 to 2026-12-07 ends before it starts');
    expect(await refusal('2020-01-01', undefined)).toBe('INVALID_ARGUMENT invalid argument: from_day: the period 2020-01-01 to 2026-12-07 is longer than 400 days');
    expect(await refusal(undefined, '2020-01-01')).toBe('accepted');
    expect(await refusal('2025-11-03', '2026-12-07')).toBe('accepted'); // 400 days, both ends included
    expect(await refusal('2025-11-02', '2026-12-07')).toMatch(/longer than 400 days/);
  });
});
