import { planBatches } from './batch-planner';

const items = (...lengths: number[]) => lengths.map((tokenCount, id) => ({ id, tokenCount }));

describe('planBatches', () => {
  it('groups texts of similar length', () => {
    const batches = planBatches(items(50, 3, 48, 4, 5, 52), 3, 10_000);
    expect(batches.map((b) => b.map((i) => i.tokenCount))).toEqual([
      [3, 4, 5],
      [48, 50, 52],
    ]);
  });

  it('caps padded tokens per batch, but always makes progress on a long text', () => {
    const batches = planBatches(items(100, 100, 100, 600), 8, 256);
    expect(batches.map((b) => b.length)).toEqual([2, 1, 1]);
    expect(batches.flat()).toHaveLength(4);
  });

  it('returns nothing for nothing', () => {
    expect(planBatches([], 4, 100)).toEqual([]);
  });
});
