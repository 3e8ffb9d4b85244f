import type { ItemPayload, NormalizedFilters } from './filters';

/** A facet to count: "brand", "category_path", "price", "in_stock" or "attributes.<name>". */
export interface FacetSpec {
  field: string;
  /** Most values returned (price ranges given explicitly are all returned). */
  maxValues: number;
  /** For "price": the ranges to count (min ≤ price < max); empty: chosen from the prices. */
  priceRanges: readonly PriceBounds[];
}

export interface PriceBounds {
  min?: number;
  max?: number;
}

export interface FacetValueCount {
  /** As filters take it: a brand, a category path, an attribute value, "true"/"false", "50-100". */
  value: string;
  displayName: string;
  count: number;
  range?: PriceBounds;
  /** Category depth, 1 for a top-level category. */
  depth?: number;
}

export interface FacetCounts {
  field: string;
  values: FacetValueCount[];
  /** Distinct values before the cut to maxValues. */
  distinctValues: number;
}

/** A matching product: its filterable fields normalised, and as the catalog writes them. */
export interface FacetItem {
  payload: ItemPayload;
  brand: string;
  attributes: Readonly<Record<string, string>>;
  /** Every prefix of the category path: normalised (the counting key) and as written. */
  categoryPrefixes: readonly { key: string; path: string }[];
}

/** The facet view of a product; worth keeping per product version, as a search counts thousands. */
export function facetItemOf(payload: ItemPayload, product: { brand: string; categoryPath: readonly string[]; attributes: Readonly<Record<string, string>> }): FacetItem {
  const categoryPrefixes = payload.categoryPath.map((_, i) => ({ key: payload.categoryPath.slice(0, i + 1).join('/'), path: product.categoryPath.slice(0, i + 1).join('/') }));
  return { payload, brand: product.brand, attributes: product.attributes, categoryPrefixes };
}

export const FACET_FIELDS = ['brand', 'category_path', 'price', 'in_stock'] as const;
const ATTRIBUTE_PREFIX = 'attributes.';
/** Automatic price ranges: at most this many, bounds at round numbers near the price quintiles. */
const AUTO_PRICE_RANGES = 5;

/** Whether a facet field names something facets can count. */
export function isFacetField(field: string): boolean {
  return (FACET_FIELDS as readonly string[]).includes(field) || (field.startsWith(ATTRIBUTE_PREFIX) && field.length > ATTRIBUTE_PREFIX.length);
}

/** The part of the filters a facet's own choice sets; left out when counting that facet. */
function ownFilter(field: string): string {
  if (field === 'brand') return 'brand';
  if (field === 'category_path') return 'category';
  if (field === 'price') return 'price';
  if (field === 'in_stock') return 'in_stock';
  return `attribute:${field.slice(ATTRIBUTE_PREFIX.length).normalize('NFKC').trim().toLowerCase()}`;
}

/** The parts of the filters an item fails, stopping at two (two failures count for no facet). */
function failedFilters(item: ItemPayload, f: NormalizedFilters): string[] {
  const failed: string[] = [];
  const fail = (part: string) => failed.push(part) >= 2;
  if (f.categoryPrefix.length > 0 && (item.categoryPath.length < f.categoryPrefix.length || f.categoryPrefix.some((segment, i) => item.categoryPath[i] !== segment)) && fail('category')) return failed;
  if (f.brands.length > 0 && !f.brands.includes(item.brand) && fail('brand')) return failed;
  if (((f.minPrice !== undefined && !(item.price >= f.minPrice)) || (f.maxPrice !== undefined && !(item.price <= f.maxPrice))) && fail('price')) return failed;
  if (f.inStock !== undefined && item.inStock !== f.inStock && fail('in_stock')) return failed;
  for (const [key, value] of f.attributes) if (item.attributes[key] !== value && fail(`attribute:${key}`)) return failed;
  return failed;
}

/**
 * Facet counts over the products that match a search, with disjunctive semantics (as Algolia
 * and Typesense count): each facet is counted over the products that pass every filter except
 * the facet's own, so choosing one brand still shows how many products the other brands have.
 * One pass: an item that fails no filter counts for every facet and for the total; an item that
 * fails exactly one counts only for that filter's facet; two failures count for nothing.
 */
export function countFacets(items: Iterable<FacetItem>, filters: NormalizedFilters, specs: readonly FacetSpec[]): { facets: FacetCounts[]; total: number } {
  const facets = specs.map((spec) => ({ spec, own: ownFilter(spec.field), members: [] as FacetItem[] }));
  let total = 0;
  for (const item of items) {
    const failed = failedFilters(item.payload, filters);
    if (failed.length === 0) total++;
    if (failed.length >= 2) continue;
    for (const facet of facets) if (failed.length === 0 || failed[0] === facet.own) facet.members.push(item);
  }
  return { facets: facets.map(({ spec, members }) => countOne(spec, members)), total };
}

function countOne(spec: FacetSpec, items: readonly FacetItem[]): FacetCounts {
  if (spec.field === 'price') return priceFacet(spec, items);
  if (spec.field === 'category_path') return categoryFacet(spec, items);
  const tally = new Tally();
  for (const item of items) {
    if (spec.field === 'brand') {
      if (item.payload.brand) tally.add(item.payload.brand, item.brand.trim());
    } else if (spec.field === 'in_stock') {
      tally.add(String(item.payload.inStock), item.payload.inStock ? 'in stock' : 'out of stock');
    } else {
      const name = spec.field.slice(ATTRIBUTE_PREFIX.length).normalize('NFKC').trim().toLowerCase();
      const value = item.payload.attributes[name];
      if (value) tally.add(value, originalAttribute(item.attributes, name) ?? value);
    }
  }
  const values = tally.values().sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return { field: spec.field, values: values.slice(0, spec.maxValues), distinctValues: values.length };
}

/** The category tree: every path prefix, depth first, siblings by count; a cut keeps parents before children. */
function categoryFacet(spec: FacetSpec, items: readonly FacetItem[]): FacetCounts {
  const tally = new Tally();
  for (const item of items) for (const prefix of item.categoryPrefixes) tally.add(prefix.key, prefix.path);
  const nodes = tally.values();
  const children = new Map<string, FacetValueCount[]>();
  for (const node of nodes) {
    const key = node.value;
    const parent = key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : '';
    const siblings = children.get(parent);
    if (siblings) siblings.push(node);
    else children.set(parent, [node]);
  }
  const ordered: FacetValueCount[] = [];
  const visit = (parent: string, depth: number) => {
    for (const node of (children.get(parent) ?? []).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1))) {
      const path = node.displayName;
      ordered.push({ value: path, displayName: path.slice(path.lastIndexOf('/') + 1), count: node.count, depth });
      visit(node.value, depth + 1);
    }
  };
  visit('', 1);
  return { field: spec.field, values: ordered.slice(0, spec.maxValues), distinctValues: ordered.length };
}

function priceFacet(spec: FacetSpec, items: readonly FacetItem[]): FacetCounts {
  const prices = items.map((i) => i.payload.price).filter((p) => Number.isFinite(p) && p > 0);
  const ranges = spec.priceRanges.length > 0 ? spec.priceRanges : automaticPriceRanges(prices);
  const values = ranges.map((range) => ({
    value: `${range.min ?? ''}-${range.max ?? ''}`,
    displayName: range.min === undefined ? `< ${range.max}` : range.max === undefined ? `≥ ${range.min}` : `${range.min} – ${range.max}`,
    count: prices.filter((p) => (range.min === undefined || p >= range.min) && (range.max === undefined || p < range.max)).length,
    range,
  }));
  return { field: spec.field, values, distinctValues: values.length };
}

/**
 * Up to five ranges from the prices themselves: bounds near the quintiles, rounded to 1, 2 or 5
 * times a power of ten ("50", "100", "200"), the first open below and the last open above.
 */
export function automaticPriceRanges(prices: readonly number[]): PriceBounds[] {
  if (prices.length === 0) return [];
  const sorted = Float64Array.from(prices).sort();
  const lowest = sorted[0] ?? 0;
  const highest = sorted[sorted.length - 1] ?? 0;
  const bounds: number[] = [];
  for (let q = 1; q < AUTO_PRICE_RANGES; q++) {
    const bound = roundNumber(sorted[Math.floor((q / AUTO_PRICE_RANGES) * (sorted.length - 1))] ?? 0);
    if (bound > lowest && bound <= highest && !bounds.includes(bound)) bounds.push(bound);
  }
  if (bounds.length === 0) return [{}];
  // Open below the first bound, between each pair, open above the last.
  return [undefined, ...bounds].map((min, i) => {
    const max = bounds[i];
    return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  });
}

/** The nearest of 1, 2 or 5 times a power of ten. */
function roundNumber(x: number): number {
  if (x <= 0) return 0;
  const power = 10 ** Math.floor(Math.log10(x));
  const candidates = [1, 2, 5, 10].map((m) => m * power);
  return candidates.reduce((best, c) => (Math.abs(c - x) < Math.abs(best - x) ? c : best));
}

function originalAttribute(attributes: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(attributes)) if (key.normalize('NFKC').trim().toLowerCase() === name) return value.trim();
  return undefined;
}

/** Counts per normalised value, shown as the first spelling met. */
class Tally {
  private readonly counts = new Map<string, { display: string; count: number }>();

  add(key: string, display: string): void {
    const entry = this.counts.get(key);
    if (entry) entry.count++;
    else this.counts.set(key, { display, count: 1 });
  }

  values(): FacetValueCount[] {
    return [...this.counts].map(([value, { display, count }]) => ({ value, displayName: display, count }));
  }
}
