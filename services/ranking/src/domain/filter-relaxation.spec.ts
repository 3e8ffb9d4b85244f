import { create } from '@bufbuild/protobuf';
import { FiltersSchema } from '@shopsense/contracts';
import { filterRelaxations } from './filter-relaxation';

const filters = (init: Parameters<typeof create<typeof FiltersSchema>>[1]) => create(FiltersSchema, init);

describe('filterRelaxations', () => {
  it('drops the query\'s filters one at a time: size, other attributes by name, in stock, price, brand, category', () => {
    const steps = filterRelaxations(filters({ categoryPath: 'Shoes', brands: ['Nike'], price: { max: 50 }, inStock: true, attributes: { material: 'mesh', size: '42', color: 'pink' } }), undefined);
    expect(steps.map((s) => s.dropped[s.dropped.length - 1])).toEqual([
      { field: 'attributes.size', value: '42' },
      { field: 'attributes.color', value: 'pink' },
      { field: 'attributes.material', value: 'mesh' },
      { field: 'in_stock', value: 'true' },
      { field: 'price', value: '<= 50' },
      { field: 'brand', value: 'Nike' },
      { field: 'category_path', value: 'Shoes' },
    ]);
    expect(steps[0]!.remaining).toMatchObject({ attributes: { material: 'mesh', color: 'pink' }, brands: ['Nike'], price: { max: 50 } });
    expect(steps[4]!.remaining.price).toBeUndefined();
    expect(steps[4]!.dropped).toHaveLength(5);
    expect(steps[6]!.remaining).toMatchObject({ categoryPath: '', brands: [], attributes: {} });
  });

  it('skips what the caller\'s own filters replace, since dropping it would change nothing', () => {
    const steps = filterRelaxations(filters({ brands: ['Nike'], attributes: { color: 'pink' }, price: { min: 10, max: 20 } }), filters({ brands: ['Adidas'], attributes: { color: 'red' } }));
    expect(steps.map((s) => s.dropped.at(-1))).toEqual([{ field: 'price', value: '10–20' }]);
  });

  it('has no step without query filters', () => {
    expect(filterRelaxations(undefined, filters({ brands: ['Nike'] }))).toEqual([]);
    expect(filterRelaxations(filters({}), undefined)).toEqual([]);
  });

  it('leaves the query\'s filters it was given unchanged', () => {
    const extracted = filters({ brands: ['Nike'], attributes: { color: 'pink' } });
    filterRelaxations(extracted, undefined);
    expect(extracted).toMatchObject({ brands: ['Nike'], attributes: { color: 'pink' } });
  });
});
