import { failedFilters, norm, type ItemPayload, type NormalizedFilters } from './filters';

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
  /** The brand as the catalog writes it. */
  brand: string;
  /** Normalised attribute name → the value as the catalog writes it. */
  attributes: Readonly<Record<string, string>>;
  /** Every prefix of the category path: normalised (the counting key) and as written. */
  categoryPrefixes: readonly { key: string; path: string }[];
}

/**
 * The facet view of a product, with its display spellings worked out once: worth keeping per
 * product version, as a search counts thousands of products and should do no string work.
 */
export function facetItemOf(payload: ItemPayload, product: { brand: string; categoryPath: readonly string[]; attributes: Readonly<Record<string, string>> }): FacetItem {
  const categoryPrefixes = payload.categoryPath.map((_, i) => ({ key: payload.categoryPath.slice(0, i + 1).join('/'), path: product.categoryPath.slice(0, i + 1).join('/') }));
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(product.attributes)) attributes[norm(name)] = value.trim();
  return { payload, brand: product.brand.trim(), attributes, categoryPrefixes };
}

const FACET_FIELDS = ['brand', 'category_path', 'price', 'in_stock'] as const;
const ATTRIBUTE_PREFIX = 'attributes.';
/** Automatic price ranges: at most this many, bounds at round numbers near the price quintiles. */
const AUTO_PRICE_RANGES = 5;

/** Whether a facet field names something facets can count. */
export function isFacetField(field: string): boolean {
  return (FACET_FIELDS as readonly string[]).includes(field) || (field.startsWith(ATTRIBUTE_PREFIX) && field.length > ATTRIBUTE_PREFIX.length);
}

/** The part of the filters a facet's own choice sets (as failedFilters names it); left out when counting that facet. */
function ownFilter(field: string): string {
  if (field === 'category_path') return 'category';
  if (field.startsWith(ATTRIBUTE_PREFIX)) return `attribute:${attributeName(field)}`;
  return field;
}

const attributeName = (field: string) => norm(field.slice(ATTRIBUTE_PREFIX.length));

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
    // Two failures count for no facet, so the check stops there.
    const failed = failedFilters(item.payload, filters, 2);
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
  if (spec.field === 'brand') {
    for (const item of items) if (item.payload.brand) tally.add(item.payload.brand, item.brand);
  } else if (spec.field === 'in_stock') {
    for (const item of items) tally.add(String(item.payload.inStock), item.payload.inStock ? 'in stock' : 'out of stock');
  } else {
    const name = attributeName(spec.field);
    for (const item of items) {
      const value = item.payload.attributes[name];
      if (value) tally.add(value, item.attributes[name] ?? value);
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
  const ranges = spec.priceRanges.length > 0 ? spec.priceRanges : automaticPriceRanges(prices, Math.min(AUTO_PRICE_RANGES, spec.maxValues));
  const values = ranges.map((range) => ({
    value: `${range.min ?? ''}-${range.max ?? ''}`,
    displayName: priceRangeName(range),
    count: prices.filter((p) => (range.min === undefined || p >= range.min) && (range.max === undefined || p < range.max)).length,
    range,
  }));
  return { field: spec.field, values, distinctValues: values.length };
}

function priceRangeName(range: PriceBounds): string {
  if (range.min === undefined) return range.max === undefined ? 'any price' : `< ${range.max}`;
  return range.max === undefined ? `≥ ${range.min}` : `${range.min} – ${range.max}`;
}

/**
 * Up to `count` ranges from the prices themselves: bounds near the quantiles, rounded to 1, 2 or
 * 5 times a power of ten ("50", "100", "200"), the first open below and the last open above; one
 * open range when the prices give no bound.
 */
function automaticPriceRanges(prices: readonly number[], count: number): PriceBounds[] {
  if (prices.length === 0) return [];
  const sorted = Float64Array.from(prices).sort();
  const lowest = sorted[0] ?? 0;
  const highest = sorted[sorted.length - 1] ?? 0;
  const bounds: number[] = [];
  for (let q = 1; q < count; q++) {
    const bound = roundNumber(sorted[Math.floor((q / count) * (sorted.length - 1))] ?? 0);
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
