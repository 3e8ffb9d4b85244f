import type { Product } from '@shopsense/contracts';

/** Orders retrieval can give from the catalog's own fields (best-selling needs feedback's statistics: ranking's job). */
export type CatalogOrder = 'price_ascending' | 'price_descending' | 'newest' | 'rating';

/**
 * The sort key of a product, lower first; Infinity for a product the order cannot place (no
 * price, no update time, no numeric rating), so those come last. A price of 0 is "not given",
 * as everywhere else in the catalog.
 */
function orderKey(product: Product, order: CatalogOrder): number {
  switch (order) {
    case 'price_ascending':
      return product.price > 0 ? product.price : Infinity;
    case 'price_descending':
      return product.price > 0 ? -product.price : Infinity;
    case 'newest':
      return product.updatedAt ? -(Number(product.updatedAt.seconds) * 1000 + product.updatedAt.nanos / 1e6) : Infinity;
    case 'rating': {
      const rating = Number.parseFloat(product.attributes['rating'] ?? '');
      return Number.isFinite(rating) ? -rating : Infinity;
    }
  }
}

/** The products in that order, ties (and the unplaceable) by id, so pages of the list are stable. */
export function sortByCatalogOrder(products: readonly Product[], order: CatalogOrder): Product[] {
  const keyed = products.map((product) => ({ product, key: orderKey(product, order) }));
  keyed.sort((a, b) => (a.key === b.key ? (a.product.id < b.product.id ? -1 : a.product.id > b.product.id ? 1 : 0) : a.key < b.key ? -1 : 1));
  return keyed.map((k) => k.product);
}
