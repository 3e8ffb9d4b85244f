import { CachedItemVectorSource, MAX_IDS_PER_CALL } from './cached-item-vector-source';
import type { ItemVectorSource } from './item-vector-source.port';

function fakeSource(version: { current: string }) {
  const calls: string[][] = [];
  const source: ItemVectorSource = {
    getVectors: async (ids) => {
      calls.push([...ids]);
      return { vectors: new Map(ids.filter((id) => !id.startsWith('unknown')).map((id) => [id, Float32Array.from([id.length, version.current.length])])), modelVersion: version.current };
    },
  };
  return { source, calls };
}

describe('CachedItemVectorSource', () => {
  it('asks the source only for what it does not hold, remembering unknown items for a while', async () => {
    const version = { current: 'v1' };
    const { source, calls } = fakeSource(version);
    let now = 0;
    const cached = new CachedItemVectorSource(source, 100, 1_000, () => now);
    expect([...(await cached.getVectors(['a', 'bb', 'unknown-1'])).vectors.keys()]).toEqual(['a', 'bb']);
    expect([...(await cached.getVectors(['a', 'ccc', 'unknown-1'])).vectors.keys()]).toEqual(['a', 'ccc']);
    expect(calls).toEqual([['a', 'bb', 'unknown-1'], ['ccc']]);
    now = 2_000;
    await cached.getVectors(['unknown-1']);
    expect(calls.at(-1)).toEqual(['unknown-1']);
  });

  it('drops everything when the model version changes, so two models are never mixed', async () => {
    const version = { current: 'v1' };
    const { source } = fakeSource(version);
    const cached = new CachedItemVectorSource(source, 100);
    await cached.getVectors(['a']);
    version.current = 'v22';
    const batch = await cached.getVectors(['a', 'b']);
    expect(batch.modelVersion).toBe('v22');
    expect(Array.from(batch.vectors.get('a')!)).toEqual([1, 3]);
  });

  it(`splits big requests into calls of at most ${MAX_IDS_PER_CALL} ids`, async () => {
    const { source, calls } = fakeSource({ current: 'v1' });
    const batch = await new CachedItemVectorSource(source, 10).getVectors(Array.from({ length: 2500 }, (_, i) => `i${i}`));
    expect(calls.map((c) => c.length)).toEqual([1000, 1000, 500]);
    expect(batch.vectors.size).toBe(2500);
  });
});
