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
 * p99 per arm, `facets_cost_ratio` = p50 with facets / p50 without, CPU µs per call, and the
 * products counted per call. Writes docs/benchmarks.md; the last line printed is one JSON object.
 */
import { create } from '@bufbuild/protobuf';
import { FiltersSchema, type Product } from '@shopsense/contracts';
import { loadAmazonProducts, loadDemoProducts, sharedDatasetAvailable } from '@shopsense/datasets';
import { seededRandom, type Random } from '@shopsense/random';
import type { RetrievalApplicationService, RetrieveQuery } from '../../services/retrieval/src/application/retrieval.service';
import type { FacetSpec } from '../../services/retrieval/src/domain/facets';
import { normalizeFilters } from '../../services/retrieval/src/domain/filters';
import { lexicalRetrievalOver } from '../../services/retrieval/src/testing/lexical-retrieval';
import { machineDescription, markdownTable, writeBenchmarkSection } from '../lib/benchmarks-doc';
import { percentile, round } from '../lib/stats';

const QUERIES = Number(process.env['BENCH_QUERIES'] ?? 1_000);
const SCALE_PRODUCTS = Number(process.env['BENCH_SCALE_PRODUCTS'] ?? 100_000);
const ROUNDS = 4;
const CANDIDATES = 200;
const TARGET_RATIO = 1.3;
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

function scaleCatalog(base: readonly Product[], n: number, random: Random): Product[] {
  return Array.from({ length: n }, (_, i) => {
    const product = base[i % base.length]!;
    return { ...product, id: `scale-${i}`, title: `${product.title} ${'ABCDEFGHJKLMNPQRSTUVWXYZ'[random.int(24)]}${random.int(100_000)}` };
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

async function main(): Promise<void> {
  const rows: Row[] = [];
  if (sharedDatasetAvailable('amazon-scientific')) {
    const amazon = loadAmazonProducts();
    rows.push(await measure('amazon-scientific', amazon, 1));
    if (SCALE_PRODUCTS > 0) rows.push(await measure('amazon × model numbers', scaleCatalog(amazon, SCALE_PRODUCTS, seededRandom(2)), 2));
  } else {
    console.error('../shared/datasets/amazon-scientific not found: benchmarking the demo catalog only');
    rows.push(await measure('demo', loadDemoProducts(), 1));
  }
  const ratio = (r: Row) => r.p50With / r.p50Without;
  const table = markdownTable(
    ['catalog', 'products', 'index build s', 'products counted / call', 'p50 ms without', 'p50 ms with 4 facets', 'facets_cost_ratio (p50)', 'p99 ms without', 'p99 ms with', 'CPU µs without', 'CPU µs with'],
    rows.map((r) => [r.catalog, r.products, round(r.buildS, 1), Math.round(r.counted), round(r.p50Without, 3), round(r.p50With, 3), round(ratio(r), 2), round(r.p99Without, 3), round(r.p99With, 3), Math.round(r.cpuUsWithout), Math.round(r.cpuUsWith)]),
  );
  console.log(table);
  const worst = rows.reduce((a, b) => (ratio(b) > ratio(a) ? b : a));
  writeBenchmarkSection(
    'facets',
    `## Facets (\`npm run bench:facets\`)

What counting four facets (brand, category tree, automatic price ranges, in stock) adds to the retrieval step of a Search, in process: the retrieval service's catalog and BM25 index, ${QUERIES.toLocaleString('en')} Retrieve calls (lexical source, ${CANDIDATES} candidates) per arm and round, one or two title words each, a third with a brand filter; ${ROUNDS} alternating rounds without and with facets. Facets are counted over every product holding every word (the "products counted" column), each without its own filter. Only the retrieval step is measured: it is where facets add work (ranking passes them through), and a whole Search adds the query embedding and ranking on top of both arms, so the ratio for a whole Search is lower than this one. Machine: ${machineDescription()}.

${table}

Worst \`facets_cost_ratio\` **${round(ratio(worst), 2)}** (target ≤ ${TARGET_RATIO} for a whole Search).`,
  );
  console.log(
    JSON.stringify({
      facets_cost_ratio: round(ratio(worst), 2),
      target_ratio: TARGET_RATIO,
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
