import { clone } from '@bufbuild/protobuf';
import { FiltersSchema, type Filters } from '@shopsense/contracts';

/** A filter given up to find results: what it filtered on and the value the query asked for. */
export interface RelaxedFilter {
  /** "brand", "category_path", "price", "in_stock" or "attributes.<name>". */
  field: string;
  value: string;
}

export interface RelaxationStep {
  /** Every filter dropped so far, this step's last. */
  dropped: RelaxedFilter[];
  /** The query's filters still applied after this step. */
  remaining: Filters;
}

type QueryFilter = RelaxedFilter & { without: (f: Filters) => void };

/**
 * The steps Search takes when no product passes the filters a query's words asked for ("pink
 * nike running shoes size 50"): drop them one at a time, the most specific first (size, then the
 * other attributes by name, in stock, price, brand, category), until some product passes. A
 * shopper's size or colour is a detail of what they want; the brand and the kind of product are
 * what they want. Filters the caller sent are hard (a storefront's facet choices) and never
 * dropped; a query filter the caller's own filter replaces is not a step either, since dropping
 * it changes nothing.
 */
export function filterRelaxations(extracted: Filters | undefined, requested: Filters | undefined): RelaxationStep[] {
  if (!extracted) return [];
  const candidates: QueryFilter[] = [];
  const attributes = Object.entries(extracted.attributes)
    .filter(([name]) => requested?.attributes[name] === undefined)
    .sort(([a], [b]) => (a === 'size' ? -1 : b === 'size' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  for (const [name, value] of attributes) candidates.push({ field: `attributes.${name}`, value, without: (f) => delete f.attributes[name] });
  if (extracted.inStock !== undefined && requested?.inStock === undefined) candidates.push({ field: 'in_stock', value: String(extracted.inStock), without: (f) => delete f.inStock });
  if (extracted.price && (extracted.price.min !== undefined || extracted.price.max !== undefined)) candidates.push({ field: 'price', value: describePrice(extracted.price), without: (f) => delete f.price });
  if (extracted.brands.length > 0 && !requested?.brands.length) candidates.push({ field: 'brand', value: extracted.brands.join(' | '), without: (f) => (f.brands = []) });
  if (extracted.categoryPath !== '' && !requested?.categoryPath) candidates.push({ field: 'category_path', value: extracted.categoryPath, without: (f) => (f.categoryPath = '') });

  const remaining = clone(FiltersSchema, extracted);
  const steps: RelaxationStep[] = [];
  const dropped: RelaxedFilter[] = [];
  for (const candidate of candidates) {
    candidate.without(remaining);
    dropped.push({ field: candidate.field, value: candidate.value });
    steps.push({ dropped: [...dropped], remaining: clone(FiltersSchema, remaining) });
  }
  return steps;
}

function describePrice(price: { min?: number | undefined; max?: number | undefined }): string {
  if (price.min !== undefined && price.max !== undefined) return `${price.min}–${price.max}`;
  return price.min !== undefined ? `>= ${price.min}` : `<= ${price.max}`;
}
