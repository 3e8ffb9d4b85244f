/**
 * eval:relevance — Search relevance over whole catalogs, through the public API of the
 * standalone runner (every real service, the real model): the cases of relevance-cases.ts
 * (English and Chinese queries over the demo catalog; English and cross-lingual Chinese queries
 * over all 4,344 products of ../shared/datasets/amazon-scientific, skipped with a message when
 * absent). The baseline on the same queries and catalog is the lexical source alone
 * (RetrievalService.Retrieve with the raw query text: BM25, no model, no query understanding).
 *
 * Relevance is binary, from each case's rule (category or title words), so for every query the
 * number of relevant products in the catalog is known: NDCG@10 against that ideal, HR@10 (a
 * relevant product in the top 10), MRR (first relevant within the top 20), precision@5 and the
 * share of cases meeting their own threshold (what the e2e test asserts on a slice).
 *
 * Then RankingService.Rank with a query on ../shared/datasets/multicpr-zh (each title a product):
 * pairwise accuracy of the scores it gives a query's titles, and whether the order sent changes
 * the answer, beside character overlap on the same pairs.
 *
 *   npm run eval:relevance
 *   (EMBEDDING_MODEL_DIR or the fetched default model; model.int8.onnx unless EMBEDDING_TEST_MODEL_FILE)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { ProductSchema, RankingService, type Product } from '@shopsense/contracts';
import { loadAmazonProducts, loadDemoProducts, loadMultiCpr, pairwiseAccuracy, sharedDatasetAvailable, writeProductsJsonl } from '@shopsense/datasets';
import { createGrpcClient } from '@shopsense/grpc';
import { writeEvaluationSection } from '../lib/evaluation-doc';
import { AMAZON_CASES, AMAZON_CROSS_LINGUAL_CASES, DEMO_CASES, judge, lexicalSearch, rankingSearch, startRelevanceStandalone, type JudgedQuery, type RelevanceCase } from './relevance-cases';

interface SetMetrics {
  queries: number;
  ndcg_at_10: number;
  hr_at_10: number;
  mrr: number;
  precision_at_5: number;
  pass_rate: number;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Binary-relevance metrics of judged queries; `relevantInCatalog[i]` bounds query i's ideal ranking. */
function setMetrics(judged: readonly JudgedQuery[], relevantInCatalog: readonly number[]): SetMetrics {
  const dcg = (relevance: readonly boolean[]) => relevance.slice(0, 10).reduce((sum, rel, i) => sum + (rel ? 1 / Math.log2(i + 2) : 0), 0);
  const ndcg = judged.map((j, i) => {
    const ideal = dcg(Array.from({ length: Math.min(10, relevantInCatalog[i]!) }, () => true));
    return ideal === 0 ? 0 : dcg(j.relevance) / ideal;
  });
  return {
    queries: judged.length,
    ndcg_at_10: round(mean(ndcg)),
    hr_at_10: round(mean(judged.map((j) => (j.relevance.slice(0, 10).some(Boolean) ? 1 : 0)))),
    mrr: round(mean(judged.map((j) => {
      const first = j.relevance.indexOf(true);
      return first < 0 ? 0 : 1 / (first + 1);
    }))),
    precision_at_5: round(mean(judged.map((j) => j.relevance.slice(0, 5).filter(Boolean).length / 5))),
    pass_rate: round(mean(judged.map((j) => (j.passed ? 1 : 0)))),
  };
}

interface CaseSet {
  name: string;
  cases: readonly RelevanceCase[];
}

async function evaluateCatalog(products: Product[], sets: CaseSet[]): Promise<Record<string, { search: SetMetrics; lexical: SetMetrics; lines: string[] }>> {
  const started = Date.now();
  const running = await startRelevanceStandaloneWith(products);
  console.error(`standalone ready with ${products.length} products in ${Math.round((Date.now() - started) / 1000)} s`);
  const byId = new Map(products.map((p) => [p.id, p]));
  const ranking = rankingSearch(running.port);
  const lexical = lexicalSearch(running.port, byId);
  try {
    const out: Record<string, { search: SetMetrics; lexical: SetMetrics; lines: string[] }> = {};
    for (const { name, cases } of sets) {
      const relevantInCatalog = cases.map((c) => products.filter(c.relevant).length);
      const searched = await judge(cases, ranking.search);
      const baseline = await judge(cases, lexical.search);
      out[name] = { search: setMetrics(searched, relevantInCatalog), lexical: setMetrics(baseline, relevantInCatalog), lines: searched.map((j) => j.line) };
      console.error(`${name}:\n${searched.map((j) => `  ${j.line}`).join('\n')}`);
    }
    return out;
  } finally {
    ranking.close();
    lexical.close();
    await running.stop();
  }
}

/**
 * RankingService.Rank with a query, before any feedback, on the multicpr-zh pairs: each title a
 * product, each query's titles sent as one Rank call (in file order, then reversed). Pairwise
 * accuracy of the scores Rank gives (the README's protocol), and the share of queries whose
 * order does not depend on the order sent; beside character overlap on the same pairs.
 */
async function evaluateRankOnMultiCpr(): Promise<{ pairwise_accuracy: number; order_invariant_share: number; overlap_baseline: number; comparisons: number; queries: number }> {
  const pairs = loadMultiCpr();
  const titles = [...new Set(pairs.map((p) => p.title))];
  const idOf = new Map(titles.map((t, i) => [t, `mcpr-${i}`]));
  const running = await startRelevanceStandaloneWith(titles.map((title, i) => create(ProductSchema, { id: `mcpr-${i}`, title })));
  const client = createGrpcClient(RankingService, `127.0.0.1:${running.port}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 60_000 });
  try {
    const scoreOf = new Map<string, number>();
    let invariant = 0;
    const queries = [...new Set(pairs.map((p) => p.query))];
    for (const query of queries) {
      const ids = [...new Set(pairs.filter((p) => p.query === query).map((p) => idOf.get(p.title)!))];
      const forward = await client.rank({ query, itemIds: ids });
      const backward = await client.rank({ query, itemIds: [...ids].reverse() });
      for (const item of forward.items) scoreOf.set(`${query}\u0000${item.itemId}`, item.score);
      if (forward.items.map((i) => i.itemId).join() === backward.items.map((i) => i.itemId).join()) invariant++;
    }
    const ranked = pairwiseAccuracy(pairs, (p) => scoreOf.get(`${p.query}\u0000${idOf.get(p.title)}`) ?? Number.NEGATIVE_INFINITY);
    const overlap = pairwiseAccuracy(pairs, (p) => [...new Set(p.query)].filter((ch) => p.title.includes(ch)).length / new Set(p.query).size);
    return { pairwise_accuracy: round(ranked.accuracy), order_invariant_share: round(invariant / queries.length), overlap_baseline: round(overlap.accuracy), comparisons: ranked.comparisons, queries: queries.length };
  } finally {
    client.close();
    await running.stop();
  }
}

async function startRelevanceStandaloneWith(products: Product[]) {
  const file = join(mkdtempSync(join(tmpdir(), 'eval-relevance-')), 'products.jsonl');
  writeProductsJsonl(file, products);
  return startRelevanceStandalone(file);
}

async function main(): Promise<void> {
  const results = await evaluateCatalog(loadDemoProducts(), [{ name: 'demo', cases: DEMO_CASES }]);
  if (sharedDatasetAvailable('amazon-scientific')) {
    Object.assign(results, await evaluateCatalog(loadAmazonProducts(), [{ name: 'amazon', cases: AMAZON_CASES }, { name: 'amazon_cross_lingual', cases: AMAZON_CROSS_LINGUAL_CASES }]));
  } else {
    console.error('../shared/datasets/amazon-scientific is absent: only the demo catalog is evaluated');
  }
  const rank = sharedDatasetAvailable('multicpr-zh') ? await evaluateRankOnMultiCpr() : undefined;
  if (!rank) console.error('../shared/datasets/multicpr-zh is absent: Rank is not evaluated');
  const rows = Object.entries(results).flatMap(([name, r]) =>
    (['search', 'lexical'] as const).map((system) => {
      const m = r[system];
      return `| ${name} | ${system === 'search' ? 'Search (ranking)' : 'lexical only (baseline)'} | ${m.queries} | ${m.ndcg_at_10} | ${m.hr_at_10} | ${m.mrr} | ${m.precision_at_5} | ${m.pass_rate} |`;
    }),
  );
  writeEvaluationSection(
    'relevance',
    `## Search relevance over whole catalogs (\`npm run eval:relevance\`)

RankingService.Search on the standalone runner (model.int8.onnx unless EMBEDDING_TEST_MODEL_FILE says otherwise), against the lexical source alone (RetrievalService.Retrieve with the raw query text: BM25, no model, no query understanding) on the same queries and catalog. Relevance is binary, from each case's rule in eval/search/relevance-cases.ts (the product's category, or words in its title); NDCG@10 is against an ideal ranking of the catalog's relevant products; pass rate is the share of queries meeting their case's own threshold (what test/e2e/search-relevance.e2e-spec.ts asserts on the demo catalog and on a slice of Amazon). Sets: demo (English and Chinese, 1,088 bilingual products), amazon (English, 4,344 products), amazon_cross_lingual (Chinese queries over the English-only Amazon texts).

| set | system | queries | NDCG@10 | HR@10 | MRR | P@5 | pass rate |
| --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
${
  rank
    ? `
RankingService.Rank with the query, before any feedback, on multicpr-zh (${rank.queries} queries, each query's titles sent as one call; ${rank.comparisons} matching/non-matching pairs): pairwise accuracy **${rank.pairwise_accuracy}** (character overlap on the same pairs: ${rank.overlap_baseline}; eval:multicpr's hybrid retrieval score, for comparison, in its own section); the same order whichever order the items are sent in for ${Math.round(rank.order_invariant_share * 100)}% of the queries.`
    : ''
}`,
  );
  const summary: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(results)) summary[name] = { search: r.search, lexical: r.lexical };
  if (rank) summary['rank_multicpr'] = rank;
  console.log(JSON.stringify(summary));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
