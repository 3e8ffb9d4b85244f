import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { RecommendRequestSchema } from '@shopsense/contracts';
import { filtersFrom, recommendRequest } from './query-commands';

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

describe('recommendRequest', () => {
  const base = { limit: 10, explain: false, excludeSeen: false };

  it.each([
    ['item', { item: 'demo-0005' }, { case: 'item', value: { itemId: 'demo-0005' } }],
    ['cart', { cart: ['a', 'b'] }, { case: 'cart', value: { itemIds: ['a', 'b'] } }],
    ['home', {}, { case: 'home', value: {} }],
  ])('builds a %s context that serialises', (_name, options, context) => {
    const request = recommendRequest({ ...base, ...options }, undefined);
    expect(request.context).toMatchObject(context);
    // What the gRPC client does with it: this threw for item and cart contexts.
    const decoded = fromBinary(RecommendRequestSchema, toBinary(RecommendRequestSchema, request));
    expect(decoded.context).toMatchObject(context);
  });
});
