import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** `../shared/datasets` beside the checkout (developers and CI have it; users may not). */
export const SHARED_DATASETS = resolve(__dirname, '../../../../shared/datasets');

export function sharedDatasetAvailable(name: string): boolean {
  return existsSync(join(SHARED_DATASETS, name));
}

/** Exits 0 with a clear message when a dataset is absent: evaluations skip, they don't fail. */
export function requireSharedDataset(name: string): string {
  const dir = join(SHARED_DATASETS, name);
  if (!existsSync(dir)) {
    console.log(`skipped: ${dir} is absent (the shared datasets sit beside the checkout as ../shared)`);
    console.log(JSON.stringify({ skipped: true, reason: `${name} not found` }));
    process.exit(0);
  }
  return dir;
}

export interface QueryTitlePair {
  query: string;
  title: string;
  label: 0 | 1;
}

/** multicpr-zh: real Taobao queries and titles labelled matching (1) or not (0). */
export function loadMultiCpr(): QueryTitlePair[] {
  const file = join(requireSharedDataset('multicpr-zh'), 'query_item_matching.tsv');
  return readFileSync(file, 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim().length > 0)
    .map((line) => {
      const [query, title, label] = line.split('\t');
      return { query: query!, title: title!, label: label!.trim() === '1' ? 1 : 0 };
    });
}

/**
 * Share of (matching, non-matching) title pairs of the same query where the matching title
 * scores higher (ties count half): the protocol of the multicpr-zh README.
 */
export function pairwiseAccuracy(pairs: readonly QueryTitlePair[], score: (pair: QueryTitlePair, index: number) => number): { accuracy: number; comparisons: number } {
  const byQuery = new Map<string, { label: number; score: number }[]>();
  pairs.forEach((pair, i) => {
    const list = byQuery.get(pair.query) ?? [];
    list.push({ label: pair.label, score: score(pair, i) });
    byQuery.set(pair.query, list);
  });
  let wins = 0;
  let comparisons = 0;
  for (const list of byQuery.values()) {
    for (const pos of list.filter((x) => x.label === 1)) {
      for (const neg of list.filter((x) => x.label === 0)) {
        comparisons++;
        wins += pos.score > neg.score ? 1 : pos.score === neg.score ? 0.5 : 0;
      }
    }
  }
  return { accuracy: comparisons === 0 ? Number.NaN : wins / comparisons, comparisons };
}
