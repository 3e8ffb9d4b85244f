/**
 * Search relevance over the whole request path (issue 7, done-when 1): English and Chinese queries
 * against the demo catalog and a slice of the shared Amazon Industrial & Scientific catalog, each
 * served by the standalone runner (every real service, the real model). A query passes when
 * enough of its top results are of the kind it asks for; filters the query states (price, brand,
 * colour) must hold for every result, except those Search marks relaxed (the rest of the product
 * type the query asks for), which must come after every exact match.
 *
 * On the demo catalog, queries built to ask for what no product has ("pink lego building blocks",
 * "nike running shoes under 5") must still fill the page, with the filters Search dropped named
 * and every other filter kept (issue 21, zero-result recovery).
 *
 * The Amazon catalog is sliced (the products the queries look for among 300 others): embedding
 * all 4,344 products took most of this test's time, and past the 900 s hook timeout on a busy
 * machine. The same cases over the whole catalog, beside a lexical baseline, are
 * `npm run eval:relevance` (eval/search/relevance.eval.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { MatchQuality, RankingService } from '@shopsense/contracts';
import { loadAmazonProducts, loadDemoProducts, sampleCatalog, sharedDatasetAvailable, writeProductsJsonl } from '@shopsense/datasets';
import { createGrpcClient } from '@shopsense/grpc';
import { anyProductPasses, noMatchQueries, withoutRelaxed } from '../../eval/search/relaxation-cases';
import { AMAZON_CASE_WORDS, AMAZON_CASES, AMAZON_CROSS_LINGUAL_CASES, DEMO_CASES, judge, rankingSearch, startRelevanceStandalone, type RelevanceCase } from '../../eval/search/relevance-cases';

async function judged(port: number, cases: readonly RelevanceCase[]) {
  const ranking = rankingSearch(port);
  try {
    return await judge(cases, ranking.search);
  } finally {
    ranking.close();
  }
}

describe('search relevance, English and Chinese, over the real services', () => {
  describe('the demo catalog', () => {
    let running: Awaited<ReturnType<typeof startRelevanceStandalone>> | undefined;
    beforeAll(async () => {
      running = await startRelevanceStandalone(join(__dirname, '../../data/demo-catalog/products.jsonl'));
    }, 600_000);
    afterAll(async () => {
      await running?.stop();
    });

    it('finds what the query asks for, and honours its filters exactly (the rest of the product type only after every exact match, marked relaxed)', async () => {
      const results = await judged(running!.port, DEMO_CASES);
      process.stdout.write(`demo catalog:\n${results.map((r) => r.line).join('\n')}\n`);
      expect(results.filter((r) => r.degraded.length > 0).map((r) => `${r.query}: ${r.degraded.join(', ')}`)).toEqual([]);
      expect(results.flatMap((r) => r.breaches.map((b) => `${r.query}: ${b}`))).toEqual([]);
      expect(results.filter((r) => !r.passed).map((r) => r.query)).toEqual([]);
    }, 600_000);

    it('never leaves a shopper on an empty page when the query asks for what no product has: it drops the query\'s filters and says which', async () => {
      const products = loadDemoProducts();
      const client = createGrpcClient(RankingService, `127.0.0.1:${running!.port}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 60_000 });
      try {
        const failures: string[] = [];
        let noMatch = 0;
        for (const query of noMatchQueries(products)) {
          const response = await client.search({ query, pageSize: 10 });
          // Only queries whose parsed filters really match no product count (query understanding
          // reads a colour only where the brand has it).
          if (anyProductPasses(products, response.parsedQuery?.filters)) continue;
          noMatch++;
          const kept = withoutRelaxed(response.parsedQuery?.filters, response.relaxedFilters);
          if (response.items.length === 0) failures.push(`${query}: empty page`);
          else if (response.relaxedFilters.length === 0) failures.push(`${query}: results, but no relaxed filter named`);
          // Items marked relaxed are the rest of the product type, after every exact match.
          else if (response.items.some((i) => i.matchQuality !== MatchQuality.RELAXED && !anyProductPasses([i.product!], kept))) failures.push(`${query}: an item breaks the filters kept`);
        }
        process.stdout.write(`${noMatch} queries asking for what no product has\n`);
        expect(noMatch).toBeGreaterThanOrEqual(100);
        expect(failures).toEqual([]);
      } finally {
        client.close();
      }
    }, 600_000);
  });

  (sharedDatasetAvailable('amazon-scientific') ? it : it.skip)('finds what the query asks for in a slice of the Amazon Industrial & Scientific catalog, Chinese queries included', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'amazon-catalog-')), 'products.jsonl');
    writeProductsJsonl(file, sampleCatalog(loadAmazonProducts(), { titleWords: AMAZON_CASE_WORDS, perWord: 8, others: 300 }));
    const running = await startRelevanceStandalone(file);
    try {
      const english = await judged(running.port, AMAZON_CASES);
      const chinese = await judged(running.port, AMAZON_CROSS_LINGUAL_CASES);
      process.stdout.write(`amazon-scientific slice:\n${[...english, ...chinese].map((r) => r.line).join('\n')}\n`);
      expect([...english, ...chinese].filter((r) => r.degraded.length > 0).map((r) => r.query)).toEqual([]);
      expect(english.filter((r) => !r.passed).map((r) => r.query)).toEqual([]);
      // Chinese queries over English-only titles: query understanding translates their words
      // into the English the catalog uses (CC-CEDICT), and lexical retrieval searches those too.
      // Every one must find a relevant English product in its top 5 (issue 26, done-when 2).
      expect(chinese.filter((r) => !r.relevance.slice(0, 5).some(Boolean)).map((r) => r.query)).toEqual([]);
    } finally {
      await running.stop();
    }
  }, 600_000);
});
