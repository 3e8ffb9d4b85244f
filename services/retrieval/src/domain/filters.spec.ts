import { create } from '@bufbuild/protobuf';
import { FiltersSchema } from '@shopsense/contracts';
import { hasFilters, matchesFilters, normalizeFilters, payloadOf } from './filters';

const item = payloadOf({ categoryPath: ['Shoes', 'Running', 'Trail'], brand: 'Nike', price: 80, inStock: true, attributes: { Colour: 'Red', size: '42' } });
const f = (init: Parameters<typeof create<typeof FiltersSchema>>[1]) => normalizeFilters(create(FiltersSchema, init));

describe('filters', () => {
  it('matches a category path and its descendants, not siblings', () => {
    expect(matchesFilters(item, f({ categoryPath: 'shoes/running' }))).toBe(true);
    expect(matchesFilters(item, f({ categoryPath: 'Shoes > Running > Trail' }))).toBe(true);
    expect(matchesFilters(item, f({ categoryPath: 'shoes/run' }))).toBe(false);
    expect(matchesFilters(item, f({ categoryPath: 'shoes/running/trail/extra' }))).toBe(false);
  });

  it('matches any of the brands, case-insensitively', () => {
    expect(matchesFilters(item, f({ brands: ['adidas', 'NIKE'] }))).toBe(true);
    expect(matchesFilters(item, f({ brands: ['adidas'] }))).toBe(false);
  });

  it('treats price bounds as inclusive', () => {
    expect(matchesFilters(item, f({ price: { min: 80, max: 80 } }))).toBe(true);
    expect(matchesFilters(item, f({ price: { max: 79.99 } }))).toBe(false);
    expect(matchesFilters(item, f({ price: { min: 80.01 } }))).toBe(false);
  });

  it('checks stock and attribute equality', () => {
    expect(matchesFilters(item, f({ inStock: false }))).toBe(false);
    expect(matchesFilters(item, f({ attributes: { colour: 'red' } }))).toBe(true);
    expect(matchesFilters(item, f({ attributes: { colour: 'red', size: '43' } }))).toBe(false);
  });

  it('knows an empty filter', () => {
    expect(hasFilters(f({}))).toBe(false);
    expect(hasFilters(f({ inStock: true }))).toBe(true);
  });
});
