import fc from 'fast-check';
import {
  applyFeatureWeights,
  categoryMatchValue,
  channelGroup,
  CTR_PRIOR,
  FEATURE_INPUTS,
  FEATURE_NAMES,
  FEATURES,
  featureByName,
  featureVector,
  POSITION_FEATURE,
  placesWithinCategory,
  PREFERENCE_VALUES,
  preferenceFit,
  preferencesOf,
  priceFitValue,
  requiredInputs,
  smoothedCtrLogOdds,
  trendValue,
  userStateReads,
  withPosition,
  type CandidateInput,
  type RankingContext,
} from './features';
import { aCandidate, aContext, counts, DAY_MS, NOW_MS, windows } from './testing/ranking-factories';

const value = (name: string, context: RankingContext, candidate: CandidateInput) => featureVector(context, candidate)[name];

describe('feature registry', () => {
  it('has unique, stable snake_case names, each described and declaring only known inputs', () => {
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_NAMES.length);
    for (const feature of FEATURES) {
      expect(feature.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(feature.description.length).toBeGreaterThan(10);
      for (const input of Object.keys(feature.reads)) expect(FEATURE_INPUTS).toContain(input);
    }
    expect(featureByName('item_ctr')?.reads).toEqual({ itemStats: true });
    expect(featureByName('nope')).toBeUndefined();
  });

  it('covers what the ranking issue lists', () => {
    for (const source of ['dense', 'lexical', 'user_interest', 'similar']) {
      expect(FEATURE_NAMES).toContain(`retrieval_${source}_score`);
      expect(FEATURE_NAMES).toContain(`retrieval_${source}_rr`);
    }
    expect(FEATURE_NAMES).toEqual(
      expect.arrayContaining(['query_item_cosine', 'user_item_cosine_short', 'user_item_cosine_long', 'co_occurrence', 'item_ctr', 'query_item_ctr', 'popularity', 'trend', 'price_fit', 'price_preference_fit', 'freshness', 'channel_web', 'channel_app', 'channel_other', 'bias']),
    );
    expect(FEATURE_NAMES).not.toContain(POSITION_FEATURE);
  });

  it('lists the union of declared inputs in a fixed order, and the user-state parts to read in one round trip', () => {
    expect(requiredInputs()).toEqual([...FEATURE_INPUTS]);
    const some = [featureByName('item_ctr')!, featureByName('user_item_cosine_long')!];
    expect(requiredInputs(some)).toEqual(['itemVectors', 'userVectors', 'itemStats']);
    expect(userStateReads(some)).toEqual({ vectors: true, recentItems: false, itemStats: true, queryItemStats: false, coOccurrence: false });
    expect(requiredInputs([])).toEqual([]);
  });
});

describe('feature values', () => {
  it('gives every feature a finite value for an empty candidate, 0 except bias and the channel', () => {
    const values = featureVector(aContext({ channel: '' }), aCandidate());
    expect(Object.keys(values)).toEqual([...FEATURE_NAMES]);
    const nonZero = Object.entries(values).filter(([, v]) => v !== 0);
    expect(nonZero).toEqual([
      ['bias', 1],
      ['channel_other', 1],
    ]);
  });

  it('turns each retrieval source into a bounded score and a reciprocal rank (ranks are 0-based)', () => {
    const candidate = aCandidate({
      retrievalRank: 3,
      sources: [
        { source: 'dense', score: 0.8, rank: 0 },
        { source: 'lexical', score: Math.E - 1, rank: 4 },
        { source: 'user_interest', score: 1.7, rank: 1 },
      ],
    });
    const values = featureVector(aContext(), candidate);
    expect(values['retrieval_dense_score']).toBeCloseTo(0.8);
    expect(values['retrieval_dense_rr']).toBe(1);
    expect(values['retrieval_lexical_score']).toBeCloseTo(1); // log1p(e - 1)
    expect(values['retrieval_lexical_rr']).toBeCloseTo(1 / 5);
    expect(values['retrieval_user_interest_score']).toBe(1); // a cosine, clamped
    expect(values['retrieval_similar_score']).toBe(0);
    expect(values['retrieval_similar_rr']).toBe(0);
    expect(values['retrieval_rr']).toBeCloseTo(1 / 4);
  });

  it('measures query and user similarity by cosine', () => {
    const context = aContext({ queryVector: [1, 0], userShortVector: [0, 1], userLongVector: [1, 1] });
    const candidate = aCandidate({ vector: Float32Array.from([1, 0]) });
    expect(value('query_item_cosine', context, candidate)).toBeCloseTo(1);
    expect(value('user_item_cosine_short', context, candidate)).toBeCloseTo(0);
    expect(value('user_item_cosine_long', context, candidate)).toBeCloseTo(Math.SQRT1_2);
    expect(value('user_item_cosine_long', aContext(), candidate)).toBe(0);
  });

  it('uses co-occurrence through log1p and flags recently seen items', () => {
    expect(value('co_occurrence', aContext(), aCandidate({ coOccurrence: Math.E - 1 }))).toBeCloseTo(1);
    expect(value('co_occurrence', aContext(), aCandidate({ coOccurrence: -5 }))).toBe(0);
    expect(value('recently_interacted', aContext({ recentItemIds: ['x', 'item-1'] }), aCandidate())).toBe(1);
    expect(value('recently_interacted', aContext({ recentItemIds: ['x'] }), aCandidate())).toBe(0);
  });

  it('smooths CTRs towards the prior: no evidence is 0, one lucky click is barely positive, many clicks are clearly so', () => {
    expect(smoothedCtrLogOdds(0, 0)).toBe(0);
    expect(smoothedCtrLogOdds(1, 1)).toBeGreaterThan(0);
    expect(smoothedCtrLogOdds(1, 1)).toBeLessThan(0.7);
    expect(smoothedCtrLogOdds(200, 1000)).toBeGreaterThan(2);
    expect(smoothedCtrLogOdds(0, 1000)).toBeLessThan(-1);
    // More clicks than impressions (a late impression) is read as all-clicked, not as a rate above 1.
    expect(Number.isFinite(smoothedCtrLogOdds(5, 2))).toBe(true);
    const candidate = aCandidate({ itemStats: windows({ last7d: counts({ impressions: 1000, clicks: 200 }) }), queryItemStats: { impressions: 10, clicks: 0 } });
    expect(value('item_ctr', aContext(), candidate)).toBeCloseTo(smoothedCtrLogOdds(200, 1000));
    expect(value('query_item_ctr', aContext(), candidate)).toBeLessThan(0);
    expect(CTR_PRIOR.rate).toBe(0.02);
  });

  it('keeps smoothed CTR log-odds bounded for any counts', () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.nat(1_000_000), (clicks, impressions) => {
        const v = smoothedCtrLogOdds(clicks, impressions);
        return Number.isFinite(v) && Math.abs(v) < 20;
      }),
    );
  });

  it('counts popularity as log1p of 7-day clicks plus purchases', () => {
    const candidate = aCandidate({ itemStats: windows({ last7d: counts({ clicks: 5, purchases: 2, impressions: 100 }) }) });
    expect(value('popularity', aContext(), candidate)).toBeCloseTo(Math.log1p(7));
  });

  it('reads a trend as 0 when the last hour is as usual, positive when surging, negative when cooling', () => {
    const usual = windows({ lastHour: counts({ clicks: 1 }), last24h: counts({ clicks: 24 }) });
    expect(trendValue(usual)).toBeCloseTo(0);
    expect(trendValue(windows({ lastHour: counts({ clicks: 50 }), last24h: counts({ clicks: 60 }) }))).toBeGreaterThan(0.9);
    expect(trendValue(windows({ lastHour: counts(), last24h: counts({ clicks: 240 }) }))).toBeLessThan(-0.9);
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(10_000), fc.nat(10_000), (hour, day, purchases) => {
        const t = trendValue(windows({ lastHour: counts({ clicks: hour }), last24h: counts({ clicks: day, purchases }) }));
        return t > -1 && t < 1;
      }),
    );
  });

  it('fits prices inside the extracted range at 1 and decays outside it', () => {
    expect(priceFitValue(50, { min: 20, max: 100 })).toBe(1);
    expect(priceFitValue(100, { max: 100 })).toBe(1);
    expect(priceFitValue(125, { max: 100 })).toBeCloseTo(Math.exp(-1));
    expect(priceFitValue(15, { min: 20 })).toBeCloseTo(Math.exp(-1));
    expect(priceFitValue(200, { max: 100 })).toBeLessThan(priceFitValue(125, { max: 100 }));
    expect(priceFitValue(undefined, { max: 100 })).toBe(0);
    expect(priceFitValue(50, undefined)).toBe(0);
    expect(priceFitValue(50, {})).toBe(0);
    const context = aContext({ priceFilter: { max: 100 } });
    expect(value('price_fit', context, aCandidate({ product: { price: 80 } }))).toBe(1);
  });

  it("scores an item by the probability query understanding gives its category or an ancestor of it", () => {
    const predicted = [
      { path: 'Shoes/Running Shoes', probability: 0.7 },
      { path: 'Shoes', probability: 0.9 },
      { path: 'Clothing/Jackets', probability: 0.2 },
    ];
    expect(categoryMatchValue(predicted, ['Shoes', 'Running Shoes'])).toBe(0.9); // the ancestor's is higher
    expect(categoryMatchValue(predicted.slice(0, 1), ['Shoes', 'Running Shoes', 'Trail'])).toBe(0.7);
    expect(categoryMatchValue(predicted.slice(0, 1), ['Shoes', 'Running Shoes Extra'])).toBe(0); // a name that only starts alike
    expect(categoryMatchValue(predicted, ['Toys'])).toBe(0);
    expect(categoryMatchValue(undefined, ['Shoes'])).toBe(0);
    expect(categoryMatchValue(predicted, undefined)).toBe(0);
    const context = aContext({ queryCategories: predicted.slice(0, 1) });
    expect(value('query_category_match', context, aCandidate({ product: { categoryPath: ['Shoes', 'Running Shoes'] } }))).toBe(0.7);
    expect(value('query_category_match', aContext(), aCandidate({ product: { categoryPath: ['Shoes', 'Running Shoes'] } }))).toBe(0);
  });

  it('places candidates by a value within their own category: 1 the highest, -1 the lowest, ties sharing a place', () => {
    const shoe = (itemId: string, price?: number) => aCandidate({ itemId, product: { categoryPath: ['Shoes'], ...(price !== undefined ? { price } : {}) } });
    const candidates = [shoe('a', 30), shoe('b', 10), shoe('c', 20), shoe('d', 20), shoe('e'), aCandidate({ itemId: 'pen', product: { categoryPath: ['Office'], price: 1 } })];
    const places = placesWithinCategory(candidates, PREFERENCE_VALUES.price);
    expect(Object.fromEntries(places)).toEqual({ a: 1, b: -1, c: 0, d: 0 });
    // No price, or alone in its category: no place.
    expect(places.has('e')).toBe(false);
    expect(places.has('pen')).toBe(false);
  });

  it('fits "cheap" to the cheapest of a kind and "premium" to the dearest, "best" and "new" to the highest', () => {
    const cheap = [{ field: 'price', value: 'low', weight: 0.8 }];
    expect(preferenceFit(-1, 'price', cheap)).toBeCloseTo(0.8);
    expect(preferenceFit(1, 'price', cheap)).toBeCloseTo(-0.8);
    expect(preferenceFit(-1, 'price', [{ field: 'price', value: 'high', weight: 0.5 }])).toBeCloseTo(-0.5);
    expect(preferenceFit(1, 'rating', [{ field: 'rating', value: 'high', weight: 0.5 }])).toBeCloseTo(0.5);
    expect(preferenceFit(1, 'price', [{ field: 'brand', value: 'sony', weight: 1 }])).toBe(0);
    expect(preferenceFit(undefined, 'price', cheap)).toBe(0);
    expect(preferencesOf([...cheap, { field: 'newness', value: 'high', weight: 0.5 }, { field: 'brand', value: 'x', weight: 1 }])).toEqual(['price', 'newness']);
    // Two strong cues add up, to at most the ends.
    expect(preferenceFit(-1, 'price', [...cheap, { field: 'price', value: 'low', weight: 0.8 }])).toBe(1);
  });

  it('decays freshness with age and ignores future or unknown dates', () => {
    const context = aContext();
    expect(value('freshness', context, aCandidate({ product: { updatedAtMs: NOW_MS } }))).toBe(1);
    expect(value('freshness', context, aCandidate({ product: { updatedAtMs: NOW_MS - 30 * DAY_MS } }))).toBeCloseTo(Math.exp(-1));
    expect(value('freshness', context, aCandidate({ product: { updatedAtMs: NOW_MS + DAY_MS } }))).toBe(1);
    expect(value('freshness', context, aCandidate({ product: {} }))).toBe(0);
  });

  it('groups channels for one-hot features', () => {
    expect(channelGroup('Web')).toBe('web');
    expect(channelGroup(' ios ')).toBe('app');
    expect(channelGroup('android')).toBe('app');
    expect(channelGroup('kiosk')).toBe('other');
    const values = featureVector(aContext({ channel: 'android' }), aCandidate());
    expect([values['channel_web'], values['channel_app'], values['channel_other']]).toEqual([0, 1, 0]);
  });

  it('never produces a non-finite value, whatever the inputs', () => {
    const anyNumber = fc.oneof(fc.double(), fc.constant(Number.NaN), fc.constant(Infinity), fc.integer());
    const hit = fc.record({ source: fc.constantFrom('dense', 'lexical', 'user_interest', 'similar', 'co_occurrence', 'popularity', 'other'), score: anyNumber, rank: fc.integer({ min: 0, max: 1000 }) });
    const vector = fc.option(fc.array(fc.double({ noNaN: true, min: -10, max: 10 }), { minLength: 2, maxLength: 2 }), { nil: undefined });
    fc.assert(
      fc.property(fc.array(hit, { maxLength: 4 }), vector, vector, anyNumber, anyNumber, fc.nat(), fc.nat(), (sources, itemVector, userVector, price, updatedAtMs, clicks, impressions) => {
        const candidate = aCandidate({
          sources,
          ...(itemVector ? { vector: itemVector } : {}),
          product: { price, updatedAtMs },
          itemStats: windows({ last7d: counts({ clicks, impressions }) }),
          coOccurrence: price,
        });
        const context = aContext({ ...(userVector ? { userLongVector: userVector } : {}), priceFilter: { min: 1, max: 10 }, boosts: [{ field: 'price', value: 'low', weight: 1 }], preferencePlaces: { price: new Map([['item-1', -0.5]]) } });
        return Object.values(featureVector(context, candidate)).every((v) => Number.isFinite(v));
      }),
    );
  });
});

describe('feature helpers', () => {
  it('applies experiment feature weights to known features only, leaving the input unchanged', () => {
    const values = { a: 2, b: 3 };
    expect(applyFeatureWeights(values, { a: 0.5, c: 10 })).toEqual({ a: 1, b: 3 });
    expect(applyFeatureWeights(values, undefined)).toEqual(values);
    expect(values).toEqual({ a: 2, b: 3 });
  });

  it('adds the served position as ln(1 + position) for training only', () => {
    expect(withPosition({ a: 1 }, 0)).toEqual({ a: 1, [POSITION_FEATURE]: 0 });
    expect(withPosition({ a: 1 }, 3)[POSITION_FEATURE]).toBeCloseTo(Math.log(4));
  });
});
