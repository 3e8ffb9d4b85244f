import { ConfigValidationError } from './config-validation';
import { assignExperiments, assignmentPoint, assignVariant, experimentResults, parseExperiments, type ExperimentConfig, type VariantCounts } from './experiments';
import { seededRandom } from '@shopsense/random';

const config = parseExperiments({
  experiments: [
    {
      name: 'ranker-v2',
      description: 'new model vs old',
      salt: 's1',
      surfaces: ['search'],
      variants: [
        { name: 'control', share: 0.5 },
        { name: 'new-model', share: 0.3, params: { modelVersion: 'ftrl-2', featureWeights: { trend: 0 } } },
        { name: 'diverse', share: 0.2, params: { diversityLambda: 0.7, fusion: { method: 'rrf', rrfK: 30, weights: { dense: 2, lexical: 0.5 } } } },
      ],
    },
    {
      name: 'diversity',
      control: 'off',
      variants: [
        { name: 'on', share: 0.5, params: { diversityLambda: 0.6, featureWeights: { popularity: 2 } } },
        { name: 'off', share: 0.5 },
      ],
    },
  ],
});
const ranker = config.experiments[0]!;
const diversity = config.experiments[1]!;
const users = (n: number, prefix = 'user') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

function issuesOf(json: unknown): string[] {
  try {
    parseExperiments(json);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
}

describe('parseExperiments', () => {
  it('reads experiments with defaults: active, every surface, control = first variant, no salt', () => {
    expect(ranker).toMatchObject({ name: 'ranker-v2', salt: 's1', active: true, surfaces: ['search'], control: 'control' });
    expect(ranker.variants[2]!.params).toEqual({ diversityLambda: 0.7, fusion: { method: 'rrf', rrfK: 30, weights: { dense: 2, lexical: 0.5 } } });
    expect(diversity).toMatchObject({ control: 'off', salt: '', surfaces: ['search', 'recommend', 'rank'], description: '' });
    expect(parseExperiments({})).toEqual({ experiments: [] });
  });

  it('names the path of every problem', () => {
    const two = [
      { name: 'a', share: 0.5 },
      { name: 'b', share: 0.5 },
    ];
    expect(
      issuesOf({
        experiments: [
          { name: 'x', variants: [{ name: 'a', share: 0.6 }, { name: 'b', share: 0.6 }] },
          { name: 'x', variants: two },
          { name: 'y', control: 'z', variants: [{ name: 'a', share: 0.5 }, { name: 'a', share: 0.5 }] },
          { name: 'w', variants: [{ name: 'only', share: 1 }] },
          {
            name: 'v',
            surfaces: ['home'],
            variants: [
              { name: 'a', share: 1.5, params: { diversityLambda: 2, featureWeights: { nope: 1, trend: -1 }, fusion: { method: 'max', weights: { bm25: 1 } } } },
              { name: 'b', share: -0.5, colour: 'red' },
            ],
          },
        ],
      }),
    ).toEqual([
      'experiments[0].variants: shares must sum to 1 (got 1.2)',
      'experiments[1].name: duplicate experiment name "x"',
      'experiments[2].variants[1].name: duplicate variant name "a"',
      'experiments[2].control: must name one of the variants (got "z")',
      'experiments[3].variants: must have at least 2 variants (got 1)',
      'experiments[4].surfaces[0]: must be one of search, recommend, rank (got "home")',
      'experiments[4].variants[0].share: must be >= 0 and <= 1 (got 1.5)',
      'experiments[4].variants[0].params.diversityLambda: must be >= 0 and <= 1 (got 2)',
      'experiments[4].variants[0].params.featureWeights.nope: unknown feature',
      'experiments[4].variants[0].params.featureWeights.trend: must be >= 0 (got -1)',
      'experiments[4].variants[0].params.fusion.method: must be "rrf" or "weighted" (got "max")',
      'experiments[4].variants[0].params.fusion.weights.bm25: unknown key (allowed: dense, lexical, co_occurrence, user_interest, similar)',
      'experiments[4].variants[1].colour: unknown key (allowed: name, share, params)',
      'experiments[4].variants[1].share: must be >= 0 and <= 1 (got -0.5)',
    ]);
  });

  it('accepts shares that sum to 1 within 1e-9 and rejects beyond', () => {
    const variants = (third: number) => ({ experiments: [{ name: 'e', variants: [{ name: 'a', share: 0.1 }, { name: 'b', share: 0.2 }, { name: 'c', share: third }] }] });
    expect(issuesOf(variants(0.7))).toEqual([]); // 0.1 + 0.2 + 0.7 = 0.9999999999999999
    expect(issuesOf(variants(0.7 + 1e-8))).toHaveLength(1);
  });
});

describe('assignment', () => {
  it('is sticky: the same user always gets the same variant', () => {
    for (const user of users(50)) expect(assignVariant(ranker, user)).toBe(assignVariant(ranker, user));
  });

  it('hashes to uniform points in [0, 1)', () => {
    const points = users(10_000).map((u) => assignmentPoint('s', 'e', u));
    expect(Math.min(...points)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...points)).toBeLessThan(1);
    const deciles = new Array<number>(10).fill(0);
    for (const p of points) deciles[Math.floor(p * 10)]!++;
    for (const d of deciles) expect(Math.abs(d - 1000)).toBeLessThan(130);
  });

  it('keeps every variant within 1% of its configured share over 100k users', () => {
    const tally = new Map<string, number>();
    const all = users(100_000);
    for (const user of all) {
      const variant = assignVariant(ranker, user)!.name;
      tally.set(variant, (tally.get(variant) ?? 0) + 1);
    }
    for (const variant of ranker.variants) expect(Math.abs(tally.get(variant.name)! / all.length - variant.share)).toBeLessThan(0.01);
  });

  it('assigns independently across experiments', () => {
    const a: ExperimentConfig = { ...diversity, name: 'first' };
    const b: ExperimentConfig = { ...diversity, name: 'second' };
    const joint = new Map<string, number>();
    const all = users(40_000);
    for (const user of all) {
      const key = `${assignVariant(a, user)!.name}/${assignVariant(b, user)!.name}`;
      joint.set(key, (joint.get(key) ?? 0) + 1);
    }
    expect(joint.size).toBe(4);
    for (const count of joint.values()) expect(Math.abs(count / all.length - 0.25)).toBeLessThan(0.01);
  });

  it('reshuffles when the salt changes', () => {
    const resalted: ExperimentConfig = { ...diversity, salt: 'new' };
    const moved = users(10_000).filter((u) => assignVariant(diversity, u)!.name !== assignVariant(resalted, u)!.name).length;
    expect(moved / 10_000).toBeGreaterThan(0.45);
    expect(moved / 10_000).toBeLessThan(0.55);
  });

  it('assigns nobody when inactive or without an id, and never a variant with share 0', () => {
    expect(assignVariant({ ...ranker, active: false }, 'u')).toBeUndefined();
    expect(assignVariant(ranker, '')).toBeUndefined();
    const zero: ExperimentConfig = { ...diversity, variants: [{ name: 'none', share: 0, params: {} }, { name: 'all', share: 1, params: {} }] };
    expect(users(2000).every((u) => assignVariant(zero, u)!.name === 'all')).toBe(true);
  });

  it('assigns per surface and merges the variants\' parameters in file order', () => {
    const user = users(1000).find((u) => assignVariant(ranker, u)!.name === 'new-model' && assignVariant(diversity, u)!.name === 'on')!;
    const search = assignExperiments(config, user, 'search');
    expect(search.assignments).toEqual([
      { experiment: 'ranker-v2', variant: 'new-model' },
      { experiment: 'diversity', variant: 'on' },
    ]);
    expect(search.params).toEqual({ modelVersion: 'ftrl-2', featureWeights: { trend: 0, popularity: 2 }, diversityLambda: 0.6 });
    const recommend = assignExperiments(config, user, 'recommend');
    expect(recommend.assignments).toEqual([{ experiment: 'diversity', variant: 'on' }]);
    expect(assignExperiments(config, '', 'search')).toEqual({ assignments: [], params: {} });
  });
});

describe('experimentResults', () => {
  const counts: VariantCounts[] = [
    { variant: 'control', exposures: 1000, clicks: 100, conversions: 10 },
    { variant: 'treatment', exposures: 1000, clicks: 130, conversions: 12 },
  ];

  it('gives rates with Wilson intervals and compares each treatment with the control on both metrics', () => {
    const results = experimentResults(counts);
    expect(results.variants[0]).toMatchObject({ variant: 'control', clickRate: 0.1, conversionRate: 0.01 });
    expect(results.variants[0]!.clickRateCi.lower).toBeCloseTo(0.0829, 3);
    expect(results.variants[0]!.clickRateCi.upper).toBeCloseTo(0.1202, 3);
    expect(results.comparisons.map((c) => [c.treatment, c.metric, c.significant])).toEqual([
      ['treatment', 'click_rate', true],
      ['treatment', 'conversion_rate', false],
    ]);
    expect(results.comparisons[0]!.z).toBeCloseTo(2.1027, 3);
    expect(results.comparisons[0]!.differenceCi.level).toBe(0.95);
  });

  it('honours the confidence level and a named control', () => {
    const strict = experimentResults(counts, { confidenceLevel: 0.99 });
    expect(strict.comparisons[0]!.significant).toBe(false);
    expect(strict.variants[0]!.clickRateCi.level).toBe(0.99);
    const reversed = experimentResults(counts, { control: 'treatment' });
    expect(reversed.comparisons[0]).toMatchObject({ control: 'treatment', treatment: 'control' });
    expect(reversed.comparisons[0]!.difference).toBeCloseTo(-0.03, 12);
  });

  it('reports zero rates for a variant without exposures', () => {
    const results = experimentResults([...counts, { variant: 'empty', exposures: 0, clicks: 0, conversions: 0 }]);
    expect(results.variants[2]).toMatchObject({ clickRate: 0, conversionRate: 0, clickRateCi: { lower: 0, upper: 1 } });
    expect(results.comparisons.filter((c) => c.treatment === 'empty').every((c) => c.pValue === 1 && !c.significant)).toBe(true);
  });

  it('rejects an unknown control, a bad level and impossible counts', () => {
    expect(() => experimentResults(counts, { control: 'nope' })).toThrow(RangeError);
    expect(() => experimentResults(counts, { confidenceLevel: 1 })).toThrow(RangeError);
    expect(() => experimentResults([{ variant: 'a', exposures: 1, clicks: 2, conversions: 0 }])).toThrow(RangeError);
    expect(experimentResults([])).toEqual({ variants: [], comparisons: [] });
  });
});

describe('experiment simulation', () => {
  /** Clicks of `exposures` users at click rate `rate`, drawn with a seeded generator. */
  const draw = (rng: ReturnType<typeof seededRandom>, exposures: number, rate: number) => rng.binomial(exposures, rate);

  it('detects a real effect (CTR 0.10 vs 0.12) end to end: hashed assignment, simulated clicks, z-test', () => {
    const experiment: ExperimentConfig = { ...diversity, name: 'effect', control: 'off', variants: [{ name: 'off', share: 0.5, params: {} }, { name: 'on', share: 0.5, params: {} }] };
    const rng = seededRandom(2024);
    const tally: Record<string, VariantCounts> = { off: { variant: 'off', exposures: 0, clicks: 0, conversions: 0 }, on: { variant: 'on', exposures: 0, clicks: 0, conversions: 0 } };
    for (const user of users(40_000, 'sim')) {
      const variant = assignVariant(experiment, user)!.name;
      const counts = tally[variant]!;
      counts.exposures++;
      if (rng.next() < (variant === 'on' ? 0.12 : 0.1)) counts.clicks++;
    }
    const results = experimentResults([tally['off']!, tally['on']!]);
    const click = results.comparisons.find((c) => c.metric === 'click_rate')!;
    expect(click.significant).toBe(true);
    expect(click.difference).toBeGreaterThan(0.01);
    expect(click.differenceCi.lower).toBeGreaterThan(0);
    expect(click.differenceCi.lower).toBeLessThan(0.02);
    expect(click.differenceCi.upper).toBeGreaterThan(0.02);
  });

  it('has the power to detect that effect nearly always with 20k exposures per variant', () => {
    const rng = seededRandom(7);
    let detected = 0;
    for (let run = 0; run < 50; run++) {
      const results = experimentResults([
        { variant: 'control', exposures: 20_000, clicks: draw(rng, 20_000, 0.1), conversions: 0 },
        { variant: 'treatment', exposures: 20_000, clicks: draw(rng, 20_000, 0.12), conversions: 0 },
      ]);
      if (results.comparisons[0]!.significant) detected++;
    }
    expect(detected).toBeGreaterThanOrEqual(49);
  });

  it('flags an A/A test in about 5% of 200 runs, no more', () => {
    const rng = seededRandom(11);
    let flagged = 0;
    let pSum = 0;
    const runs = 200;
    for (let run = 0; run < runs; run++) {
      const results = experimentResults([
        { variant: 'a', exposures: 20_000, clicks: draw(rng, 20_000, 0.1), conversions: 0 },
        { variant: 'a-prime', exposures: 20_000, clicks: draw(rng, 20_000, 0.1), conversions: 0 },
      ]);
      const click = results.comparisons[0]!;
      if (click.significant) flagged++;
      pSum += click.pValue;
    }
    // 5% of 200 is 10; the binomial standard deviation is about 3.
    expect(flagged).toBeLessThanOrEqual(16);
    // Under the null hypothesis p-values are uniform: their mean is near 0.5.
    expect(pSum / runs).toBeGreaterThan(0.42);
    expect(pSum / runs).toBeLessThan(0.58);
  });
});
