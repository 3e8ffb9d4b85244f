import fc from 'fast-check';
import { logLoss } from './calibration';
import { ConfigValidationError } from './config-validation';
import { BIAS, DEFAULT_FTRL_CONFIG, FtrlModel, SNAPSHOT_FORMAT, sigmoid, snapshotVersion, UNTRAINED_VERSION, type FtrlConfig } from './ftrl';
import { seededRandom } from '@shopsense/random';

const NO_PRIOR: FtrlConfig = { ...DEFAULT_FTRL_CONFIG, initialWeights: {} };

/** Examples from a known logistic model: logit = -1 + 2·a − 1.5·b, plus a pure-noise feature. */
function generated(count: number, seed: number): { x: Record<string, number>; y: boolean }[] {
  const rng = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const x = { a: rng.normal(), b: rng.normal(), noise: rng.normal() };
    return { x, y: rng.next() < sigmoid(-1 + 2 * x.a - 1.5 * x.b) };
  });
}

function trained(config: FtrlConfig = DEFAULT_FTRL_CONFIG, count = 20_000, seed = 3): FtrlModel {
  const model = new FtrlModel(config);
  for (const { x, y } of generated(count, seed)) model.update(x, y);
  return model;
}

describe('FtrlModel', () => {
  it('starts from its initial weights: by default about 5% click probability, otherwise 50%', () => {
    expect(new FtrlModel().predict({ anything: 1 })).toBeCloseTo(0.05, 10);
    expect(new FtrlModel(NO_PRIOR).predict({ anything: 1 })).toBe(0.5);
    expect(new FtrlModel().version).toBe(UNTRAINED_VERSION);
    expect(new FtrlModel().trainingCount).toBe(0);
  });

  it('turns initial weights into exactly those weights, whatever the regularisation', () => {
    const model = new FtrlModel({ alpha: 0.2, beta: 1, l1: 2, l2: 3, initialWeights: { a: 1.5, b: -0.25 } });
    expect(model.weight('a')).toBeCloseTo(1.5, 12);
    expect(model.weight('b')).toBeCloseTo(-0.25, 12);
  });

  it('recovers the weights of the logistic model that generated the data', () => {
    const model = trained();
    expect(model.weight('a')).toBeCloseTo(2, 0);
    expect(model.weight('b')).toBeCloseTo(-1.5, 0);
    expect(model.weight(BIAS)).toBeCloseTo(-1, 0);
    expect(Math.abs(model.weight('noise'))).toBeLessThan(0.1);
    expect(model.trainingCount).toBe(20_000);
  });

  it('predicts held-out data almost as well as the true model', () => {
    const model = trained();
    const heldOut = generated(5000, 99);
    const learnedLoss = logLoss(heldOut.map(({ x, y }) => ({ probability: model.predict(x), label: y })));
    const trueLoss = logLoss(heldOut.map(({ x, y }) => ({ probability: sigmoid(-1 + 2 * x['a']! - 1.5 * x['b']!), label: y })));
    const constantLoss = logLoss(heldOut.map(({ y }) => ({ probability: 0.35, label: y })));
    expect(learnedLoss).toBeLessThan(trueLoss + 0.01);
    expect(learnedLoss).toBeLessThan(constantLoss - 0.1);
  });

  it('keeps a useless feature at exactly 0 with a strong L1 (sparsity), and spares the intercept by default', () => {
    const model = trained({ ...DEFAULT_FTRL_CONFIG, l1: 300 });
    expect(model.weight('noise')).toBe(0);
    expect(model.weight('a')).toBeGreaterThan(0);
    expect(model.weights()).not.toHaveProperty('noise');
    // Per-feature override: no L1 on the intercept, so it still learns the base rate.
    expect(model.weight(BIAS)).toBeLessThan(-0.5);
  });

  it('lets per-feature settings freeze a coordinate (alpha tiny: it barely moves)', () => {
    const model = trained({ ...DEFAULT_FTRL_CONFIG, perFeature: { ...DEFAULT_FTRL_CONFIG.perFeature, a: { alpha: 1e-9 } } }, 2000);
    expect(Math.abs(model.weight('a'))).toBeLessThan(1e-6);
    expect(model.weight('b')).toBeLessThan(-0.5);
  });

  it('returns contributions that add up exactly to the score, the intercept first', () => {
    const model = trained(DEFAULT_FTRL_CONFIG, 2000);
    const names = fc.constantFrom('a', 'b', 'noise', 'unseen', BIAS);
    fc.assert(
      fc.property(fc.dictionary(names, fc.double({ min: -100, max: 100, noNaN: true })), (x) => {
        const terms = model.contributions(x);
        let sum = 0;
        for (const t of terms) sum += t.contribution;
        return terms[0]!.feature === BIAS && sum === model.score(x) && terms.filter((t) => t.feature === BIAS).length === 1;
      }),
    );
    const terms = model.contributions({ a: 2, unseen: 5 });
    expect(terms.map((t) => t.feature)).toEqual([BIAS, 'a', 'unseen']);
    expect(terms[1]!.contribution).toBeCloseTo(2 * model.weight('a'));
    expect(terms[2]!.contribution).toBe(0);
  });

  it('uses its own intercept whatever the input says about "bias", and ignores non-finite values', () => {
    const model = trained(DEFAULT_FTRL_CONFIG, 2000);
    expect(model.score({ bias: 123, a: 1 })).toBe(model.score({ a: 1 }));
    expect(model.score({ a: 1, b: Number.NaN, c: Infinity })).toBe(model.score({ a: 1 }));
    const before = model.weight('b');
    model.update({ b: Number.NaN }, true);
    expect(model.weight('b')).toBe(before);
  });

  it('returns the prediction made before the update and moves towards the label', () => {
    const model = new FtrlModel(NO_PRIOR);
    const p = model.update({ a: 1 }, true);
    expect(p).toBe(0.5);
    expect(model.predict({ a: 1 })).toBeGreaterThan(0.5);
    const q = model.update({ a: 1 }, false);
    expect(q).toBeGreaterThan(0.5);
  });

  it('weights examples: weight 0 learns nothing, a heavier example moves further', () => {
    const ignored = new FtrlModel(NO_PRIOR);
    ignored.update({ a: 1 }, true, 0);
    expect(ignored.trainingCount).toBe(0);
    expect(ignored.predict({ a: 1 })).toBe(0.5);
    const light = new FtrlModel(NO_PRIOR);
    const heavy = new FtrlModel(NO_PRIOR);
    light.update({ a: 1 }, true, 1);
    heavy.update({ a: 1 }, true, 3);
    expect(heavy.weight('a')).toBeGreaterThan(light.weight('a'));
    expect(() => light.update({ a: 1 }, true, -1)).toThrow(RangeError);
  });

  it('accepts 0/1 labels like booleans', () => {
    const a = new FtrlModel();
    const b = new FtrlModel();
    a.update({ x: 1 }, 1);
    b.update({ x: 1 }, true);
    expect(a.toSnapshot({ version: 'v', createdAtMs: 0 })).toEqual(b.toSnapshot({ version: 'v', createdAtMs: 0 }));
  });

  it('is deterministic: the same examples in the same order give the same snapshot', () => {
    const meta = { version: 'v1', createdAtMs: 1 };
    expect(trained(DEFAULT_FTRL_CONFIG, 3000).toSnapshot(meta)).toEqual(trained(DEFAULT_FTRL_CONFIG, 3000).toSnapshot(meta));
  });

  it('round-trips through a JSON snapshot and keeps learning identically', () => {
    const model = trained(DEFAULT_FTRL_CONFIG, 3000);
    const snapshot = model.toSnapshot({ version: 'ftrl-1', createdAtMs: 1_700_000_000_000 });
    expect(snapshot.format).toBe(SNAPSHOT_FORMAT);
    expect(snapshot.features).toEqual([...snapshot.features].sort());
    expect(snapshot.trainingCount).toBe(3000);
    const restored = FtrlModel.fromSnapshot(JSON.parse(JSON.stringify(snapshot)));
    expect(restored.version).toBe('ftrl-1');
    expect(restored.createdAtMs).toBe(1_700_000_000_000);
    expect(restored.trainingCount).toBe(3000);
    for (const { x } of generated(50, 5)) expect(restored.score(x)).toBe(model.score(x));
    for (const { x, y } of generated(500, 6)) {
      model.update(x, y);
      restored.update(x, y);
    }
    expect(restored.toSnapshot({ version: 'v', createdAtMs: 0 })).toEqual(model.toSnapshot({ version: 'v', createdAtMs: 0 }));
  });

  it('restores exactly the coordinates of the snapshot, also when it was configured without initial weights', () => {
    const bare = new FtrlModel(NO_PRIOR);
    const restored = FtrlModel.fromSnapshot(JSON.parse(JSON.stringify(bare.toSnapshot({ version: 'v', createdAtMs: 0 }))));
    expect(restored.predict({})).toBe(0.5);
    expect(restored.params.initialWeights).toEqual({});
    const primed = FtrlModel.fromSnapshot(new FtrlModel().toSnapshot({ version: 'v', createdAtMs: 0 }));
    expect(primed.predict({})).toBeCloseTo(0.05, 10);
  });

  it('gives a saved model the prior weight of a feature it has never seen, and keeps what it learned of the others', () => {
    const model = new FtrlModel({ alpha: 0.2, beta: 1, l1: 0, l2: 1, initialWeights: { seen: 1 } });
    for (let i = 0; i < 20; i++) model.update({ seen: 1 }, 0);
    const learned = model.weight('seen');
    const restored = FtrlModel.fromSnapshot(JSON.parse(JSON.stringify(model.toSnapshot({ version: 'v', createdAtMs: 0 }))));
    restored.seedUnseenFeatures({ seen: 5, added_later: 3 });
    expect(restored.weight('seen')).toBeCloseTo(learned, 12);
    expect(restored.weight('added_later')).toBeCloseTo(3, 12);
    expect(restored.params.initialWeights).toMatchObject({ added_later: 3 });
  });

  it('clones into an independent model', () => {
    const model = trained(DEFAULT_FTRL_CONFIG, 1000);
    const copy = model.clone();
    copy.update({ a: 5 }, true);
    expect(copy.weight('a')).not.toBe(model.weight('a'));
    expect(copy.trainingCount).toBe(1001);
  });

  it('rejects a broken snapshot, naming what is wrong', () => {
    const good = trained(DEFAULT_FTRL_CONFIG, 100).toSnapshot({ version: 'v', createdAtMs: 0 });
    const attempt = (json: unknown) => {
      try {
        FtrlModel.fromSnapshot(json);
        return [];
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigValidationError);
        return (error as ConfigValidationError).issues.map((i) => i.path);
      }
    };
    expect(attempt(good)).toEqual([]);
    expect(attempt(null)).toEqual(['(root)']);
    expect(attempt({ ...good, format: 'other' })).toEqual(['format']);
    expect(attempt({ ...good, z: good.z.slice(1) })).toEqual(['(root)']);
    expect(attempt({ ...good, n: good.n.map((n, i) => (i === 0 ? -1 : n)) })).toEqual(['n[0]']);
    expect(attempt({ ...good, params: { ...good.params, alpha: 0 } })).toEqual(['params.alpha']);
    expect(attempt({ ...good, features: [good.features[0], ...good.features.slice(0, -1)] })).toEqual(['features']);
    expect(attempt({ ...good, version: '' })).toEqual(['version']);
  });

  it('rejects nonsensical settings', () => {
    expect(() => new FtrlModel({ ...DEFAULT_FTRL_CONFIG, alpha: 0 })).toThrow(RangeError);
    expect(() => new FtrlModel({ ...DEFAULT_FTRL_CONFIG, l1: -1 })).toThrow(RangeError);
    expect(() => new FtrlModel({ ...DEFAULT_FTRL_CONFIG, initialWeights: { a: Number.NaN } })).toThrow(RangeError);
  });

  it('saturates the sigmoid without overflow', () => {
    expect(sigmoid(1e6)).toBeLessThanOrEqual(1);
    expect(sigmoid(-1e6)).toBeGreaterThan(0);
    expect(sigmoid(0)).toBe(0.5);
  });

  it('names snapshot versions so that they sort by time', () => {
    expect(snapshotVersion(Date.UTC(2024, 4, 1, 12, 30, 5), 1234)).toBe('ftrl-20240501T123005Z-n1234');
    expect(snapshotVersion(Date.UTC(2024, 4, 1), 1) < snapshotVersion(Date.UTC(2024, 4, 2), 1)).toBe(true);
  });
});
