import type { Product } from '@shopsense/contracts';
import { BRANDS, CATEGORIES, COLORS, GENDERS, type CategorySpec } from '../../data/demo-catalog/generate';

/**
 * Graded queries over the demo catalog, built from the word lists the catalog was generated from
 * (data/demo-catalog/generate.ts), so every product's relevance to a query follows from its
 * structured fields, not from anyone's judgement:
 *
 *   grade 3  the query's product type (category) and every constraint it states (colour, brand,
 *            gender, a price ceiling);
 *   grade 2  the type and all constraints but one;
 *   grade 1  the type only;
 *   grade 0  another type.
 *
 * Per category (42), nine queries: the type alone in English and in Chinese; with a colour, in
 * English and in Chinese; with a brand, in English and in Chinese (a brand without a Chinese
 * name keeps its Latin one); mixed (English brand, Chinese type); with a gender where the
 * category has one, otherwise a colour in the other language's order; and with a price ceiling
 * ("under $80" / "80元以下") at the middle of the category's price range.
 */

export type QueryLanguage = 'en' | 'zh' | 'mixed';

export interface GradedQuery {
  text: string;
  language: QueryLanguage;
  category: readonly string[];
  color?: string;
  /** The brand's catalog spelling (Product.brand). */
  brand?: string;
  gender?: string;
  maxPrice?: number;
}

const brandNames = (key: string) => ({ en: BRANDS[key]!.en, zh: BRANDS[key]!.zh ?? BRANDS[key]!.en });

function queriesOf(category: CategorySpec, n: number): GradedQuery[] {
  const type = category.nouns[0]!;
  const colors = category.attributes.color ?? [];
  const genders = category.attributes.gender ?? [];
  const color = colors[n % Math.max(1, colors.length)];
  const otherColor = colors[(n + 1) % Math.max(1, colors.length)];
  const brandKey = category.brands[n % category.brands.length]!;
  const otherBrandKey = category.brands[(n + 1) % category.brands.length]!;
  const base = { category: category.path };
  const queries: GradedQuery[] = [
    { ...base, language: 'en', text: type.en.toLowerCase() },
    { ...base, language: 'zh', text: type.zh },
    { ...base, language: 'en', text: `${brandNames(brandKey).en} ${type.en}`.toLowerCase(), brand: brandNames(brandKey).en },
    { ...base, language: 'zh', text: `${brandNames(otherBrandKey).zh}${type.zh}`, brand: brandNames(otherBrandKey).en },
    { ...base, language: 'mixed', text: `${brandNames(otherBrandKey).en} ${type.zh}`, brand: brandNames(otherBrandKey).en },
  ];
  if (color) {
    queries.push({ ...base, language: 'en', text: `${color} ${type.en}`.toLowerCase(), color });
    queries.push({ ...base, language: 'zh', text: `${COLORS[otherColor ?? color]}${type.zh}`, color: otherColor ?? color });
  }
  const gender = genders[n % Math.max(1, genders.length)];
  if (gender) queries.push({ ...base, language: n % 2 === 0 ? 'en' : 'zh', text: n % 2 === 0 ? `${GENDERS[gender]!.en} ${type.en}`.toLowerCase() : `${GENDERS[gender]!.zh}${type.zh}`, gender });
  const ceiling = Math.round((category.price[0] + category.price[1]) / 2);
  queries.push({ ...base, language: n % 2 === 0 ? 'zh' : 'en', text: n % 2 === 0 ? `${type.zh} ${ceiling}元以下` : `${type.en} under $${ceiling}`.toLowerCase(), maxPrice: ceiling });
  return queries;
}

/** Every graded query, in a fixed order. */
export function gradedQueries(): GradedQuery[] {
  return CATEGORIES.flatMap((category, n) => queriesOf(category, n));
}

export const inType = (query: GradedQuery, product: Product) => product.categoryPath.join('/') === query.category.join('/');

/** 0..3, see the module comment. */
export function grade(query: GradedQuery, product: Product): number {
  if (!inType(query, product)) return 0;
  const checks = [
    query.color === undefined ? undefined : product.attributes['color'] === query.color,
    query.brand === undefined ? undefined : product.brand === query.brand,
    query.gender === undefined ? undefined : product.attributes['gender'] === query.gender,
    query.maxPrice === undefined ? undefined : product.price > 0 && product.price <= query.maxPrice,
  ].filter((c): c is boolean => c !== undefined);
  const missed = checks.filter((ok) => !ok).length;
  return missed === 0 ? 3 : missed === 1 && checks.length > 1 ? 2 : 1;
}

const CJK = /[\u3400-\u9fff]/;
const LATIN = /[A-Za-z]/;

/** The language of a product's title: the brand's Latin name does not make a Chinese title bilingual. */
export function titleLanguage(product: Product): 'en' | 'zh' | 'bi' {
  const text = product.brand ? product.title.split(product.brand).join(' ') : product.title;
  const zh = CJK.test(text);
  const en = LATIN.test(text);
  return zh && en ? 'bi' : zh ? 'zh' : 'en';
}
