/**
 * eval:qu — query understanding against labelled queries.
 *
 *   npm run eval:qu        (EMBEDDING_MODEL_DIR, or the fetched default model, for categories)
 *
 * Two labelled sets, written by hand for this evaluation against two catalogs: the demo catalog
 * (data/demo-catalog, bilingual) and the shared Amazon "Industrial & Scientific" catalog
 * (../shared, English; skipped with a message when absent). For each set the dictionaries are
 * built from that catalog and the category model is trained on its titles through the real
 * embedding service (started in this process), exactly as the service does. Scores: extraction
 * precision and recall over facts (brands, price bounds, attributes, in-stock, boosts,
 * corrections; see scoring.ts) and top-1/top-3 category accuracy. Writes docs/evaluation.md;
 * the last line printed is one JSON object.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createLogger } from '@shopsense/observability';
import { startService, type RunningService } from '@shopsense/service-runtime';
import { CategoryPredictor } from '../../services/query-understanding/src/application/category-predictor';
import { QueryDictionaryStore } from '../../services/query-understanding/src/application/query-dictionary-store';
import { QueryUnderstandingApplicationService, type UnderstandResult } from '../../services/query-understanding/src/application/query-understanding.service';
import type { CatalogProduct } from '../../services/query-understanding/src/domain/catalog/catalog-snapshot';
import { DEFAULT_SYNONYMS } from '../../services/query-understanding/src/domain/synonyms/default-synonyms';
import { parseSynonyms } from '../../services/query-understanding/src/domain/synonyms/synonym-rules';
import { TextAnalyzer } from '../../services/query-understanding/src/domain/text/text-analyzer';
import { GrpcTextEmbedder } from '../../services/query-understanding/src/infrastructure/grpc-text-embedder';
import { JiebaSegmenter } from '../../services/query-understanding/src/infrastructure/jieba-segmenter';
import { embeddingService } from '../../services/embedding/src/embedding.service-definition';
import { markdownTable } from '../../bench/lib/benchmarks-doc';
import { writeEvaluationSection } from '../lib/evaluation-doc';
import { AMAZON_ITEMS, loadAmazonCatalog } from './amazon-catalog';
import { add, emptyTally, expectedFacts, kindOf, precision, producedFacts, recall, top1, top3, type LabelledQuery, type Tally } from './scoring';
import { demoCatalog } from '../../services/query-understanding/test/catalog.factory';

const logger = createLogger('eval-qu', 'warn');
const modelDir = process.env['EMBEDDING_MODEL_DIR'] ?? join(__dirname, '../../.cache/models/multilingual-e5-small');
const hasModel = existsSync(join(modelDir, 'model.onnx'));
const CATEGORY = { topK: 3, maxDepth: 3, minProducts: 3 };

interface SetResult {
  name: string;
  catalog: string;
  products: number;
  overall: Tally;
  byLanguage: Map<string, Tally>;
  byKind: Map<string, { truePositives: number; produced: number; expected: number }>;
  modeAgreement: { agree: number; total: number };
  calibration?: { temperature: number; heldOutTop1: number; ece: number; categories: number };
  misses: string[];
}

function readQueries(file: string): LabelledQuery[] {
  return readFileSync(join(__dirname, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LabelledQuery);
}

async function evaluate(name: string, catalogName: string, products: CatalogProduct[], queries: LabelledQuery[], embeddingPort: number | undefined): Promise<SetResult> {
  const store = new QueryDictionaryStore(new TextAnalyzer(new JiebaSegmenter()), () => parseSynonyms(DEFAULT_SYNONYMS).rules, { quietMs: 60_000, maxDelayMs: 60_000 }, logger);
  for (const product of products) store.upsert(product);
  await store.flush();
  store.close();

  let predictor: CategoryPredictor | undefined;
  let embedder: GrpcTextEmbedder | undefined;
  if (embeddingPort !== undefined) {
    embedder = new GrpcTextEmbedder({ address: `127.0.0.1:${embeddingPort}`, credentials: grpc.credentials.createInsecure() });
    predictor = new CategoryPredictor(embedder, { ...CATEGORY, trainingCallTimeoutMs: 300_000, trainingBatchSize: 128, maxCalibrationSamples: 500, retryDelayMs: 3_600_000 }, logger);
    const started = performance.now();
    await predictor.retrain(products);
    if (!predictor.model) throw new Error(`${name}: the category model did not train (see the warnings above)`);
    console.error(`${name}: category model trained on ${products.length} titles in ${Math.round((performance.now() - started) / 1000)} s`);
  }
  // Generous timeout: here we measure what the model predicts, not how fast this machine is.
  const service = new QueryUnderstandingApplicationService(store, predictor, { maxQueryChars: 512, categoryTimeoutMs: 30_000, deadlineReserveMs: 30, categoryTopK: CATEGORY.topK }, logger);

  const result: SetResult = { name, catalog: catalogName, products: products.length, overall: emptyTally(), byLanguage: new Map(), byKind: new Map(), modeAgreement: { agree: 0, total: 0 }, misses: [] };
  for (const query of queries) {
    const parsed: UnderstandResult = await service.understand(query.q, query.hint ?? '');
    const expected = expectedFacts(query);
    const produced = producedFacts(parsed);
    add(result.overall, query, parsed, expected, produced);
    if (!result.byLanguage.has(query.lang)) result.byLanguage.set(query.lang, emptyTally());
    add(result.byLanguage.get(query.lang)!, query, parsed, expected, produced);
    for (const fact of new Set([...expected, ...produced])) {
      const kind = kindOf(fact);
      const k = result.byKind.get(kind) ?? { truePositives: 0, produced: 0, expected: 0 };
      if (expected.includes(fact)) k.expected++;
      if (produced.includes(fact)) k.produced++;
      if (expected.includes(fact) && produced.includes(fact)) k.truePositives++;
      result.byKind.set(kind, k);
    }
    if (query.correction) {
      result.modeAgreement.total++;
      if (parsed.correction.mode === 'applied') result.modeAgreement.agree++;
    }
    const missing = expected.filter((f) => !produced.includes(f));
    const extra = produced.filter((f) => !expected.includes(f));
    const wrongCategory = query.category && parsed.categories[0]?.path !== query.category ? `category ${parsed.categories[0]?.path ?? 'none'} (expected ${query.category})` : '';
    if (missing.length + extra.length > 0 || wrongCategory) {
      result.misses.push(`\`${query.q}\`: ${[missing.length ? `missed ${missing.join(', ')}` : '', extra.length ? `extra ${extra.join(', ')}` : '', wrongCategory].filter(Boolean).join('; ')}`);
    }
  }
  const report = predictor?.report;
  if (report) result.calibration = { temperature: report.calibration.temperature, heldOutTop1: report.calibration.accuracy, ece: report.calibration.ece, categories: report.categories };
  predictor?.close();
  embedder?.close();
  return result;
}

const pct = (value: number) => (Number.isNaN(value) ? 'n/a' : `${(100 * value).toFixed(1)} %`);
const r3 = (value: number) => (Number.isNaN(value) ? null : Number(value.toFixed(3)));

function total(results: SetResult[]): Tally {
  const sum = emptyTally();
  for (const r of results) for (const key of Object.keys(sum) as (keyof Tally)[]) sum[key] += r.overall[key];
  return sum;
}

async function main(): Promise<void> {
  let embedding: RunningService | undefined;
  if (hasModel) {
    embedding = await startService(embeddingService, {
      GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', GRPC_TLS_MODE: 'insecure', GRPC_AUTH_MODE: 'none', METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', LOG_LEVEL: 'warn',
      EMBEDDING_MODEL_DIR: modelDir,
    });
  } else {
    console.error(`no embedding model at ${modelDir}: category prediction is not evaluated (run npm run model:fetch, or set EMBEDDING_MODEL_DIR)`);
  }
  const results: SetResult[] = [];
  try {
    results.push(await evaluate('demo', 'data/demo-catalog (bilingual, generated)', demoCatalog(), readQueries('queries.demo.jsonl'), embedding?.grpcPort));
    const amazon = loadAmazonCatalog();
    if (amazon) results.push(await evaluate('amazon', 'amazon-scientific (../shared, English)', amazon, readQueries('queries.amazon.jsonl'), embedding?.grpcPort));
    else console.error(`${AMAZON_ITEMS} not found: the Amazon labelled set is skipped (the shared datasets lie beside the checkout as ../shared)`);
  } finally {
    await embedding?.stop();
  }

  const rows: string[][] = [];
  for (const r of results) {
    for (const [lang, t] of [['all', r.overall] as const, ...[...r.byLanguage.entries()].sort()]) {
      rows.push([r.name, lang, String(t.queries), pct(precision(t)), pct(recall(t)), pct(top1(t)), pct(top3(t))]);
    }
  }
  const all = total(results);
  rows.push(['both sets', 'all', String(all.queries), pct(precision(all)), pct(recall(all)), pct(top1(all)), pct(top3(all))]);
  const table = markdownTable(['set', 'language', 'queries', 'extraction precision', 'extraction recall', 'category top-1', 'category top-3'], rows);
  const kinds = markdownTable(
    ['set', 'fact', 'expected', 'produced', 'precision', 'recall'],
    results.flatMap((r) => [...r.byKind.entries()].sort().map(([kind, k]) => [r.name, kind, String(k.expected), String(k.produced), pct(precision(k)), pct(recall(k))])),
  );
  console.log(table);
  console.log();
  console.log(kinds);

  const languages = new Map<string, number>();
  for (const r of results) for (const [lang, t] of r.byLanguage) languages.set(lang, (languages.get(lang) ?? 0) + t.queries);
  writeEvaluationSection(
    'qu',
    `## Query understanding (\`npm run eval:qu\`)

${all.queries} labelled queries (${[...languages.entries()].map(([l, n]) => `${n} ${l === 'zh' ? 'Chinese' : l === 'en' ? 'English' : 'mixed'}`).join(', ')}), written by hand for this evaluation in \`eval/qu/queries.*.jsonl\` against the catalog each set names. The dictionaries are built from that catalog and the category model is trained on its titles through the real embedding service (${hasModel ? modelDir.split('/').pop() : 'not available: categories not evaluated'}), as the service does. Extraction is scored over facts (each brand, price bound, attribute, in-stock flag, boost and correction; see \`eval/qu/scoring.ts\`). Category: the predicted top category (paths cut to ${CATEGORY.maxDepth} levels, categories with fewer than ${CATEGORY.minProducts} products folded into their parent) against the labelled one.

${table}

By kind of fact:

${kinds}

${results
  .map((r) => {
    const c = r.calibration;
    const calibration = c
      ? `Category model: ${c.categories} categories, temperature ${c.temperature.toFixed(4)} fitted on held-out titles (held-out top-1 ${pct(c.heldOutTop1)}, expected calibration error ${c.ece.toFixed(3)}).`
      : 'No category model.';
    const mode = r.modeAgreement.total > 0 ? ` Typos applied rather than only suggested: ${r.modeAgreement.agree}/${r.modeAgreement.total}.` : '';
    return `**${r.name}** (${r.catalog}, ${r.products} products). ${calibration}${mode}\n\n<details><summary>${r.misses.length} queries with a difference</summary>\n\n${r.misses.map((m) => `- ${m}`).join('\n')}\n\n</details>`;
  })
  .join('\n\n')}`,
  );

  console.log(
    JSON.stringify({
      precision: r3(precision(all)),
      recall: r3(recall(all)),
      category_top1: r3(top1(all)),
      category_top3: r3(top3(all)),
      queries: all.queries,
      sets: Object.fromEntries(results.map((r) => [r.name, { queries: r.overall.queries, precision: r3(precision(r.overall)), recall: r3(recall(r.overall)), category_top1: r3(top1(r.overall)) }])),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
