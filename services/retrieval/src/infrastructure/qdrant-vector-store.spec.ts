import { create } from '@bufbuild/protobuf';
import { QdrantClient } from '@qdrant/js-client-rest';
import { FiltersSchema } from '@shopsense/contracts';
import { describeVectorStoreContract } from '../testing/vector-store.contract';
import { normalizeFilters } from '../domain/filters';
import { categoryPrefixes, collectionFor, collectionPrefix, dropAliasAndVersions, pointId, QdrantVectorStore, toQdrantFilter } from './qdrant-vector-store';

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
  const apiKey = process.env['QDRANT_API_KEY'];
  const open = (alias: string) => new QdrantVectorStore({ url: qdrantUrl, alias, apiKey, timeoutMs: 10_000, writeTimeoutMs: 30_000 });
  describeVectorStoreContract(`qdrant at ${qdrantUrl}`, {
    async create() {
      const alias = `shopsense_contract_${Date.now()}_${n++}`;
      const store = open(alias);
      aliases.set(store, alias);
      return store;
    },
    async reopen(store) {
      const next = open(aliases.get(store)!);
      aliases.set(next, aliases.get(store)!);
      return next;
    },
    // The suite leaves nothing on the server: the alias and every collection version behind it.
    async dispose(store) {
      const alias = aliases.get(store)!;
      await dropAliasAndVersions(new QdrantClient({ url: qdrantUrl, ...(apiKey ? { apiKey } : {}), checkCompatibility: false }), alias);
    },
  });

  it('moves the alias to the version published last and drops the versions before the one it replaced (Qdrant)', async () => {
    const alias = `shopsense_contract_${Date.now()}_versions`;
    const admin = new QdrantClient({ url: qdrantUrl, ...(apiKey ? { apiKey } : {}), checkCompatibility: false });
    try {
      for (const version of ['m1', 'm2', 'm3']) {
        const store = open(alias);
        await store.init(4, version);
        await store.publish();
      }
      expect((await admin.getAliases()).aliases.find((a) => a.alias_name === alias)?.collection_name).toBe(collectionFor(alias, 'm3'));
      const names = (await admin.getCollections()).collections.map((c) => c.name).filter((name) => name.startsWith(collectionPrefix(alias)));
      expect(names.sort()).toEqual([collectionFor(alias, 'm2'), collectionFor(alias, 'm3')].sort());
    } finally {
      await dropAliasAndVersions(admin, alias);
    }
  });
} else {
  it.skip('VectorStore contract against Qdrant: set QDRANT_URL to run it', () => undefined);
}
