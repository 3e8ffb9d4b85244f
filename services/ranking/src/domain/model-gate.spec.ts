import { FtrlModel } from './ftrl';
import { baselines, evaluateModel, shouldPromote, type ClickModel } from './model-gate';
import { seededRandom } from '@shopsense/random';
import { POSITION_FEATURE } from './features';
import { aServedList } from './testing/ranking-factories';
import type { LabelledExample } from './training';

/**
 * Held-out lists where feature "good" (0 or 1) drives clicks and the retrieval order
 * (retrieval_rr) is unrelated to it.
 */
function heldOut(requests: number, seed = 1): LabelledExample[] {
  const rng = seededRandom(seed);
  const examples: LabelledExample[] = [];
  for (let r = 0; r < requests; r++) {
    const items = Array.from({ length: 8 }, (_, i) => {
      const good = rng.next() < 0.3 ? 1 : 0;
      return { clicked: rng.next() < (good ? 0.3 : 0.03), features: { good, retrieval_rr: 1 / (i + 1) } };
    });
    examples.push(...aServedList(`req-${r}`, items));
  }
  return examples;
}

const fixed = (version: string, predict: (x: Readonly<Record<string, number>>) => number): ClickModel => ({ version, predict });
const knowsGood = fixed('good', (x) => ((x['good'] ?? 0) > 0 ? 0.3 : 0.03));
const constant = fixed('constant', () => 0.11);
const backwards = fixed('backwards', (x) => ((x['good'] ?? 0) > 0 ? 0.03 : 0.3));

describe('model gate', () => {
  const slice = heldOut(300);

  it('evaluates log loss over impressions and NDCG over requests with a click', () => {
    const good = evaluateModel(knowsGood, slice);
    const bad = evaluateModel(backwards, slice);
    expect(good.logLoss).toBeLessThan(bad.logLoss);
    expect(good.ndcg).toBeGreaterThan(bad.ndcg);
    expect(good.ndcg).toBeGreaterThan(0.5);
    // knowsGood predicts the true click probabilities: calibrated up to sampling noise.
    expect(good.ece).toBeLessThan(0.02);
    expect(bad.ece).toBeGreaterThan(0.1);
  });

  it('gives a model that predicts NaN an infinite log loss', () => {
    expect(evaluateModel(fixed('nan', () => Number.NaN), slice).logLoss).toBe(Infinity);
  });

  it('ranks by serving-time features only: the served position must not decide the NDCG', () => {
    // A model that only knows the position would replay the served order if it saw it.
    const positionOnly = fixed('position', (x) => 1 / (1 + (x[POSITION_FEATURE] ?? 0)));
    expect(evaluateModel(positionOnly, slice).ndcg).toBeCloseTo(baselines(slice).retrievalOrderNdcg, 10);
  });

  it('promotes a first model that beats the retrieval order or the constant CTR', () => {
    const decision = shouldPromote(knowsGood, undefined, slice);
    expect(decision.promote).toBe(true);
    expect(decision.reason).toMatch(/no model served; candidate beats the baseline/);
    expect(decision.candidate.ndcg).toBeGreaterThan(decision.baselines.retrievalOrderNdcg);
    expect(decision.current).toBeUndefined();
  });

  it('does not promote a first model that beats neither baseline', () => {
    const decision = shouldPromote(backwards, undefined, slice);
    expect(decision.promote).toBe(false);
    expect(decision.reason).toMatch(/beats neither/);
  });

  it('promotes a candidate that does not lose to the current model, and keeps the current one otherwise', () => {
    expect(shouldPromote(knowsGood, constant, slice).promote).toBe(true);
    const worse = shouldPromote(constant, knowsGood, slice);
    expect(worse.promote).toBe(false);
    expect(worse.reason).toMatch(/loses to good: log loss .*NDCG@10/);
    expect(worse.current).toBeDefined();
  });

  it('blocks a candidate that wins on one measure but loses on the other (both must hold)', () => {
    // Orders lists perfectly but its probabilities are far too high.
    const overconfident = fixed('overconfident', (x) => ((x['good'] ?? 0) > 0 ? 0.9 : 0.5));
    const betterLossWorseOrder = shouldPromote(constant, overconfident, slice);
    expect(betterLossWorseOrder.candidate.logLoss).toBeLessThan(betterLossWorseOrder.current!.logLoss);
    expect(betterLossWorseOrder.promote).toBe(false);
    expect(betterLossWorseOrder.reason).toMatch(/NDCG@10/);
    expect(betterLossWorseOrder.reason).not.toMatch(/log loss/);
    const betterOrderWorseLoss = shouldPromote(overconfident, constant, slice);
    expect(betterOrderWorseLoss.candidate.ndcg).toBeGreaterThan(betterOrderWorseLoss.current!.ndcg);
    expect(betterOrderWorseLoss.promote).toBe(false);
    expect(betterOrderWorseLoss.reason).toMatch(/log loss/);
  });

  it('tolerates a difference inside the tolerance, not beyond it', () => {
    const nudged = fixed('nudged', (x) => knowsGood.predict(x) * 1.01);
    expect(shouldPromote(nudged, knowsGood, slice).promote).toBe(true);
    expect(shouldPromote(nudged, knowsGood, slice, { logLossTolerance: 0 }).promote).toBe(false);
  });

  it('refuses to decide on too little evidence', () => {
    const decision = shouldPromote(knowsGood, undefined, heldOut(3));
    expect(decision.promote).toBe(false);
    expect(decision.reason).toMatch(/too little held-out evidence/);
  });

  it('refuses a candidate that predicts invalid probabilities', () => {
    expect(shouldPromote(fixed('broken', () => 2), constant, slice).promote).toBe(false);
  });

  it('lets a trained FTRL model through against an untrained one', () => {
    const model = new FtrlModel();
    for (let i = 0; i < 3; i++) for (const example of heldOut(200, 10 + i)) model.update({ ...example.features, [POSITION_FEATURE]: Math.log1p(example.position) }, example.clicked);
    expect(shouldPromote(model, undefined, slice).promote).toBe(true);
    expect(shouldPromote(new FtrlModel(), model, slice).promote).toBe(false);
  });
});
