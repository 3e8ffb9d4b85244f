import { dayOf, daysBetween, isDay, SearchEngagement, searchReport, type ShownItem } from './search-analytics';

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-12-07T10:00:00Z');
const shown = (requestId: string, query: string, extra: Partial<ShownItem> = {}): ShownItem => ({ requestId, user: `u-${requestId}`, query, surface: 'search', servedAtMs: T0, clicked: false, purchased: false, ...extra });

describe('days', () => {
  it('reads real calendar days only, and lists a period with both ends', () => {
    expect(isDay('2026-12-07')).toBe(true);
    expect(isDay('2026-02-30')).toBe(false);
    expect(isDay('2026-12-7')).toBe(false);
    expect(isDay('yesterday')).toBe(false);
    expect(daysBetween('2026-12-30', '2027-01-02')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
    expect(daysBetween('2026-12-08', '2026-12-07')).toEqual([]);
    expect(dayOf(T0)).toBe('2026-12-07');
  });
});

describe('SearchEngagement', () => {
  it('counts a search once as shown, once as clicked and once as converted, whatever the number of its items or redeliveries', () => {
    const e = new SearchEngagement();
    e.record(shown('r1', 'mug'));
    e.record(shown('r1', 'mug', { clicked: true }));
    e.record(shown('r1', 'mug', { clicked: true, purchased: true }));
    e.record(shown('r1', 'mug', { clicked: true })); // redelivered
    e.record(shown('r2', 'mug'));
    e.record(shown('r3', 'mug', { servedAtMs: T0 - DAY_MS, clicked: true }));
    e.record(shown('r4', '', {})); // no query: not a search to report
    e.record(shown('r5', 'mug', { surface: 'recommend' }));
    expect(Object.fromEntries(e.over(['2026-12-07']))).toEqual({ mug: { shown: 2, clicked: 1, converted: 1 } });
    expect(Object.fromEntries(e.over(['2026-12-06', '2026-12-07']))).toEqual({ mug: { shown: 3, clicked: 2, converted: 1 } });
    expect(e.clickersOf('mug', ['2026-12-06', '2026-12-07'])).toBe(2); // u-r1 and u-r3
    expect(e.clickersOf('mug', ['2026-12-07'])).toBe(1);
  });

  it('counts different clicking users per query over the days asked for, up to its cap', () => {
    const e = new SearchEngagement(3);
    for (const [i, user] of ['a', 'b', 'a', 'c', 'd', 'e'].entries()) e.record(shown(`r${i}`, 'mug', { user, clicked: true }));
    e.record(shown('r9', 'mug', { user: '', clicked: true }));
    e.record(shown('r10', 'kettle', { user: 'a' })); // shown, not clicked
    e.record(shown('r11', 'kettle', { user: 'b', clicked: true, servedAtMs: T0 - 40 * DAY_MS }));
    e.record(shown('r12', 'kettle', { user: 'c', clicked: true, servedAtMs: T0 - 40 * DAY_MS }));
    expect(e.clickersOf('mug', ['2026-12-07'])).toBe(3);
    expect(e.clickersOf('kettle', ['2026-12-07'])).toBe(0);
    expect(e.clickersOf('kettle', daysBetween('2026-10-01', '2026-12-07'))).toBe(2);
  });
});

describe('searchReport', () => {
  it('builds the top, no-result, no-click and click-through lists with totals and rates', () => {
    const searches = new Map([
      ['mug', { searches: 5, zeroResults: 0 }],
      ['teapot', { searches: 5, zeroResults: 1 }],
      ['unicorn lamp', { searches: 2, zeroResults: 2 }],
      ['kettle', { searches: 1, zeroResults: 0 }],
    ]);
    const engagement = new Map([
      ['mug', { shown: 4, clicked: 2, converted: 1 }],
      ['teapot', { shown: 4, clicked: 0, converted: 0 }],
      ['kettle', { shown: 1, clicked: 1, converted: 0 }],
    ]);
    const report = searchReport(searches, engagement, 3);
    expect(report.totals).toEqual({ query: '', searches: 13, zeroResultSearches: 3, shownSearches: 9, clickedSearches: 3, convertedSearches: 1, clickThroughRate: 3 / 9, conversionRate: 1 / 9 });
    expect(report.topQueries.map((r) => r.query)).toEqual(['mug', 'teapot', 'unicorn lamp']);
    expect(report.noResultQueries.map((r) => [r.query, r.zeroResultSearches])).toEqual([
      ['unicorn lamp', 2],
      ['teapot', 1],
    ]);
    expect(report.noClickQueries.map((r) => r.query)).toEqual(['teapot']);
    expect(report.byClickThrough.map((r) => [r.query, r.clickThroughRate])).toEqual([
      ['kettle', 1],
      ['mug', 0.5],
      ['teapot', 0],
    ]);
    expect(report.topQueries[0]).toMatchObject({ conversionRate: 0.25 });
  });
});
