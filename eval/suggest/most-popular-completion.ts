import type { CatalogProduct } from '../../services/query-understanding/src/domain/catalog/catalog-snapshot';
import { normalizeQuery } from '../../services/query-understanding/src/domain/text/normalize-query';

/**
 * The standard query auto-completion baseline, most popular completion (MPC): the catalog's
 * titles, brands and category names that start with the prefix, the most frequent first (ties
 * alphabetical), exact prefixes only. Names sorted once, so a prefix's names are one range found
 * by binary search, and its top k taken in one scan of the range.
 */
export function mostPopularCompletion(products: readonly CatalogProduct[], k: number): (prefix: string) => string[] {
  const counts = new Map<string, number>();
  for (const p of products) for (const name of new Set([p.title, p.brand, ...p.categoryPath].map(normalizeQuery))) if (name !== '') counts.set(name, (counts.get(name) ?? 0) + 1);
  const names = [...counts.keys()].sort();
  const popularity = names.map((name) => counts.get(name) ?? 0);
  const lowerBound = (target: string) => {
    let lo = 0;
    let hi = names.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (names[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return (prefix) => {
    const p = normalizeQuery(prefix);
    const top: number[] = [];
    // In alphabetical order: a later name replaces the weakest only when strictly more popular.
    for (let i = lowerBound(p), end = lowerBound(p + '\uffff'); i < end; i++) {
      if (top.length < k) top.push(i);
      else {
        let weakest = 0;
        for (let j = 1; j < top.length; j++) if (popularity[top[j]!]! < popularity[top[weakest]!]! || (popularity[top[j]!] === popularity[top[weakest]!] && top[j]! > top[weakest]!)) weakest = j;
        if (popularity[i]! > popularity[top[weakest]!]!) top[weakest] = i;
      }
    }
    return top.sort((a, b) => popularity[b]! - popularity[a]! || a - b).map((i) => names[i]!);
  };
}
