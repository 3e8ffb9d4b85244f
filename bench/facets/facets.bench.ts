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
 * arms in turns, each with queries of its own (the same query twice would meet warm caches).
 * And again on the scale catalog: embedding 100,000 titles would take hours on this CPU, so its
 * data folder is built from the first run's (scaled-data-folder.ts: each copy takes its base
 * product's real vector) and standalone starts on it as on a folder it indexed itself.
 * `facets_cost_ratio` (the issue's key) is the larger of the whole-Search p50 ratios; the
 * retrieval-step ratios are beside it. Writes docs/benchmarks.md; the last line printed is one
 * JSON object.
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
import { scaledDataFolder } from './scaled-data-folder';
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
      limits: { dense: 0, lexical: CANDIDATES, userInterest: 0, similar: 0, inType: 0 },
      weights: { dense: 1, lexical: 1, userInterest: 0.5, similar: 0.5, inType: 1 },
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
  /** Seconds from "ready" until the process settled; undefined: it never did within SETTLE_LIMIT_MS. */
  settledS: number | undefined;
}

/** Below this share of a core, the process has finished what it did after "ready" (flushes, snapshots, index builds). */
const SETTLED_CPU = 0.1;

const SETTLE_LIMIT_MS = 300_000;

/** Waits (at most SETTLE_LIMIT_MS) until this process spends under SETTLED_CPU of a core over a second; returns the ms waited. */
async function settled(): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < SETTLE_LIMIT_MS) {
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const used = process.cpuUsage(before);
    if ((used.user + used.system) / 1e6 < SETTLED_CPU) break;
  }
  return Date.now() - started;
}

/**
 * Search over gRPC against standalone on the catalog, each query without and then with the four
 * facets. `dataDir`: a folder holding the catalog indexed already. Returns the folder's retrieval
 * part too (the scale catalog's vectors are copied from it).
 */
async function measureWholeSearch(name: string, products: readonly Product[], prepared?: { dataDir: string; file: string }): Promise<{ whole: WholeSearch; retrievalDir: string }> {
  let file = prepared?.file;
  if (!file) {
    file = join(mkdtempSync(join(tmpdir(), 'bench-facets-')), 'products.jsonl');
    writeProductsJsonl(file, products);
  }
  const startedAt = Date.now();
  const running = await startRelevanceStandalone(file, prepared?.dataDir);
  console.error(`standalone on ${name} (${products.length} products) ready in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
  const settledMs = await settled();
  console.error(`settled (the process under ${SETTLED_CPU * 100}% of a core for a second) after ${(settledMs / 1000).toFixed(0)} s more`);
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
    const whole = { catalog: name, products: products.length, settledS: settledMs >= SETTLE_LIMIT_MS ? undefined : settledMs / 1000, p50Without: percentile(arms.without, 50), p50With: percentile(arms.with, 50), p99Without: percentile(arms.without, 99), p99With: percentile(arms.with, 99), cpuMsWithout: cpu.without, cpuMsWith: cpu.with };
    return { whole, retrievalDir: running.data.retrievalDir };
  } finally {
    client.close();
    await running.stop();
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const wholeRows: WholeSearch[] = [];
  if (sharedDatasetAvailable('amazon-scientific')) {
    const amazon = loadAmazonProducts();
    const scaled = SCALE_PRODUCTS > 0 ? scaleCatalog(amazon, SCALE_PRODUCTS, seededRandom(2)) : [];
    rows.push(await measure('amazon-scientific', amazon, 1));
    if (SCALE_PRODUCTS > 0) rows.push(await measure('amazon × model numbers', scaled, 2));
    if (WHOLE_SEARCH) {
      const base = await measureWholeSearch('amazon-scientific', amazon);
      wholeRows.push(base.whole);
      if (SCALE_PRODUCTS > 0) {
        const file = join(mkdtempSync(join(tmpdir(), 'bench-facets-scaled-')), 'products.jsonl');
        writeProductsJsonl(file, scaled);
        const builtAt = Date.now();
        const folder = await scaledDataFolder(base.retrievalDir, amazon, scaled, file);
        console.error(`scaled data folder (${folder.indexed} products indexed, ${folder.rejected} refused by the catalog rules as their base was; vectors copied) built in ${((Date.now() - builtAt) / 1000).toFixed(0)} s`);
        const { whole: scaledWhole } = await measureWholeSearch('amazon × model numbers', scaled, { dataDir: folder.dataDir, file });
        wholeRows.push({ ...scaledWhole, products: folder.indexed });
      }
    }
  } else {
    console.error('../shared/datasets/amazon-scientific not found: benchmarking the demo catalog only');
    rows.push(await measure('demo', loadDemoProducts(), 1));
    if (WHOLE_SEARCH) wholeRows.push((await measureWholeSearch('demo', loadDemoProducts())).whole);
  }
  const ratio = (r: Row) => r.p50With / r.p50Without;
  const table = markdownTable(
    ['catalog', 'products', 'index build s', 'products counted / call', 'p50 ms without', 'p50 ms with 4 facets', 'facets_cost_ratio (p50)', 'p99 ms without', 'p99 ms with', 'CPU µs without', 'CPU µs with'],
    rows.map((r) => [r.catalog, r.products, round(r.buildS, 1), Math.round(r.counted), round(r.p50Without, 3), round(r.p50With, 3), round(ratio(r), 2), round(r.p99Without, 3), round(r.p99With, 3), Math.round(r.cpuUsWithout), Math.round(r.cpuUsWith)]),
  );
  console.log(table);
  const worst = rows.reduce((a, b) => (ratio(b) > ratio(a) ? b : a));
  const wholeRatioOf = (w: WholeSearch) => w.p50With / w.p50Without;
  const wholeRatio = wholeRows.length > 0 ? Math.max(...wholeRows.map(wholeRatioOf)) : undefined;
  const whole = wholeRows[0];
  const wholeTable = whole
    ? markdownTable(
        ['catalog', 'products', 'settled after "ready"', 'Search p50 ms without', 'p50 ms with 4 facets', 'facets_cost_ratio (p50)', 'p99 ms without', 'p99 ms with', 'CPU ms / Search without (whole process)', 'CPU ms with'],
        wholeRows.map((w) => [w.catalog, w.products, w.settledS === undefined ? `never (${SETTLE_LIMIT_MS / 60_000} min)` : `${Math.round(w.settledS)} s`, round(w.p50Without, 2), round(w.p50With, 2), round(wholeRatioOf(w), 2), round(w.p99Without, 2), round(w.p99With, 2), round(w.cpuMsWithout, 2), round(w.cpuMsWith, 2)]),
      )
    : '';
  if (whole) console.log(wholeTable);
  writeBenchmarkSection(
    'facets',
    `## Facets (\`npm run bench:facets\`)

What counting four facets (brand, category tree, automatic price ranges, in stock) adds to the retrieval step of a Search, in process: the retrieval service's catalog and BM25 index, ${QUERIES.toLocaleString('en')} Retrieve calls (lexical source, ${CANDIDATES} candidates) per arm and round, one or two title words each, a third with a brand filter; ${ROUNDS} alternating rounds without and with facets. Facets are counted over every product holding every word (the "products counted" column), each without its own filter. This first table is the retrieval step alone: it is where facets add work (ranking passes them through); a whole Search adds the query embedding and ranking to both arms (second table). Machine: ${machineDescription()}.

${table}

${whole ? `A whole Search over gRPC against standalone (every service in this process; the INT8 model), ${SEARCHES} queries per arm, in turns (each arm its own queries, drawn the same way: one query sent twice would find the caches warm the second time), after the process has settled (under ${SETTLED_CPU * 100}% of a core for a second: the work standalone does after "ready" is done) and ${WARM_UP_SEARCHES} searches per arm to warm up. The scale catalog's data folder is built from the Amazon run's: each copy takes its base product's real vector (embedding 100,000 titles would take hours here), the rest is written by the retrieval service's own stores, and standalone starts on it as on a folder it indexed:

${wholeTable}

\`facets_cost_ratio\` **${round(wholeRatio!, 2)}** for a whole Search, the larger of the rows (target ≤ ${TARGET_RATIO}).${wholeRows.some((w) => w.settledS === undefined) ? ' A row that never settled was measured beside background work that kept a core busy (its CPU per Search counts that work too, and its p99 its pauses): both arms met it alike, so the p50 ratio stands, the absolute figures do not.' : ''}` : 'Whole Search not measured (BENCH_WHOLE_SEARCH=0).'}`,
  );
  console.log(
    JSON.stringify({
      facets_cost_ratio: wholeRatio === undefined ? null : round(wholeRatio, 2),
      retrieval_step_ratio: round(ratio(worst), 2),
      target_ratio: TARGET_RATIO,
      whole_search: wholeRows.map((w) => ({ catalog: w.catalog, products: w.products, settled_s: w.settledS === undefined ? null : Math.round(w.settledS), facets_cost_ratio: round(wholeRatioOf(w), 2), p50_ms_without: round(w.p50Without, 2), p50_ms_with: round(w.p50With, 2), p99_ms_without: round(w.p99Without, 2), p99_ms_with: round(w.p99With, 2), cpu_ms_without: round(w.cpuMsWithout, 2), cpu_ms_with: round(w.cpuMsWith, 2) })),
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
