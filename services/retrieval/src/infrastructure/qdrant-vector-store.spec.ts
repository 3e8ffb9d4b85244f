import { create } from '@bufbuild/protobuf';
import { FiltersSchema } from '@shopsense/contracts';
import { describeVectorStoreContract } from '../testing/vector-store.contract';
import { normalizeFilters } from '../domain/filters';
import { categoryPrefixes, pointId, QdrantVectorStore, toQdrantFilter } from './qdrant-vector-store';

describe('Qdrant mapping', () => {
  it('derives stable UUIDs from product ids', () => {
    expect(pointId('sku-1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointId('sku-1')).toBe(pointId('sku-1'));
    expect(pointId('sku-1')).not.toBe(pointId('sku-2'));
  });

  it('indexes every prefix of a category path', () => {
    expect(categoryPrefixes(['shoes', 'running', 'trail'])).toEqual(['shoes', 'shoes/running', 'shoes/running/trail']);
  });

  it('translates filters with the embedded store semantics', () => {
    const f = normalizeFilters(create(FiltersSchema, { categoryPath: 'Shoes/Running', brands: ['Nike'], price: { min: 10 }, inStock: true, attributes: { Colour: 'Red' } }));
    expect(toQdrantFilter(f, new Set(['x']))).toEqual({
      must: [
        { key: 'category_prefixes', match: { value: 'shoes/running' } },
        { key: 'brand', match: { any: ['nike'] } },
        { key: 'price', range: { gte: 10 } },
        { key: 'in_stock', match: { value: true } },
        { key: 'attribute_pairs', match: { value: 'colour=red' } },
      ],
      must_not: [{ has_id: [pointId('x')] }],
    });
    expect(toQdrantFilter(normalizeFilters(undefined))).toBeUndefined();
  });
});

// The shared contract suite against a real Qdrant, when one is reachable (QDRANT_URL).
const qdrantUrl = process.env['QDRANT_URL'];
if (qdrantUrl) {
  let n = 0;
  const aliases = new WeakMap<object, string>();
  describeVectorStoreContract(`qdrant at ${qdrantUrl}`, {
    async create() {
      const alias = `shopsense_contract_${Date.now()}_${n++}`;
      const store = new QdrantVectorStore({ url: qdrantUrl, alias, apiKey: process.env['QDRANT_API_KEY'] });
      aliases.set(store, alias);
      return store;
    },
    async reopen(store) {
      const next = new QdrantVectorStore({ url: qdrantUrl, alias: aliases.get(store)!, apiKey: process.env['QDRANT_API_KEY'] });
      aliases.set(next, aliases.get(store)!);
      return next;
    },
  });
} else {
  it.skip('VectorStore contract against Qdrant: set QDRANT_URL to run it', () => undefined);
}
