import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ProductSchema } from '@shopsense/contracts';
import { sortByCatalogOrder } from './catalog-order';

const product = (id: string, price: number, updatedMs?: number, rating?: string) =>
  create(ProductSchema, { id, title: id, price, ...(updatedMs !== undefined ? { updatedAt: timestampFromMs(updatedMs) } : {}), attributes: rating !== undefined ? { rating } : {} });

describe('sortByCatalogOrder', () => {
  const products = [product('c', 30, 3_000, '4.5'), product('a', 10, 1_000, 'great'), product('free', 0), product('b', 30, 2_000, '4.9'), product('d', 5, undefined, '3')];
  const ids = (order: Parameters<typeof sortByCatalogOrder>[1]) => sortByCatalogOrder(products, order).map((p) => p.id);

  it('sorts by price either way, ties by id, products without a price last', () => {
    expect(ids('price_ascending')).toEqual(['d', 'a', 'b', 'c', 'free']);
    expect(ids('price_descending')).toEqual(['b', 'c', 'a', 'd', 'free']);
  });

  it('sorts by update time, newest first, and by a numeric rating, the undated and unrated last', () => {
    expect(ids('newest')).toEqual(['c', 'b', 'a', 'd', 'free']);
    expect(ids('rating')).toEqual(['b', 'c', 'd', 'a', 'free']);
  });
});
