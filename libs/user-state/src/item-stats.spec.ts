import fc from 'fast-check';
import { addToWindows, dayBucket, hourBucket, itemStats, smoothedRate, windowTotals, zeroCounts, type Counts } from './item-stats';

const NOW = 1_780_000_000;

describe('item windows', () => {
  it('counts every event once in the last hour, 24 hours and 7 days, whatever the order of arrival', () => {
    const event = fc.record({ age: fc.integer({ min: 0, max: 7 * 86400 - 1 }), metric: fc.constantFrom('impressions', 'clicks', 'carts', 'purchases' as const) });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 300 }), (events) => {
        const fields: Record<string, string> = {};
        const expected = { lastHour: zeroCounts(), last24h: zeroCounts(), last7d: zeroCounts() };
        for (const { age, metric } of events) {
          const t = NOW - age;
          addToWindows(fields, hourBucket(t), { ...zeroCounts(), [metric]: 1 } as Counts);
          if (hourBucket(t) === hourBucket(NOW)) expected.lastHour[metric]++;
          if (hourBucket(t) > hourBucket(NOW) - 24) expected.last24h[metric]++;
          if (dayBucket(t) > dayBucket(NOW) - 7) expected.last7d[metric]++;
        }
        expect(windowTotals(fields, NOW)).toEqual(expected);
        expect(Object.keys(fields).filter((f) => f.startsWith('d')).length).toBeLessThanOrEqual(8 * 4);
      }),
    );
  });

  it('folds hours 24 or more back into their day when a newer hour opens, and drops days a week old', () => {
    const fields: Record<string, string> = {};
    const h = hourBucket(NOW);
    addToWindows(fields, h - 30, { ...zeroCounts(), clicks: 3 });
    addToWindows(fields, h - 2, { ...zeroCounts(), clicks: 2, impressions: 5 });
    addToWindows(fields, h - 24 * 9, { ...zeroCounts(), clicks: 7 });
    addToWindows(fields, h, { ...zeroCounts(), clicks: 1 });
    expect(Object.keys(fields).sort()).toEqual([`d${Math.floor((h - 30) / 24)}c`, `h${h - 2}c`, `h${h - 2}i`, `h${h}c`].sort());
    const w = windowTotals(fields, NOW);
    expect([w.lastHour.clicks, w.last24h.clicks, w.last7d.clicks, w.last24h.impressions]).toEqual([1, 3, 6, 5]);
  });

  it('smooths CTR towards the prior and lets evidence win', () => {
    expect(smoothedRate(1, 1)).toBeCloseTo((1 + 1) / 51, 10);
    expect(smoothedRate(0, 0)).toBeCloseTo(0.02, 10);
    expect(smoothedRate(5000, 10000)).toBeGreaterThan(0.49);
    expect(smoothedRate(10, 3)).toBeLessThanOrEqual(1); // clicks beyond impressions never exceed 1
  });

  it('reports a trend above 1 when the last hour is hotter than the day', () => {
    const lastHour = { ...zeroCounts(), clicks: 20 };
    const last24h = { ...zeroCounts(), clicks: 48 };
    expect(itemStats({ lastHour, last24h, last7d: last24h }).trend).toBeCloseTo(21 / 3, 10);
    expect(itemStats({ lastHour: zeroCounts(), last24h: zeroCounts(), last7d: zeroCounts() }).trend).toBe(1);
  });
});
