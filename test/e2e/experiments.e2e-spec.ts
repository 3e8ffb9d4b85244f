/**
 * Issue 7, experiments end to end over the real Kafka: ranking assigns users to the variants of
 * one search experiment and returns the assignments with each response; the client's impression
 * and click events go through Kafka to feedback, whose join (a short window here) emits training
 * examples carrying the experiments ranking logged with the served list; ranking consumes them
 * (RANKING_EVENT_BUS=kafka on the test's own training topic) and GetResults reports per-variant
 * exposures, clicks, conversions, Wilson intervals and a two-proportion test.
 *
 * The counts are chosen, not sampled: users are searched for until each variant has its quota,
 * and the click events decide which exposures count as clicked, so the expected numbers, and the
 * significance of the difference, are exact.
 *
 * A second round sends impressions WITHOUT the experiments field (a client that does not echo
 * them): feedback's join must attribute them to the variant ranking logged for the request_id.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventType, ExperimentMetric, ExperimentService, RankingService, type BehaviorEvent, type GetResultsResponse, type SearchResponse } from '@shopsense/contracts';
import { createGrpcClient, type ServiceClient } from '@shopsense/grpc';
import { expectEventually } from '@shopsense/testing';
import { behaviorEvent, insecure, startServiceStack, type ServiceStack } from './support/service-stack';
import { loadDemoProducts } from '@shopsense/datasets';

const EXPERIMENT = 'search-diversity';
const CONTROL = 'control';
const TREATMENT = 'diverse';
/** Queries the served lists come from (any non-empty results will do). */
const QUERIES = ['running shoes', 'coffee beans', 'yoga mat', 'wireless headphones', 'gift ideas', '咖啡'];
const SHOWN = 5;

/** Per variant: requests (one per user) and how many of them get a click and a purchase. */
interface Plan {
  requests: number;
  clicked: number;
  purchased: number;
}
/** Round 1, impressions carry the experiments: 2/12 against 10/12 clicked (z ≈ 3.3, p ≈ 0.001). */
const ROUND_1: Record<string, Plan> = { [CONTROL]: { requests: 12, clicked: 2, purchased: 0 }, [TREATMENT]: { requests: 12, clicked: 10, purchased: 2 } };
/** Round 2, impressions without experiments: 1/6 against 5/6. */
const ROUND_2: Record<string, Plan> = { [CONTROL]: { requests: 6, clicked: 1, purchased: 0 }, [TREATMENT]: { requests: 6, clicked: 5, purchased: 0 } };

/** Wilson score interval at 95 % (z = 1.959964), computed here independently of the service. */
function wilson95(successes: number, trials: number): { lower: number; upper: number } {
  const z = 1.959963984540054;
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / (1 + z2 / trials);
  return { lower: successes === 0 ? 0 : centre - half, upper: successes === trials ? 1 : centre + half };
}

interface Served {
  userId: string;
  query: string;
  variant: string;
  response: SearchResponse;
}

describe('experiments through Kafka, feedback and ranking (real gRPC, real model)', () => {
  const run = randomBytes(4).toString('hex');
  // A subset of the demo catalog keeps the start short: the categories the queries are about, and some others.
  const products = loadDemoProducts().filter((_, i) => i % 4 === 0);
  const experimentsFile = join(mkdtempSync(join(tmpdir(), 'e2e-experiments-')), 'experiments.json');
  writeFileSync(
    experimentsFile,
    JSON.stringify({
      experiments: [
        {
          name: EXPERIMENT,
          description: 'MMR diversification on search',
          salt: run,
          surfaces: ['search'],
          control: CONTROL,
          variants: [
            { name: CONTROL, share: 0.5, params: {} },
            { name: TREATMENT, share: 0.5, params: { diversityLambda: 0.7 } },
          ],
        },
      ],
    }),
  );

  let stack: ServiceStack;
  let ranking: ServiceClient<typeof RankingService>;
  let experiments: ServiceClient<typeof ExperimentService>;
  let nextUser = 0;

  beforeAll(async () => {
    stack = await startServiceStack({
      name: 'experiments',
      products,
      queryUnderstanding: false,
      eventsTopic: 'own',
      rankingLearns: true,
      feedbackEnv: { FEEDBACK_TRAINING_JOIN_WINDOW_S: '2', FEEDBACK_TRAINING_SWEEP_INTERVAL_MS: '250' },
      rankingEnv: { RANKING_EXPERIMENTS_FILE: experimentsFile },
    });
    ranking = createGrpcClient(RankingService, stack.rankingAddr, { credentials: insecure, defaultTimeoutMs: 60_000 });
    experiments = createGrpcClient(ExperimentService, stack.rankingAddr, { credentials: insecure, defaultTimeoutMs: 30_000 });
  }, 600_000);

  afterAll(async () => {
    ranking?.close();
    experiments?.close();
    await stack?.stop();
  }, 120_000);

  /** New users search until each variant has its quota of responses (users over a full variant's quota are not used). */
  async function searchUntil(quota: Record<string, number>): Promise<Served[]> {
    const served: Served[] = [];
    const count = (variant: string) => served.filter((s) => s.variant === variant).length;
    for (let attempts = 0; Object.entries(quota).some(([variant, n]) => count(variant) < n); attempts++) {
      if (attempts >= 400) throw new Error(`assignment looks broken: ${JSON.stringify(Object.keys(quota).map((v) => [v, count(v)]))} after 400 users`);
      const userId = `e2e-exp-${run}-${nextUser++}`;
      const query = QUERIES[attempts % QUERIES.length]!;
      const response = await ranking.search({ query, userId, sessionId: `s-${userId}`, pageSize: 10 });
      expect(response.experiments.map((a) => [a.experiment, a.variant])).toEqual([[EXPERIMENT, expect.stringMatching(new RegExp(`^(${CONTROL}|${TREATMENT})$`))]]);
      expect(response.items.length).toBeGreaterThanOrEqual(SHOWN);
      const variant = response.experiments[0]!.variant;
      if (count(variant) < (quota[variant] ?? 0)) served.push({ userId, query, variant, response });
    }
    return served;
  }

  /** The client's events: an impression of the first items shown, then the planned clicks and purchases. */
  function clientEvents(served: readonly Served[], plan: Record<string, Plan>, echoExperiments: boolean): BehaviorEvent[] {
    const events: BehaviorEvent[] = [];
    for (const variant of Object.keys(plan)) {
      served
        .filter((s) => s.variant === variant)
        .forEach(({ userId, query, response }, i) => {
          const session = `s-${userId}`;
          const shown = response.items.slice(0, SHOWN).map((item) => item.itemId);
          const common = { requestId: response.requestId, query };
          events.push(behaviorEvent(EventType.IMPRESSION, userId, session, shown, { ...common, position: 0, ...(echoExperiments ? { experiments: response.experiments } : {}) }));
          // The i-th request of the variant is clicked when i < clicked (on a different position each time), and bought when i < purchased.
          const target = shown[i % SHOWN]!;
          if (i < plan[variant]!.clicked) events.push(behaviorEvent(EventType.CLICK, userId, session, [target], { ...common, position: i % SHOWN }));
          if (i < plan[variant]!.purchased) events.push(behaviorEvent(EventType.PURCHASE, userId, session, [target], { requestId: response.requestId }));
        });
    }
    return events;
  }

  const counts = (results: GetResultsResponse) => Object.fromEntries(results.variants.map((v) => [v.variant, { exposures: Number(v.exposures), clicks: Number(v.clicks), conversions: Number(v.conversions) }]));
  const expected = (...plans: Record<string, Plan>[]) =>
    Object.fromEntries([CONTROL, TREATMENT].map((v) => [v, { exposures: sum(plans, v, 'requests'), clicks: sum(plans, v, 'clicked'), conversions: sum(plans, v, 'purchased') }]));
  const sum = (plans: Record<string, Plan>[], variant: string, key: keyof Plan) => plans.reduce((s, p) => s + p[variant]![key], 0);

  /** Polls GetResults until the counts are the expected ones (they only grow), and returns those results. */
  async function resultsReaching(want: ReturnType<typeof expected>): Promise<GetResultsResponse> {
    return expectEventually(
      async () => {
        const results = await experiments.getResults({ experiment: EXPERIMENT });
        expect(counts(results)).toEqual(want);
        return results;
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
  }

  it('counts exposures and clicks per variant from events carrying the experiments, and finds the better variant', async () => {
    const before = await experiments.getResults({ experiment: EXPERIMENT });
    expect(counts(before)).toEqual(expected());

    const served = await searchUntil({ [CONTROL]: ROUND_1[CONTROL]!.requests, [TREATMENT]: ROUND_1[TREATMENT]!.requests });
    // Impressions and their clicks go in one batch, so every click falls inside its request's join window.
    await stack.produce(clientEvents(served, ROUND_1, true));
    const results = await resultsReaching(expected(ROUND_1));
    const summary = results.variants.map((v) => ({ variant: v.variant, ...counts(results)[v.variant], clickRate: v.clickRate, clickRateCi: [v.clickRateCi?.lower, v.clickRateCi?.upper] }));
    process.stdout.write(`experiment results (round 1): ${JSON.stringify(summary)}\n`);

    // Rates and intervals agree with the counts.
    for (const v of results.variants) {
      const [exposures, clicks, conversions] = [Number(v.exposures), Number(v.clicks), Number(v.conversions)];
      expect(v.clickRate).toBeCloseTo(clicks / exposures, 12);
      expect(v.conversionRate).toBeCloseTo(conversions / exposures, 12);
      for (const [ci, successes] of [
        [v.clickRateCi!, clicks],
        [v.conversionRateCi!, conversions],
      ] as const) {
        const reference = wilson95(successes, exposures);
        expect(ci.level).toBe(0.95);
        expect(ci.lower).toBeCloseTo(reference.lower, 6);
        expect(ci.upper).toBeCloseTo(reference.upper, 6);
        expect(ci.lower).toBeLessThanOrEqual(successes / exposures);
        expect(ci.upper).toBeGreaterThanOrEqual(successes / exposures);
      }
    }
    const control = results.variants.find((v) => v.variant === CONTROL)!;
    const treatment = results.variants.find((v) => v.variant === TREATMENT)!;
    expect(treatment.clickRateCi!.lower).toBeGreaterThan(control.clickRateCi!.upper);

    // The comparison: the treatment's click rate is clearly higher, and significant; conversions (2/12 against 0/12) are not.
    const clickTest = results.comparisons.find((c) => c.metric === ExperimentMetric.CLICK_RATE)!;
    expect(clickTest).toMatchObject({ control: CONTROL, treatment: TREATMENT, significant: true });
    expect(clickTest.difference).toBeCloseTo(treatment.clickRate - control.clickRate, 12);
    expect(clickTest.pValue).toBeLessThan(0.01);
    expect(clickTest.z).toBeGreaterThan(2.58);
    expect(clickTest.differenceCi!.lower).toBeGreaterThan(0);
    const conversionTest = results.comparisons.find((c) => c.metric === ExperimentMetric.CONVERSION_RATE)!;
    expect(conversionTest).toMatchObject({ control: CONTROL, treatment: TREATMENT, significant: false });
    expect(conversionTest.pValue).toBeGreaterThan(0.05);
  });

  it("attributes impressions without an experiments field to the variant ranking logged for the request_id", async () => {
    const served = await searchUntil({ [CONTROL]: ROUND_2[CONTROL]!.requests, [TREATMENT]: ROUND_2[TREATMENT]!.requests });
    const events = clientEvents(served, ROUND_2, false);
    expect(events.every((e) => e.experiments.length === 0)).toBe(true);
    await stack.produce(events);
    // Exactly round 1 plus round 2: nothing lost (unattributed) and nothing counted twice.
    const results = await resultsReaching(expected(ROUND_1, ROUND_2));
    const clickTest = results.comparisons.find((c) => c.metric === ExperimentMetric.CLICK_RATE)!;
    expect(clickTest.significant).toBe(true);
  });
});
