import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recallAt10 } from '../testing/vector-store.contract';
import { syntheticCatalog } from '../testing/synthetic-vectors';
import { EmbeddedVectorStore } from './embedded-vector-store';

// 20k vectors are enough for the graph (not an exact scan) to answer, and for a 1% filter to keep
// 200 items; recall and speed at 100k are measured by `npm run bench:retrieval` (a test of 100k
// took 100 s here, most of it building the graph).
const COUNT = 20_000;

describe(`embedded vector store at scale: ${COUNT} vectors of dimension 384`, () => {
  const { points, queries } = syntheticCatalog(COUNT, 384);
  const dataDir = mkdtempSync(join(tmpdir(), 'recall-'));
  let store: EmbeddedVectorStore;

  beforeAll(async () => {
    store = new EmbeddedVectorStore({ dataDir });
    await store.init(384, 'synthetic');
    for (let i = 0; i < points.length; i += 10_000) await store.upsert(points.slice(i, i + 10_000));
  }, 120_000);

  it('has recall@10 >= 0.95 against exact search without a filter', async () => {
    expect(await recallAt10(store, points, queries.slice(0, 50), {})).toBeGreaterThanOrEqual(0.95);
  });

  it('has recall@10 >= 0.95 with a filter that keeps 1% of the items', async () => {
    const kept = points.filter((p) => p.payload.categoryPath[0] === 'rare').length / points.length;
    expect(kept).toBeGreaterThan(0.005);
    expect(kept).toBeLessThan(0.02);
    expect(await recallAt10(store, points, queries.slice(0, 50), { categoryPath: 'rare' })).toBeGreaterThanOrEqual(0.95);
  });

  it('reloads from disk without re-adding a single vector', async () => {
    await store.flush();
    const reopened = new EmbeddedVectorStore({ dataDir });
    await reopened.init(384, 'synthetic');
    expect(await reopened.count()).toBe(COUNT);
    expect(reopened.rebuiltGraph).toBe(false); // the graph came from its file, not from re-adding every vector
    expect(await recallAt10(reopened, points, queries.slice(50, 70), {})).toBeGreaterThanOrEqual(0.95);
  });
});
