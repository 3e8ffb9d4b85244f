/**
 * bench:facets — what counting facets adds to the retrieval step of a Search, in process.
 *
 *   npm run bench:facets          (BENCH_QUERIES=1000, BENCH_SCALE_PRODUCTS=100000 by default)
 *
 * Facets are counted in the retrieval service, over every product that holds every word of the
 * searched text; ranking only passes them through. So the work they add is here: this bench
 * builds the retrieval service's catalog and BM25 index (no vectors: the dense source finds
 * nothing, the same in both arms), then runs BENCH_QUERIES Retrieve calls (lexical source, 200
 * candidates, the limit Search asks for) twice, in alternating rounds: without facets (the
 * baseline) and with four (brand, category tree, automatic price ranges, in stock). Queries are
 * one or two words from product titles, a third of them with a brand filter.
 *
 * Catalogs: the shared Amazon catalog (4,344 products) and a scale catalog of
 * BENCH_SCALE_PRODUCTS made from it (each copy with a model number of its own). Reported: p50 and
 * p99 per arm, the ratio of the p50s, CPU µs per call, and the products counted per call.
 *
 * Then a whole Search (BENCH_WHOLE_SEARCH=0 skips it): standalone started in this process on the
 * same Amazon catalog (the INT8 model, as the relevance evaluation runs it; indexing takes a
 * minute or two), BENCH_SEARCHES queries per arm through RankingService.Search over gRPC, the
 * arms in turns, each with queries of its own (the same query twice would meet warm caches). `facets_cost_ratio` (the issue's key) is that
 * whole-Search p50 ratio; the retrieval-step ratios are beside it. A whole Search at 100,000
 * products would first embed 100,000 titles: hours on this CPU, so not run here. Writes
 * docs/benchmarks.md; the last line printed is one JSON object.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { FiltersSchema, RankingService, type Product } from '@shopsense/contracts';
import { loadAmazonProducts, loadDemoProducts, sharedDatasetAvailable, writeProductsJsonl } from '@shopsense/datasets';
import { createGrpcClient } from '@shopsense/grpc';
import { seededRandom, type Random } from '@shopsense/random';
import type { RetrievalApplicationService, RetrieveQuery } from '../../services/retrieval/src/application/retrieval.service';
import type { FacetSpec } from '../../services/retrieval/src/domain/facets';
import { normalizeFilters } from '../../services/retrieval/src/domain/filters';
import { lexicalRetrievalOver } from '../../services/retrieval/src/testing/lexical-retrieval';
import { startRelevanceStandalone } from '../../eval/search/relevance-cases';
import { machineDescription, markdownTable, writeBenchmarkSection } from '../lib/benchmarks-doc';
import { scaleCatalog } from '../lib/scale-catalog';
import { percentile, round } from '../lib/stats';

const QUERIES = Number(process.env['BENCH_QUERIES'] ?? 1_000);
const SCALE_PRODUCTS = Number(process.env['BENCH_SCALE_PRODUCTS'] ?? 100_000);
const ROUNDS = 4;
const CANDIDATES = 200;
const TARGET_RATIO = 1.3;
const WHOLE_SEARCH = process.env['BENCH_WHOLE_SEARCH'] !== '0';
const SEARCHES = Number(process.env['BENCH_SEARCHES'] ?? 300);
const WARM_UP_SEARCHES = 50;
const FACETS: FacetSpec[] = ['brand', 'category_path', 'price', 'in_stock'].map((field) => ({ field, maxValues: 10, priceRanges: [] }));

interface Row {
  catalog: string;
  products: number;
  buildS: number;
  p50Without: number;
  p99Without: number;
  p50With: number;
  p99With: number;
  cpuUsWithout: number;
  cpuUsWith: number;
  counted: number;
}

function queries(products: readonly Product[], n: number, random: Random): RetrieveQuery[] {
  return Array.from({ length: n }, () => {
    const product = products[random.int(products.length)]!;
    const words = product.title.split(/\s+/).filter((w) => /^\p{L}{3,}$/u.test(w));
    const text = words.length === 0 ? product.title : words.slice(random.int(Math.max(1, words.length - 1))).slice(0, 1 + random.int(2)).join(' ');
    const filters = random.bernoulli(1 / 3) && product.brand ? create(FiltersSchema, { brands: [product.brand] }) : undefined;
    return {
      queryText: text,
      seedItemIds: [],
      excludeItemIds: [],
      filters: normalizeFilters(filters),
      limits: { dense: 0, lexical: CANDIDATES, userInterest: 0, similar: 0 },
      weights: { dense: 1, lexical: 1, userInterest: 0.5, similar: 0.5 },
      fusion: 'rrf',
      rrfK: 60,
      limit: CANDIDATES,
    };
  });
}

async function timeArm(service: RetrievalApplicationService, calls: readonly RetrieveQuery[]): Promise<{ latencies: number[]; cpuUs: number; counted: number }> {
  const latencies: number[] = [];
  let counted = 0;
  const cpu = process.cpuUsage();
  for (const call of calls) {
    const t0 = process.hrtime.bigint();
    const result = await service.retrieve(call);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    counted += result.totalHits?.value ?? 0;
  }
  const used = process.cpuUsage(cpu);
  return { latencies, cpuUs: (used.user + used.system) / calls.length, counted: counted / calls.length };
}

async function measure(name: string, products: Product[], seed: number): Promise<Row> {
  const started = performance.now();
  const service = lexicalRetrievalOver(products);
  const buildS = (performance.now() - started) / 1000;
  const plain = queries(products, QUERIES, seededRandom(seed));
  const faceted = plain.map((q) => ({ ...q, facets: FACETS }));
  await timeArm(service, plain.slice(0, 100));
  await timeArm(service, faceted.slice(0, 100));
  const without: number[][] = [];
  const withFacets: number[][] = [];
  let cpuWithout = 0;
  let cpuWith = 0;
  let counted = 0;
  // Alternating rounds, so a burst of other work on this shared machine lands on both arms.
  for (let r = 0; r < ROUNDS; r++) {
    const a = await timeArm(service, plain);
    const b = await timeArm(service, faceted);
    without.push(a.latencies);
    withFacets.push(b.latencies);
    cpuWithout += a.cpuUs / ROUNDS;
    cpuWith += b.cpuUs / ROUNDS;
    counted = b.counted;
  }
  const all = (rounds: number[][]) => rounds.flat();
  return {
    catalog: name,
    products: products.length,
    buildS,
    p50Without: percentile(all(without), 50),
    p99Without: percentile(all(without), 99),
    p50With: percentile(all(withFacets), 50),
    p99With: percentile(all(withFacets), 99),
    cpuUsWithout: cpuWithout,
    cpuUsWith: cpuWith,
    counted,
  };
}

interface WholeSearch {
  catalog: string;
  products: number;
  p50Without: number;
  p50With: number;
  p99Without: number;
  p99With: number;
  cpuMsWithout: number;
  cpuMsWith: number;
}

/** Search over gRPC against standalone on the catalog, each query without and then with the four facets. */
async function measureWholeSearch(name: string, products: readonly Product[]): Promise<WholeSearch> {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-facets-')), 'products.jsonl');
  writeProductsJsonl(file, products);
  const running = await startRelevanceStandalone(file);
  const client = createGrpcClient(RankingService, `127.0.0.1:${running.port}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 60_000 });
  try {
    // Each arm gets queries of its own, drawn the same way and sent in turns: the same query
    // twice would find the second call's embedding and products in the caches the first filled.
    const texts = queries(products, 2 * (SEARCHES + WARM_UP_SEARCHES), seededRandom(3)).map((q) => q.queryText);
    const facets = FACETS.map((f) => ({ field: f.field }));
    const arms = { without: [] as number[], with: [] as number[] };
    const cpu = { without: 0, with: 0 };
    for (let i = 0; i < texts.length; i++) {
      const arm = i % 2 === 0 ? 'without' : 'with';
      const cpuBefore = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      await client.search({ query: texts[i]!, pageSize: 20, ...(arm === 'with' ? { facets } : {}) });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const used = process.cpuUsage(cpuBefore);
      if (i >= 2 * WARM_UP_SEARCHES) {
        arms[arm].push(ms);
        cpu[arm] += (used.user + used.system) / 1000 / SEARCHES;
      }
    }
    return { catalog: name, products: products.length, p50Without: percentile(arms.without, 50), p50With: percentile(arms.with, 50), p99Without: percentile(arms.without, 99), p99With: percentile(arms.with, 99), cpuMsWithout: cpu.without, cpuMsWith: cpu.with };
  } finally {
    client.close();
    await running.stop();
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  let whole: WholeSearch | undefined;
  if (sharedDatasetAvailable('amazon-scientific')) {
    const amazon = loadAmazonProducts();
    rows.push(await measure('amazon-scientific', amazon, 1));
    if (SCALE_PRODUCTS > 0) rows.push(await measure('amazon × model numbers', scaleCatalog(amazon, SCALE_PRODUCTS, seededRandom(2)), 2));
    if (WHOLE_SEARCH) whole = await measureWholeSearch('amazon-scientific', amazon);
  } else {
    console.error('../shared/datasets/amazon-scientific not found: benchmarking the demo catalog only');
    rows.push(await measure('demo', loadDemoProducts(), 1));
    if (WHOLE_SEARCH) whole = await measureWholeSearch('demo', loadDemoProducts());
  }
  const ratio = (r: Row) => r.p50With / r.p50Without;
  const table = markdownTable(
    ['catalog', 'products', 'index build s', 'products counted / call', 'p50 ms without', 'p50 ms with 4 facets', 'facets_cost_ratio (p50)', 'p99 ms without', 'p99 ms with', 'CPU µs without', 'CPU µs with'],
    rows.map((r) => [r.catalog, r.products, round(r.buildS, 1), Math.round(r.counted), round(r.p50Without, 3), round(r.p50With, 3), round(ratio(r), 2), round(r.p99Without, 3), round(r.p99With, 3), Math.round(r.cpuUsWithout), Math.round(r.cpuUsWith)]),
  );
  console.log(table);
  const worst = rows.reduce((a, b) => (ratio(b) > ratio(a) ? b : a));
  const wholeRatio = whole ? whole.p50With / whole.p50Without : undefined;
  const wholeTable = whole
    ? markdownTable(
        ['catalog', 'products', 'Search p50 ms without', 'p50 ms with 4 facets', 'facets_cost_ratio (p50)', 'p99 ms without', 'p99 ms with', 'CPU ms / Search without (whole process)', 'CPU ms with'],
        [[whole.catalog, whole.products, round(whole.p50Without, 2), round(whole.p50With, 2), round(wholeRatio!, 2), round(whole.p99Without, 2), round(whole.p99With, 2), round(whole.cpuMsWithout, 2), round(whole.cpuMsWith, 2)]],
      )
    : '';
  if (whole) console.log(wholeTable);
  writeBenchmarkSection(
    'facets',
    `## Facets (\`npm run bench:facets\`)

What counting four facets (brand, category tree, automatic price ranges, in stock) adds to the retrieval step of a Search, in process: the retrieval service's catalog and BM25 index, ${QUERIES.toLocaleString('en')} Retrieve calls (lexical source, ${CANDIDATES} candidates) per arm and round, one or two title words each, a third with a brand filter; ${ROUNDS} alternating rounds without and with facets. Facets are counted over every product holding every word (the "products counted" column), each without its own filter. This first table is the retrieval step alone: it is where facets add work (ranking passes them through); a whole Search adds the query embedding and ranking to both arms (second table). Machine: ${machineDescription()}.

${table}

${whole ? `A whole Search over gRPC against standalone (every service in this process; the INT8 model) on the ${whole.catalog} catalog, ${SEARCHES} queries per arm, in turns (each arm its own queries, drawn the same way: one query sent twice would find the caches warm the second time), after ${WARM_UP_SEARCHES} per arm to warm up:

${wholeTable}

\`facets_cost_ratio\` **${round(wholeRatio!, 2)}** for a whole Search (target ≤ ${TARGET_RATIO}). At 100,000 products a whole Search would first embed 100,000 titles (hours on this CPU): the retrieval-step rows above are what facets add there.` : 'Whole Search not measured (BENCH_WHOLE_SEARCH=0).'}`,
  );
  console.log(
    JSON.stringify({
      facets_cost_ratio: wholeRatio === undefined ? null : round(wholeRatio, 2),
      retrieval_step_ratio: round(ratio(worst), 2),
      target_ratio: TARGET_RATIO,
      ...(whole ? { whole_search: { catalog: whole.catalog, products: whole.products, p50_ms_without: round(whole.p50Without, 2), p50_ms_with: round(whole.p50With, 2), p99_ms_without: round(whole.p99Without, 2), p99_ms_with: round(whole.p99With, 2), cpu_ms_without: round(whole.cpuMsWithout, 2), cpu_ms_with: round(whole.cpuMsWith, 2) } } : {}),
      queries: QUERIES,
      catalogs: Object.fromEntries(
        rows.map((r) => [r.catalog.split(' ')[0], { products: r.products, facets_cost_ratio: round(ratio(r), 2), p50_ms_without: round(r.p50Without, 3), p50_ms_with: round(r.p50With, 3), p99_ms_without: round(r.p99Without, 3), p99_ms_with: round(r.p99With, 3), cpu_us_without: Math.round(r.cpuUsWithout), cpu_us_with: Math.round(r.cpuUsWith), counted_per_call: Math.round(r.counted) }]),
      ),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
