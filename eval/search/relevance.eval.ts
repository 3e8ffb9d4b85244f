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
 *   npm run eval:relevance
 *   (EMBEDDING_MODEL_DIR or the fetched default model; model.int8.onnx unless EMBEDDING_TEST_MODEL_FILE)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Product } from '@shopsense/contracts';
import { loadAmazonProducts, loadDemoProducts, sharedDatasetAvailable, writeProductsJsonl } from '@shopsense/datasets';
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
  const file = join(mkdtempSync(join(tmpdir(), 'eval-relevance-')), 'products.jsonl');
  writeProductsJsonl(file, products);
  const started = Date.now();
  const running = await startRelevanceStandalone(file);
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

async function main(): Promise<void> {
  const results = await evaluateCatalog(loadDemoProducts(), [{ name: 'demo', cases: DEMO_CASES }]);
  if (sharedDatasetAvailable('amazon-scientific')) {
    Object.assign(results, await evaluateCatalog(loadAmazonProducts(), [{ name: 'amazon', cases: AMAZON_CASES }, { name: 'amazon_cross_lingual', cases: AMAZON_CROSS_LINGUAL_CASES }]));
  } else {
    console.error('../shared/datasets/amazon-scientific is absent: only the demo catalog is evaluated');
  }
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
${rows.join('\n')}`,
  );
  const summary: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(results)) summary[name] = { search: r.search, lexical: r.lexical };
  console.log(JSON.stringify(summary));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
