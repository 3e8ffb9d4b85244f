import type { UnderstandResult } from '../../services/query-understanding/src/application/query-understanding.service';

/** One labelled query: what a careful reader of the catalog expects query understanding to extract. */
export interface LabelledQuery {
  q: string;
  lang: 'en' | 'zh' | 'mixed';
  hint?: string;
  brands?: string[];
  price?: { min?: number; max?: number };
  attributes?: Record<string, string>;
  in_stock?: boolean;
  /** "field=value", e.g. "price=low", "brand=Apple", "attributes.color=black". */
  boosts?: string[];
  /** The corrected query, when the query has a typo to fix. */
  correction?: string;
  /** The expected most probable category; absent when the query does not say. */
  category?: string;
}

/**
 * Extraction is scored as sets of facts: each brand, price bound, attribute, in-stock flag,
 * boost and correction is one fact ("brand:nike", "price.max:50", "attr:color=red",
 * "boost:price=low", "correction:nike running shoes"). Precision: the share of produced facts
 * that were expected; recall: the share of expected facts that were produced. A boost's weight
 * and a correction's mode (applied or suggested) are not part of the fact; mode agreement is
 * reported on its own.
 */
export function expectedFacts(query: LabelledQuery): string[] {
  const facts: string[] = [];
  for (const brand of query.brands ?? []) facts.push(`brand:${brand.toLowerCase()}`);
  if (query.price?.min !== undefined) facts.push(`price.min:${query.price.min}`);
  if (query.price?.max !== undefined) facts.push(`price.max:${query.price.max}`);
  for (const [key, value] of Object.entries(query.attributes ?? {})) facts.push(`attr:${key}=${value.toLowerCase()}`);
  if (query.in_stock) facts.push('in_stock:true');
  for (const boost of query.boosts ?? []) facts.push(`boost:${boost.toLowerCase()}`);
  if (query.correction) facts.push(`correction:${query.correction}`);
  return facts;
}

export function producedFacts(result: UnderstandResult): string[] {
  const facts: string[] = [];
  for (const brand of result.filters.brands) facts.push(`brand:${brand.toLowerCase()}`);
  if (result.filters.price?.min !== undefined) facts.push(`price.min:${result.filters.price.min}`);
  if (result.filters.price?.max !== undefined) facts.push(`price.max:${result.filters.price.max}`);
  for (const [key, value] of Object.entries(result.filters.attributes)) facts.push(`attr:${key}=${value.toLowerCase()}`);
  if (result.filters.inStock) facts.push('in_stock:true');
  for (const boost of result.boosts) facts.push(`boost:${boost.field}=${boost.value}`.toLowerCase());
  if (result.correction.mode !== 'none') facts.push(`correction:${result.correction.correctedQuery}`);
  return facts;
}

export interface Tally {
  queries: number;
  truePositives: number;
  produced: number;
  expected: number;
  categoryLabelled: number;
  top1: number;
  top3: number;
}

export const emptyTally = (): Tally => ({ queries: 0, truePositives: 0, produced: 0, expected: 0, categoryLabelled: 0, top1: 0, top3: 0 });

export function add(tally: Tally, query: LabelledQuery, result: UnderstandResult, expected: string[], produced: string[]): void {
  tally.queries++;
  tally.expected += expected.length;
  tally.produced += produced.length;
  tally.truePositives += produced.filter((f) => expected.includes(f)).length;
  if (query.category) {
    tally.categoryLabelled++;
    if (result.categories[0]?.path === query.category) tally.top1++;
    if (result.categories.slice(0, 3).some((c) => c.path === query.category)) tally.top3++;
  }
}

/** Precision with no produced facts is 1 (nothing wrong was said); recall with none expected is 1. */
export const precision = (t: Pick<Tally, 'truePositives' | 'produced'>) => (t.produced === 0 ? 1 : t.truePositives / t.produced);
export const recall = (t: Pick<Tally, 'truePositives' | 'expected'>) => (t.expected === 0 ? 1 : t.truePositives / t.expected);
export const top1 = (t: Tally) => (t.categoryLabelled === 0 ? Number.NaN : t.top1 / t.categoryLabelled);
export const top3 = (t: Tally) => (t.categoryLabelled === 0 ? Number.NaN : t.top3 / t.categoryLabelled);

/** The kind of a fact: "brand", "price", "attr", "in_stock", "boost" or "correction". */
export const kindOf = (fact: string) => fact.split(/[:.]/)[0];
