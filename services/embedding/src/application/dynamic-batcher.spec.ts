import { AppError } from '@shopsense/errors';
import { DynamicBatcher, type BatcherOptions } from './dynamic-batcher';

/** A fake model: the vector of a sequence is [its length]; records each batch it gets. */
function fakeModel(delayMs = 0) {
  const batches: number[][][] = [];
  const run = async (batch: number[][]) => {
    batches.push(batch);
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    return batch.map((tokens) => Float32Array.from([tokens.length]));
  };
  return { batches, run };
}

const seq = (n: number) => Array.from({ length: n }, (_, i) => i);
const far = () => Date.now() + 10_000;
const options = (overrides: Partial<BatcherOptions>): BatcherOptions => ({ maxBatchSize: 8, maxBulkBatchSize: 8, maxBatchTokens: 10_000, maxPaddingRatio: 100, maxWaitMs: 20, maxQueuedTexts: 100, ...overrides });

describe('DynamicBatcher', () => {
  it('packs concurrent requests into one batch and answers each with its own vectors', async () => {
    const model = fakeModel();
    const batcher = new DynamicBatcher(options({ maxBatchSize: 8, maxBatchTokens: 10_000, maxWaitMs: 20, maxQueuedTexts: 100 }), model.run);
    const [a, b] = await Promise.all([batcher.submit([seq(3), seq(5)], far()), batcher.submit([seq(4)], far())]);
    expect(a.map((v) => v[0])).toEqual([3, 5]);
    expect(b.map((v) => v[0])).toEqual([4]);
    expect(model.batches).toHaveLength(1);
    expect(model.batches[0]!.map((s) => s.length)).toEqual([3, 4, 5]); // sorted by length
  });

  it('runs at once when a full batch is waiting', async () => {
    const model = fakeModel();
    const batcher = new DynamicBatcher(options({ maxBatchSize: 2, maxBatchTokens: 10_000, maxWaitMs: 60_000, maxQueuedTexts: 100 }), model.run);
    const result = await batcher.submit([seq(1), seq(2)], far());
    expect(result).toHaveLength(2);
  });

  it('refuses work beyond the queue bound with RESOURCE_EXHAUSTED', async () => {
    const model = fakeModel();
    const batcher = new DynamicBatcher(options({ maxBatchSize: 8, maxBatchTokens: 10_000, maxWaitMs: 30, maxQueuedTexts: 3 }), model.run);
    const first = batcher.submit([seq(1), seq(1), seq(1)], far());
    await expect(batcher.submit([seq(1)], far())).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' } satisfies Partial<AppError>);
    await first;
    expect(batcher.stats.rejectedFull).toBe(1);
  });

  it('drops texts whose deadline passed before inference', async () => {
    const model = fakeModel();
    const batcher = new DynamicBatcher(options({ maxBatchSize: 8, maxBatchTokens: 10_000, maxWaitMs: 30, maxQueuedTexts: 100 }), model.run);
    const expired = batcher.submit([seq(2)], Date.now() + 5);
    const alive = batcher.submit([seq(3)], far());
    await expect(expired).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect((await alive)[0]![0]).toBe(3);
    expect(model.batches.flat().map((s) => s.length)).toEqual([3]);
    expect(batcher.stats.droppedExpired).toBe(1);
  });

  it('drops texts of a cancelled call', async () => {
    const model = fakeModel();
    const batcher = new DynamicBatcher(options({ maxBatchSize: 8, maxBatchTokens: 10_000, maxWaitMs: 20, maxQueuedTexts: 100 }), model.run);
    const controller = new AbortController();
    const cancelled = batcher.submit([seq(2)], far(), controller.signal);
    controller.abort();
    await expect(cancelled).rejects.toBeInstanceOf(AppError);
    expect(model.batches).toHaveLength(0);
  });

  it('runs the interactive texts that arrive during a bulk batch before the rest of the bulk work', async () => {
    const model = fakeModel(20);
    const batcher = new DynamicBatcher(options({ maxBatchSize: 8, maxBulkBatchSize: 2, maxWaitMs: 0 }), model.run);
    const bulk = batcher.submit([seq(10), seq(11), seq(12), seq(13), seq(14), seq(15)], far(), undefined, 'bulk');
    await new Promise((resolve) => setTimeout(resolve, 5)); // the first bulk batch is running
    const query = batcher.submit([seq(1)], far());
    await Promise.all([bulk, query]);
    expect(model.batches.map((batch) => batch.map((s) => s.length))).toEqual([[10, 11], [1], [12, 13], [14, 15]]);
  });

  it('keeps bulk batches to maxBulkBatchSize and interactive ones to maxBatchSize', async () => {
    const model = fakeModel();
    const batcher = new DynamicBatcher(options({ maxBatchSize: 4, maxBulkBatchSize: 2, maxWaitMs: 0 }), model.run);
    await batcher.submit([seq(1), seq(2), seq(3), seq(4), seq(5)], far(), undefined, 'bulk');
    await batcher.submit([seq(1), seq(2), seq(3), seq(4), seq(5)], far());
    expect(model.batches.map((batch) => batch.length)).toEqual([2, 2, 1, 4, 1]);
  });

  it('always includes the oldest waiting text, so long texts are not starved by shorter newcomers', async () => {
    const model = fakeModel(10);
    const batcher = new DynamicBatcher(options({ maxBatchSize: 1, maxWaitMs: 0 }), model.run);
    const first = batcher.submit([seq(1)], far());
    const long = batcher.submit([seq(50)], far());
    const short = batcher.submit([seq(2)], far());
    await Promise.all([first, long, short]);
    expect(model.batches.map((batch) => batch[0]!.length)).toEqual([1, 50, 2]);
  });

  it('fails the texts of a batch whose inference throws, and keeps serving', async () => {
    let fail = true;
    const batcher = new DynamicBatcher(options({ maxBatchSize: 8, maxBatchTokens: 10_000, maxWaitMs: 1, maxQueuedTexts: 100 }), async (batch) => {
      if (fail) {
        fail = false;
        throw new Error('onnx exploded');
      }
      return batch.map(() => Float32Array.from([1]));
    });
    await expect(batcher.submit([seq(1)], far())).rejects.toMatchObject({ code: 'INTERNAL', message: 'inference failed: onnx exploded' });
    expect(await batcher.submit([seq(1)], far())).toHaveLength(1);
  });
});
