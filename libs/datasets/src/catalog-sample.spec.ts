import { create } from '@bufbuild/protobuf';
import { ProductSchema } from '@shopsense/contracts';
import { sampleCatalog } from './catalog-sample';

const catalog = Array.from({ length: 100 }, (_, i) => create(ProductSchema, { id: `p${i}`, title: i % 10 === 3 ? `Digital Caliper ${i}` : i % 25 === 7 ? `glass beaker ${i}` : `widget ${i}` }));

describe('sampleCatalog', () => {
  it('takes the first products with each word, then others spread over the catalog, in catalog order', () => {
    const sample = sampleCatalog(catalog, { titleWords: ['caliper', 'Beaker'], perWord: 2, others: 5 });
    const ids = sample.map((p) => p.id);
    expect(ids.filter((id) => /caliper/i.test(catalog[Number(id.slice(1))]!.title))).toEqual(['p3', 'p13']);
    expect(ids.filter((id) => /beaker/.test(catalog[Number(id.slice(1))]!.title))).toEqual(['p7', 'p32']);
    expect(sample).toHaveLength(9);
    expect(ids).toEqual([...ids].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
    expect(Number(ids.at(-1)!.slice(1))).toBeGreaterThan(50); // the others reach past the start
  });

  it('is the same slice every time', () => {
    const options = { titleWords: ['widget'], perWord: 3, others: 10 };
    expect(sampleCatalog(catalog, options).map((p) => p.id)).toEqual(sampleCatalog(catalog, options).map((p) => p.id));
  });
});
