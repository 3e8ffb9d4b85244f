import { createSimulatedWorld, meanOf, runSimulation, trueClickProbability, type SimulatedItem } from './click-simulation';
import { FtrlModel } from './ftrl';

describe('click simulation', () => {
  it('builds the same world from the same seed and another from another', () => {
    const a = createSimulatedWorld({ seed: 1, items: 50, users: 10 });
    const b = createSimulatedWorld({ seed: 1, items: 50, users: 10 });
    const c = createSimulatedWorld({ seed: 2, items: 50, users: 10 });
    expect(a.items.map((i) => i.quality)).toEqual(b.items.map((i) => i.quality));
    expect(a.items.map((i) => i.quality)).not.toEqual(c.items.map((i) => i.quality));
    expect(a.items).toHaveLength(50);
    expect(a.users).toHaveLength(10);
  });

  it('replays a run exactly for the same seed', () => {
    const world = createSimulatedWorld({ seed: 3, items: 80, users: 20 });
    const first = runSimulation(world, new FtrlModel(), { rounds: 30, learn: true, seed: 5 });
    const second = runSimulation(world, new FtrlModel(), { rounds: 30, learn: true, seed: 5 });
    expect(second.ctrByRound).toEqual(first.ctrByRound);
    expect(second.examples).toEqual(first.examples);
    expect(first.examples).toHaveLength(30 * world.options.listSize);
    expect(first.heldOutExamples).toEqual([]);
  });

  it('has position bias: the same item is clicked less further down', () => {
    const world = createSimulatedWorld({ seed: 3, items: 80, users: 20 });
    const run = runSimulation(world, new FtrlModel(), { rounds: 1, learn: false, seed: 5 });
    expect(run.examples).toHaveLength(world.options.listSize);
    const request = { requestId: 'r', user: world.users[0]!, context: { queryText: '', boosts: [], channel: 'web', recentItemIds: [], nowMs: 0 }, candidates: [] };
    const top = trueClickProbability(world, request, 'item-0', 0);
    const fifth = trueClickProbability(world, request, 'item-0', 4);
    expect(fifth).toBeCloseTo(top * 5 ** -world.options.clickModel.positionBias, 12);
    expect(() => trueClickProbability(world, request, 'nope', 0)).toThrow(RangeError);
  });

  it('clicks better-matching items more often', () => {
    const world = createSimulatedWorld({ seed: 4 });
    const user = world.users[0]!;
    const request = { requestId: 'r', user, context: { queryText: '', boosts: [], channel: 'web', recentItemIds: [], nowMs: 0 }, candidates: [] };
    const byMatch = [...world.items].sort((a, b) => a.quality - b.quality);
    const worst = byMatch[0]!;
    const best = byMatch[byMatch.length - 1]!;
    // Same user and position: higher hidden quality, higher click probability unless taste overrides; compare on average.
    const avg = (items: typeof world.items) => meanOf(items.map((i) => trueClickProbability(world, request, i.id, 0)));
    expect(avg(byMatch.slice(-50))).toBeGreaterThan(avg(byMatch.slice(0, 50)));
    expect(best.quality).toBeGreaterThan(worst.quality);
  });

  it('runs over a given catalog (a real catalog\'s embeddings, for example)', () => {
    const items: SimulatedItem[] = Array.from({ length: 40 }, (_, i) => ({ id: `sku-${i}`, vector: [Math.cos(i), Math.sin(i), 0.5], price: 10 + i, brand: 'b', categoryPath: ['c'], quality: 0 }));
    const world = createSimulatedWorld({ seed: 9, users: 5 }, items);
    expect(world.topics[0]).toHaveLength(3);
    const run = runSimulation(world, new FtrlModel(), { rounds: 5, learn: true, heldOutRounds: 2, seed: 1 });
    expect(run.examples.every((e) => e.features['user_item_cosine_long'] !== undefined)).toBe(true);
    expect(run.heldOutExamples).toHaveLength(2 * world.options.listSize);
    expect(run.ctrByRound).toHaveLength(7);
  });
});
