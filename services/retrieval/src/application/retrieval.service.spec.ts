import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ProductSchema } from '@shopsense/contracts';
import { createLogger } from '@shopsense/observability';
import type { Bm25Index } from '../domain/bm25-index';
import { normalizeFilters } from '../domain/filters';
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
  limits: { dense: 0, lexical: 0, userInterest: 0, similar: 0 },
  weights: { dense: 1, lexical: 1, userInterest: 1, similar: 1 },
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
