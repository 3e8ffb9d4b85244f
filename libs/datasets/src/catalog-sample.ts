import type { Product } from '@shopsense/contracts';

export interface CatalogSampleOptions {
  /** For each word, the first products (in catalog order) whose title holds it. */
  titleWords: readonly string[];
  perWord: number;
  /** Products spread evenly over the rest of the catalog, so a query meets other products too. */
  others: number;
}

/**
 * A small, deterministic slice of a catalog for tests that need real product text but not the
 * whole catalog's embedding time: the products a test's queries look for, among others spread
 * over the catalog. Catalog-sized relevance is an evaluation's job (eval:relevance), not a test's.
 */
export function sampleCatalog(products: readonly Product[], options: CatalogSampleOptions): Product[] {
  const chosen = new Set<Product>();
  for (const word of options.titleWords) {
    const lower = word.toLowerCase();
    let taken = 0;
    for (const p of products) {
      if (taken >= options.perWord) break;
      if (p.title.toLowerCase().includes(lower)) {
        chosen.add(p);
        taken++;
      }
    }
  }
  const rest = products.filter((p) => !chosen.has(p));
  const stride = Math.max(1, Math.floor(rest.length / Math.max(1, options.others)));
  for (let i = 0; i < rest.length && chosen.size < options.titleWords.length * options.perWord + options.others; i += stride) chosen.add(rest[i]!);
  // Catalog order, whatever the order of the words.
  return products.filter((p) => chosen.has(p));
}
