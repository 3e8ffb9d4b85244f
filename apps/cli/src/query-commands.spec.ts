import { filtersFrom } from './query-commands';

describe('filtersFrom', () => {
  it('is undefined when no filter option is given', () => {
    expect(filtersFrom({})).toBeUndefined();
  });

  it('maps the options to the Filters message, price bounds only where given', () => {
    const filters = filtersFrom({ category: 'Shoes', brand: ['Nike', 'Anta'], maxPrice: 100, inStock: true })!;
    expect(filters).toMatchObject({ categoryPath: 'Shoes', brands: ['Nike', 'Anta'], inStock: true });
    expect(filters.price).toMatchObject({ max: 100 });
    expect(filters.price!.min).toBeUndefined();
  });
});
