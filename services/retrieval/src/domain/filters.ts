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

/** The form filters and payloads compare in: NFKC, trimmed, lower case. */
export const norm = (value: string) => value.normalize('NFKC').trim().toLowerCase();

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
  return failedFilters(item, f, 1).length === 0;
}

/**
 * The parts of the filters an item fails ("category", "brand", "price", "in_stock",
 * "attribute:<name>"), stopping once `enough` are found: facet counting needs to know which one
 * part failed, matching only whether any did.
 */
export function failedFilters(item: ItemPayload, f: NormalizedFilters, enough: number): readonly string[] {
  // Allocated at the first failure only: matching runs for every lexical hit of every search.
  let failed: string[] | undefined;
  const fail = (part: string) => (failed ??= []).push(part) >= enough;
  if (f.categoryPrefix.length > 0 && (item.categoryPath.length < f.categoryPrefix.length || f.categoryPrefix.some((segment, i) => item.categoryPath[i] !== segment)) && fail('category')) return failed ?? NONE;
  if (f.brands.length > 0 && !f.brands.includes(item.brand) && fail('brand')) return failed ?? NONE;
  if (((f.minPrice !== undefined && !(item.price >= f.minPrice)) || (f.maxPrice !== undefined && !(item.price <= f.maxPrice))) && fail('price')) return failed ?? NONE;
  if (f.inStock !== undefined && item.inStock !== f.inStock && fail('in_stock')) return failed ?? NONE;
  for (const [key, value] of f.attributes) if (item.attributes[key] !== value && fail(`attribute:${key}`)) return failed ?? NONE;
  return failed ?? NONE;
}

const NONE: readonly string[] = [];
