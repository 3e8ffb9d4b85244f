import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ProductSchema } from '@shopsense/contracts';
import { createLogger } from '@shopsense/observability';
import type { Bm25Index } from '../domain/bm25-index';
import { matchesFilters, normalizeFilters, payloadOf, type NormalizedFilters } from '../domain/filters';
import type { CatalogStore, StoredProduct } from './catalog-store.port';
import type { Embedder } from './embedder.port';
import { RetrievalApplicationService, type RetrieveQuery } from './retrieval.service';
import type { VectorStore } from './vector-store.port';

const DAY = 86_400_000;
const stored = (id: string, brand: string, inStock: boolean, updatedDaysAgo?: number): StoredProduct => ({
  product: create(ProductSchema, { id, title: id, brand, price: 10, inStock, categoryPath: ['C'], ...(updatedDaysAgo !== undefined ? { updatedAt: timestampFromMs(1_700_000_000_000 - updatedDaysAgo * DAY) } : {}) }),
  contentHash: id,
  embeddingHash: id,
});

function serviceOver(products: StoredProduct[]) {
  const catalog = { all: () => products.values(), get: (id: string) => products.find((p) => p.product.id === id), size: products.length } as unknown as CatalogStore;
  const unused = {} as never;
  return new RetrievalApplicationService(catalog, unused as VectorStore, unused as Bm25Index, unused as Embedder, createLogger('test', 'silent'), 4);
}

const browse = (overrides: Partial<RetrieveQuery> = {}): RetrieveQuery => ({
  queryText: '',
  seedItemIds: [],
  excludeItemIds: [],
  browseCatalog: true,
  filters: normalizeFilters(undefined),
  limits: { dense: 0, lexical: 0, userInterest: 0, similar: 0, inType: 0 },
  weights: { dense: 1, lexical: 1, userInterest: 1, similar: 1, inType: 1 },
  fusion: 'rrf',
  rrfK: 60,
  limit: 10,
  ...overrides,
});

describe('RetrievalApplicationService: browsing the catalog', () => {
  const products = [stored('old', 'Acme', true, 30), stored('undated', 'Acme', true), stored('new', 'Acme', true, 1), stored('sold-out', 'Acme', false, 0), stored('other-brand', 'Zeta', true, 2), stored('mid', 'Acme', true, 10)];

  it('answers in-stock products, most recently updated first, undated last, as the catalog source', async () => {
    const result = await serviceOver(products).retrieve(browse());
    expect(result.candidates.map((c) => c.id)).toEqual(['new', 'other-brand', 'mid', 'old', 'undated']);
    expect(result.candidates[0]!.sources).toEqual([expect.objectContaining({ source: 'catalog' })]);
  });

  it('applies the filters, the exclusions and the limit', async () => {
    const result = await serviceOver(products).retrieve(browse({ filters: normalizeFilters({ brands: ['Acme'] } as never), excludeItemIds: ['new'], limit: 2 }));
    expect(result.candidates.map((c) => c.id)).toEqual(['mid', 'old']);
  });

  it('still refuses a request with nothing to go on and no browse_catalog', async () => {
    await expect(serviceOver(products).retrieve(browse({ browseCatalog: false }))).rejects.toThrow(/give a query text, a query vector, a user vector, seed items or browse_catalog/);
  });
});

describe('RetrievalApplicationService: the in_type source', () => {
  // Two running shoes (one red), a red jacket and a sneaker; the vector store ranks by a fixed
  // similarity and applies the filters it is given, as both real stores do.
  const product = (id: string, category: string[], color: string) => ({
    product: create(ProductSchema, { id, title: id, brand: 'Acme', price: 10, inStock: true, categoryPath: category, attributes: { color } }),
    contentHash: id,
    embeddingHash: id,
  });
  const products = [product('red-jacket', ['Clothing', 'Jackets'], 'red'), product('red-shoe', ['Shoes', 'Running Shoes'], 'red'), product('blue-shoe', ['Shoes', 'Running Shoes'], 'blue'), product('sneaker', ['Shoes', 'Sneakers'], 'red')];
  const similarity: Record<string, number> = { 'red-jacket': 0.9, 'red-shoe': 0.8, sneaker: 0.7, 'blue-shoe': 0.6 };

  function service() {
    const searches: NormalizedFilters[] = [];
    let embedded = 0;
    const catalog = { all: () => products.values(), get: (id: string) => products.find((p) => p.product.id === id), size: products.length } as unknown as CatalogStore;
    const vectors = {
      search: async (_vector: Float32Array, k: number, filters: NormalizedFilters) => {
        searches.push(filters);
        return products
          .filter((p) => matchesFilters(payloadOf(p.product), filters))
          .map((p) => ({ id: p.product.id, score: similarity[p.product.id]! }))
          .sort((a, b) => b.score - a.score)
          .slice(0, k);
      },
    } as unknown as VectorStore;
    const embedder = { embedQuery: async () => (embedded++, new Float32Array(4)) } as unknown as Embedder;
    const unused = {} as never;
    return { searches, embedded: () => embedded, service: new RetrievalApplicationService(catalog, vectors, unused as Bm25Index, embedder, createLogger('test', 'silent'), 4) };
  }

  const query = (overrides: Partial<RetrieveQuery> = {}): RetrieveQuery => ({
    ...browse({ browseCatalog: false, queryText: 'red running shoes', limits: { dense: 10, lexical: 0, userInterest: 0, similar: 0, inType: 10 } }),
    filters: normalizeFilters({ attributes: { color: 'red' } } as never),
    productType: normalizeFilters({ categoryPath: 'Shoes/Running Shoes', attributes: {} } as never),
    ...overrides,
  });

  it('adds the products of the type under its own filters, marking those that fail the request filters as relaxed', async () => {
    const { service: retrieval, searches, embedded } = service();
    const result = await retrieval.retrieve(query());
    const byId = new Map(result.candidates.map((c) => [c.id, c]));
    // Dense under the request's filters: every red product; in_type: both running shoes.
    expect([...byId.keys()].sort()).toEqual(['blue-shoe', 'red-jacket', 'red-shoe', 'sneaker']);
    expect(byId.get('blue-shoe')).toMatchObject({ relaxed: true, sources: [expect.objectContaining({ source: 'in_type' })] });
    expect(byId.get('red-shoe')!.relaxed).toBeUndefined();
    expect(byId.get('red-shoe')!.sources.map((s) => s.source).sort()).toEqual(['dense', 'in_type']);
    expect(byId.get('red-jacket')!.relaxed).toBeUndefined();
    // Whichever source found it, each candidate says whether it is of the type.
    expect(Object.fromEntries([...byId].map(([id, c]) => [id, c.ofProductType]))).toEqual({ 'red-jacket': false, 'red-shoe': true, 'blue-shoe': true, sneaker: false });
    expect(searches).toContainEqual(expect.objectContaining({ categoryPrefix: ['shoes', 'running shoes'], attributes: [] }));
    // One embedding serves dense and in_type.
    expect(embedded()).toBe(1);
  });

  it('runs no in_type search without a product type, or with a catalog sort', async () => {
    const { service: retrieval, searches } = service();
    const { productType: _unused, ...untyped } = query();
    expect((await retrieval.retrieve(untyped)).candidates.map((c) => c.id)).not.toContain('blue-shoe');
    expect(searches).toHaveLength(1);
    const sorted = service();
    const byPrice = await sorted.service.retrieve(query({ sort: 'price_ascending', queryText: '', queryVector: new Float32Array(4) }));
    expect(byPrice.candidates.map((c) => c.id).sort()).toEqual(['red-jacket', 'red-shoe', 'sneaker']);
    expect(sorted.searches).toEqual([expect.objectContaining({ categoryPrefix: [] })]);
  });

  it('refuses a product type without a category', async () => {
    const { service: retrieval } = service();
    await expect(retrieval.retrieve(query({ productType: normalizeFilters(undefined) }))).rejects.toThrow(/product_type.category_path: must name at least one category segment/);
  });
});
