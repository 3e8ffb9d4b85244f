import { planBatches } from './batch-planner';

const items = (...lengths: number[]) => lengths.map((tokenCount, id) => ({ id, tokenCount }));

describe('planBatches', () => {
  it('groups texts of similar length', () => {
    const batches = planBatches(items(50, 3, 48, 4, 5, 52), { maxBatchSize: 3, maxBatchTokens: 10_000, maxPaddingRatio: 2 });
    expect(batches.map((b) => b.map((i) => i.tokenCount))).toEqual([
      [3, 4, 5],
      [48, 50, 52],
    ]);
  });

  it('caps padded tokens per batch, but always makes progress on a long text', () => {
    const batches = planBatches(items(100, 100, 100, 600), { maxBatchSize: 8, maxBatchTokens: 256, maxPaddingRatio: 10 });
    expect(batches.map((b) => b.length)).toEqual([2, 1, 1]);
    expect(batches.flat()).toHaveLength(4);
  });

  it('starts a new batch where padding would pass the ratio, and pads freely when allowed', () => {
    // 10+10+12 real tokens padded to 36: ratio 1.125; adding 20 would pad 4×20=80 over 52 real (1.54).
    const lengths = (limit: number) => planBatches(items(20, 10, 12, 10), { maxBatchSize: 8, maxBatchTokens: 10_000, maxPaddingRatio: limit }).map((b) => b.map((i) => i.tokenCount));
    expect(lengths(1.25)).toEqual([[10, 10, 12], [20]]);
    expect(lengths(1.6)).toEqual([[10, 10, 12, 20]]);
    expect(lengths(1)).toEqual([[10, 10], [12], [20]]);
  });

  it('returns nothing for nothing', () => {
    expect(planBatches([], { maxBatchSize: 4, maxBatchTokens: 100, maxPaddingRatio: 1.25 })).toEqual([]);
  });
});
