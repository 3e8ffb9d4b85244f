import type { Filters, Product } from '@shopsense/contracts';
import { matchesFilters, normalizeFilters, payloadOf } from '../../services/retrieval/src/domain/filters';

/** Chinese colour words query understanding reads as colour filters (the demo catalog's values). */
const COLOUR_ZH: Record<string, string> = { black: '黑色', white: '白色', red: '红色', blue: '蓝色', pink: '粉色', green: '绿色', grey: '灰色', brown: '棕色', yellow: '黄色' };

/**
 * Queries whose own words ask for a combination the catalog does not have: a brand in a colour
 * it never comes in ("pink lego building blocks", "粉色 huawei 手机"), or a brand's product below
 * half its cheapest price or above twice its dearest ("nike running shoes under 5", "…over
 * 2000", "…50元以下"). Deterministic: the catalog's brands, colours and category names in
 * order. Query understanding only reads a colour as a filter when some product of the brand has
 * it, so many colour queries come back with no colour filter: whether each query really asks for
 * nothing the catalog has is for the caller to check against the parsed filters
 * (`anyProductPasses`).
 */
export function noMatchQueries(products: readonly Product[]): string[] {
  const colours = [...new Set(products.map((p) => p.attributes['color']).filter((c): c is string => !!c))].sort();
  const byBrand = new Map<string, Product[]>();
  for (const p of products) if (p.brand) byBrand.set(p.brand, [...(byBrand.get(p.brand) ?? []), p]);
  const queries: string[] = [];
  for (const [brand, own] of [...byBrand].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const name = brand.toLowerCase();
    const kinds = [...new Set(own.map((p) => p.categoryPath.at(-1)!.toLowerCase()))].sort().slice(0, 3);
    const absent = colours.filter((c) => !own.some((p) => p.attributes['color'] === c));
    const cheapest = Math.min(...own.map((p) => p.price));
    const dearest = Math.max(...own.map((p) => p.price));
    kinds.forEach((kind, i) => {
      const colour = absent[i % Math.max(1, absent.length)];
      if (colour) queries.push(`${colour} ${name} ${kind}`);
      if (colour && COLOUR_ZH[colour]) queries.push(`${COLOUR_ZH[colour]} ${name} ${kind}`);
      if (cheapest >= 2) queries.push(i % 2 === 0 ? `${name} ${kind} under ${Math.floor(cheapest / 2)}` : `${name} ${kind} ${Math.floor(cheapest / 2)}元以下`);
      queries.push(`${name} ${kind} over ${Math.ceil(dearest * 2)}`);
    });
  }
  return queries;
}

/** Whether any product passes the filters, with retrieval's own filter semantics (a brute-force scan). */
export function anyProductPasses(products: readonly Product[], filters: Filters | undefined): boolean {
  const normalized = normalizeFilters(filters);
  return products.some((p) => matchesFilters(payloadOf(p), normalized));
}

/** The filters with the fields Search says it relaxed taken out. */
export function withoutRelaxed(filters: Filters | undefined, relaxed: readonly { field: string }[]): Filters | undefined {
  if (!filters) return undefined;
  const out: Filters = { ...filters, attributes: { ...filters.attributes }, brands: [...filters.brands] };
  for (const { field } of relaxed) {
    if (field.startsWith('attributes.')) delete out.attributes[field.slice('attributes.'.length)];
    else if (field === 'brand') out.brands = [];
    else if (field === 'price') delete out.price;
    else if (field === 'in_stock') delete out.inStock;
    else if (field === 'category_path') out.categoryPath = '';
  }
  return out;
}
