import type { Filters } from '@shopsense/contracts';

/** The fields of a product that filters look at, kept beside every vector. */
export interface ItemPayload {
  /** Lower-cased category path, most general first. */
  categoryPath: string[];
  /** Lower-cased brand, or '' when unknown. */
  brand: string;
  price: number;
  inStock: boolean;
  /** Lower-cased attribute names → lower-cased values. */
  attributes: Record<string, string>;
}

/** Filters in the normal form both vector stores apply (same semantics, conventions §2). */
export interface NormalizedFilters {
  categoryPrefix: string[];
  brands: string[];
  minPrice?: number;
  maxPrice?: number;
  inStock?: boolean;
  attributes: [string, string][];
}

const norm = (value: string) => value.normalize('NFKC').trim().toLowerCase();

export function payloadOf(product: { categoryPath: string[]; brand: string; price: number; inStock: boolean; attributes: Record<string, string> }): ItemPayload {
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(product.attributes)) attributes[norm(k)] = norm(v);
  return { categoryPath: product.categoryPath.map(norm), brand: norm(product.brand), price: product.price, inStock: product.inStock, attributes };
}

/** A category path given as "Electronics/Audio" or "Electronics > Audio". */
export function parseCategoryPath(path: string): string[] {
  return path
    .split(/\s*(?:\/|>)\s*/)
    .map(norm)
    .filter((segment) => segment.length > 0);
}

export function normalizeFilters(filters: Filters | undefined): NormalizedFilters {
  const out: NormalizedFilters = {
    categoryPrefix: filters?.categoryPath ? parseCategoryPath(filters.categoryPath) : [],
    brands: (filters?.brands ?? []).map(norm).filter((b) => b.length > 0),
    attributes: Object.entries(filters?.attributes ?? {}).map(([k, v]) => [norm(k), norm(v)]),
  };
  if (filters?.price?.min !== undefined) out.minPrice = filters.price.min;
  if (filters?.price?.max !== undefined) out.maxPrice = filters.price.max;
  if (filters?.inStock !== undefined) out.inStock = filters.inStock;
  return out;
}

export function hasFilters(f: NormalizedFilters): boolean {
  return f.categoryPrefix.length > 0 || f.brands.length > 0 || f.minPrice !== undefined || f.maxPrice !== undefined || f.inStock !== undefined || f.attributes.length > 0;
}

/**
 * Whether an item passes the filters: a category path matches itself and its descendants,
 * brand is any of the given ones, price bounds are inclusive, attributes must all be equal.
 */
export function matchesFilters(item: ItemPayload, f: NormalizedFilters): boolean {
  if (f.categoryPrefix.length > 0) {
    if (item.categoryPath.length < f.categoryPrefix.length) return false;
    for (let i = 0; i < f.categoryPrefix.length; i++) if (item.categoryPath[i] !== f.categoryPrefix[i]) return false;
  }
  if (f.brands.length > 0 && !f.brands.includes(item.brand)) return false;
  if (f.minPrice !== undefined && !(item.price >= f.minPrice)) return false;
  if (f.maxPrice !== undefined && !(item.price <= f.maxPrice)) return false;
  if (f.inStock !== undefined && item.inStock !== f.inStock) return false;
  for (const [key, value] of f.attributes) if (item.attributes[key] !== value) return false;
  return true;
}
