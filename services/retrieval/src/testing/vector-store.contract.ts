/**
 * The VectorStore contract suite (conventions §2): one set of behaviours every adapter must
 * show. Run against the embedded store always and against Qdrant when QDRANT_URL is set.
 */
import { create } from '@bufbuild/protobuf';
import { FiltersSchema } from '@shopsense/contracts';
import type { VectorPoint, VectorStore } from '../application/vector-store.port';
import { normalizeFilters, payloadOf } from '../domain/filters';

export interface StoreFactory {
  /** A new, empty store. */
  create(): Promise<VectorStore>;
  /** The same store as a fresh instance over the same data (a restart). */
  reopen(store: VectorStore): Promise<VectorStore>;
  /** Removes what `create` made (a server keeps it otherwise), after the store is closed. */
  dispose?(store: VectorStore): Promise<void>;
}

const DIM = 8;
const none = normalizeFilters(undefined);
const filters = (init: Parameters<typeof create<typeof FiltersSchema>>[1]) => normalizeFilters(create(FiltersSchema, init));

function unit(...values: number[]): Float32Array {
  const v = new Float32Array(DIM);
  values.forEach((x, i) => (v[i] = x));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function point(id: string, vector: Float32Array, fields: Partial<{ categoryPath: string[]; brand: string; price: number; inStock: boolean; attributes: Record<string, string> }> = {}): VectorPoint {
  return { id, vector, payload: payloadOf({ categoryPath: ['Shoes', 'Running'], brand: 'Acme', price: 50, inStock: true, attributes: {}, ...fields }) };
}

const CATALOG: VectorPoint[] = [
  point('run-red', unit(1, 0.1), { attributes: { colour: 'red' }, price: 80 }),
  point('run-blue', unit(1, 0.2), { attributes: { colour: 'blue' }, price: 40, brand: 'Nike' }),
  point('trail', unit(0.9, 0.4), { categoryPath: ['Shoes', 'Running', 'Trail'], price: 120, inStock: false }),
  point('boot', unit(0.2, 1), { categoryPath: ['Shoes', 'Boots'], brand: 'Nike', price: 150 }),
  point('mug', unit(0, 0, 1), { categoryPath: ['Kitchen'], brand: 'Home', price: 10 }),
];

export function describeVectorStoreContract(name: string, factory: StoreFactory): void {
  describe(`VectorStore contract: ${name}`, () => {
    let store: VectorStore;
    beforeEach(async () => {
      store = await factory.create();
      await store.init(DIM, 'model-a');
      await store.upsert(CATALOG);
    });
    afterEach(async () => {
      await store.close();
      await factory.dispose?.(store);
    });

    const ids = async (promise: Promise<{ id: string }[]>) => (await promise).map((h) => h.id);

    it('returns the nearest items by cosine, best first, with cosine scores', async () => {
      const hits = await store.search(unit(1, 0.1), 3, none);
      expect(hits.map((h) => h.id)).toEqual(['run-red', 'run-blue', 'trail']);
      expect(hits[0]!.score).toBeCloseTo(1, 4);
      expect(await store.count()).toBe(5);
    });

    it('filters by category path including descendants, brand, price, stock and attributes', async () => {
      const q = unit(1, 0.1);
      expect((await ids(store.search(q, 10, filters({ categoryPath: 'Shoes/Running' })))).sort()).toEqual(['run-blue', 'run-red', 'trail']);
      expect((await ids(store.search(q, 10, filters({ brands: ['nike'] })))).sort()).toEqual(['boot', 'run-blue']);
      expect((await ids(store.search(q, 10, filters({ price: { min: 40, max: 80 } })))).sort()).toEqual(['run-blue', 'run-red']);
      expect(await ids(store.search(q, 10, filters({ inStock: false })))).toEqual(['trail']);
      expect(await ids(store.search(q, 10, filters({ attributes: { colour: 'Blue' } })))).toEqual(['run-blue']);
      expect(await ids(store.search(q, 10, filters({ brands: ['nobody'] })))).toEqual([]);
    });

    it('updates an item in place and forgets a deleted one', async () => {
      await store.upsert([point('mug', unit(1, 0.1), { categoryPath: ['Kitchen'] })]);
      expect((await ids(store.search(unit(1, 0.1), 2, filters({ categoryPath: 'kitchen' }))))).toEqual(['mug']);
      await store.delete(['run-red', 'unknown-id']);
      expect(await ids(store.search(unit(1, 0.1), 10, none))).not.toContain('run-red');
      expect(await store.count()).toBe(4);
      expect((await store.getVectors(['run-red', 'boot'])).has('run-red')).toBe(false);
    });

    it('excludes given ids and recommends by positive and negative examples', async () => {
      expect(await ids(store.search(unit(1, 0.1), 2, none, new Set(['run-red'])))).toEqual(['run-blue', 'trail']);
      const similar = await ids(store.recommend(['run-red'], [], 2, none));
      expect(similar).toEqual(['run-blue', 'trail']);
      const awayFromRunning = await ids(store.recommend(['boot'], ['run-red'], 1, none));
      expect(awayFromRunning).toEqual(['trail']);
    });

    it('returns stored vectors', async () => {
      const vectors = await store.getVectors(['boot', 'nope']);
      expect([...vectors.keys()]).toEqual(['boot']);
      expect(Array.from(vectors.get('boot')!)[1]).toBeCloseTo(unit(0.2, 1)[1]!, 5);
    });

    it('keeps everything across a restart', async () => {
      await store.delete(['mug']);
      await store.flush();
      store = await factory.reopen(store);
      await store.init(DIM, 'model-a');
      expect(await store.count()).toBe(4);
      expect(await ids(store.search(unit(1, 0.1), 2, filters({ brands: ['nike'] })))).toEqual(['run-blue', 'boot']);
      await store.upsert([point('new', unit(0, 0, 0, 1))]);
      expect(await ids(store.search(unit(0, 0, 0, 1), 1, none))).toEqual(['new']);
    });

    it('starts empty for another model version, and keeps that version across a restart', async () => {
      await store.publish();
      await store.flush();
      store = await factory.reopen(store);
      await store.init(DIM, 'model-b');
      expect(await store.count()).toBe(0);
      expect(await store.search(unit(1, 0.1), 3, none)).toEqual([]);
      await store.upsert([point('new', unit(0, 0, 0, 1))]);
      await store.publish();
      await store.flush();
      store = await factory.reopen(store);
      await store.init(DIM, 'model-b');
      expect(await ids(store.search(unit(0, 0, 0, 1), 5, none))).toEqual(['new']);
    });
  });
}

/** Exact top-k by brute force over the points themselves: the reference for recall. */
export function bruteForceTopK(points: readonly VectorPoint[], query: Float32Array, k: number, accept: (p: VectorPoint) => boolean): string[] {
  const scored: { id: string; score: number }[] = [];
  for (const p of points) {
    if (!accept(p)) continue;
    let s = 0;
    for (let i = 0; i < query.length; i++) s += query[i]! * p.vector[i]!;
    scored.push({ id: p.id, score: s });
  }
  return scored.sort((a, b) => b.score - a.score).slice(0, k).map((h) => h.id);
}

/** recall@10 of a store against exact search, over the given queries. */
export async function recallAt10(store: VectorStore, points: readonly VectorPoint[], queries: readonly Float32Array[], filter: { categoryPath?: string }): Promise<number> {
  const normalized = filters(filter.categoryPath ? { categoryPath: filter.categoryPath } : {});
  const prefix = normalized.categoryPrefix;
  const accept = (p: VectorPoint) => prefix.every((segment, i) => p.payload.categoryPath[i] === segment);
  let found = 0;
  let expected = 0;
  for (const query of queries) {
    const truth = bruteForceTopK(points, query, 10, accept);
    const got = new Set((await store.search(query, 10, normalized)).map((h) => h.id));
    expected += truth.length;
    found += truth.filter((id) => got.has(id)).length;
  }
  return expected === 0 ? 1 : found / expected;
}
