/**
 * bench:retrieval — the embedded vector index at 100k products (dimension 384): queries/s and
 * p50/p99 of the HNSW search against exact search on the same store, with and without a filter
 * that keeps 1% of the items, and recall@10 of each; then the bulk import rate through the
 * whole path (import command → CatalogService → embedding service → index) as a ratio to the
 * embedding service alone on the same product texts.
 *
 * With QDRANT_URL set (and QDRANT_API_KEY where needed) the same vectors and queries also run
 * against Qdrant through the production adapter, in a collection it removes afterwards.
 *
 *   npm run bench:retrieval        (BENCH_VECTORS=100000, BENCH_IMPORT=600 by default)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { create, toJson } from '@bufbuild/protobuf';
import { CatalogService, EmbeddingKind, EmbeddingService, ProductSchema } from '@shopsense/contracts';
import { createGrpcClient } from '@shopsense/grpc';
import { startService } from '@shopsense/service-runtime';
import { embeddingService } from '../../services/embedding/src/embedding.service-definition';
import { normalizeFilters, type NormalizedFilters } from '../../services/retrieval/src/domain/filters';
import { embeddingText } from '../../services/retrieval/src/domain/product-rules';
import { importCatalog } from '@shopsense/catalog-import';
import { QdrantClient } from '@qdrant/js-client-rest';
import { EmbeddedVectorStore } from '../../services/retrieval/src/infrastructure/embedded-vector-store';
import { dropAliasAndVersions, QdrantVectorStore } from '../../services/retrieval/src/infrastructure/qdrant-vector-store';
import { retrievalService } from '../../services/retrieval/src/retrieval.service-definition';
import { syntheticCatalog } from '../../services/retrieval/src/testing/synthetic-vectors';
import { benchTexts } from '../embedding/bench-texts';
import { machineDescription, markdownTable, writeBenchmarkSection } from '../lib/benchmarks-doc';
import { percentile, round } from '../lib/stats';
import { embeddingModelDir } from '@shopsense/testing';

const VECTORS = Number(process.env['BENCH_VECTORS'] ?? 100_000);
const IMPORT = Number(process.env['BENCH_IMPORT'] ?? 600);
const QUERIES = 200;
const env = { GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', GRPC_TLS_MODE: 'insecure', GRPC_AUTH_MODE: 'none', METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', LOG_LEVEL: 'warn' };

interface SearchRow {
  mode: string;
  filter: string;
  qps: number;
  p50: number;
  p99: number;
  recall: number;
}

const QDRANT_URL = process.env['QDRANT_URL'];
const QDRANT_API_KEY = process.env['QDRANT_API_KEY'];
const QDRANT_ALIAS = `shopsense_bench_${Date.now()}`;

/** Removes the bench's alias and collections from the Qdrant server. */
const dropQdrantBenchCollections = () => dropAliasAndVersions(new QdrantClient({ url: QDRANT_URL!, ...(QDRANT_API_KEY ? { apiKey: QDRANT_API_KEY } : {}), checkCompatibility: false }), QDRANT_ALIAS);

async function annBench(): Promise<{ rows: SearchRow[]; buildSeconds: number }> {
  const { points, queries } = syntheticCatalog(VECTORS, 384);
  const store = new EmbeddedVectorStore({ dataDir: mkdtempSync(join(tmpdir(), 'bench-vectors-')) });
  await store.init(384, 'synthetic');
  const started = performance.now();
  for (let i = 0; i < points.length; i += 10_000) await store.upsert(points.slice(i, i + 10_000));
  const buildSeconds = (performance.now() - started) / 1000;
  let qdrant: QdrantVectorStore | undefined;
  if (QDRANT_URL) {
    qdrant = new QdrantVectorStore({ url: QDRANT_URL, apiKey: QDRANT_API_KEY, alias: QDRANT_ALIAS, timeoutMs: 10_000, writeTimeoutMs: 120_000 });
    await qdrant.init(384, 'synthetic');
    await qdrant.upsert(points);
  } else {
    console.log('Qdrant rows skipped: set QDRANT_URL (and QDRANT_API_KEY) to compare a Qdrant server');
  }
  const rows: SearchRow[] = [];
  const filterCases: [string, NormalizedFilters][] = [
    ['none', normalizeFilters(undefined)],
    ['category (1% of items)', { ...normalizeFilters(undefined), categoryPrefix: ['rare'] }],
  ];
  for (const [label, filters] of filterCases) {
    const truth: string[][] = [];
    const time = async (mode: string, run: (q: Float32Array) => Promise<string[]>) => {
      const latencies: number[] = [];
      let found = 0;
      let expected = 0;
      const t0 = performance.now();
      for (let i = 0; i < QUERIES; i++) {
        const q0 = performance.now();
        const ids = await run(queries[i]!);
        latencies.push(performance.now() - q0);
        if (mode === 'exact') truth[i] = ids;
        else {
          expected += truth[i]!.length;
          found += truth[i]!.filter((id) => ids.includes(id)).length;
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      rows.push({ mode, filter: label, qps: QUERIES / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), recall: mode === 'exact' ? 1 : found / expected });
    };
    await time('exact', async (q) => store.exactSearch(q, 10, filters).map((h) => h.id));
    await time('hnsw', async (q) => (await store.search(q, 10, filters)).map((h) => h.id));
    if (qdrant) await time('qdrant', async (q) => (await qdrant.search(q, 10, filters)).map((h) => h.id));
  }
  if (qdrant) await dropQdrantBenchCollections();
  return { rows, buildSeconds };
}

async function importBench(modelDir: string): Promise<{ productsPerS: number; embedOnlyPerS: number }> {
  const embedding = await startService(embeddingService, { ...env, EMBEDDING_MODEL_DIR: modelDir, EMBEDDING_MAX_BATCH_SIZE: '64', ...(process.env['EMBEDDING_MODEL_FILE'] ? { EMBEDDING_MODEL_FILE: process.env['EMBEDDING_MODEL_FILE'] } : {}) });
  const texts = benchTexts(IMPORT * 2);
  const products = Array.from({ length: IMPORT }, (_, i) => create(ProductSchema, { id: `bench-${i}`, title: texts[i]!, description: texts[IMPORT + i]!, brand: `brand ${i % 40}`, categoryPath: ['Bench', `c${i % 12}`], price: 5 + (i % 300), inStock: true }));
  // The baseline: the embedding service alone, on the very texts the import will embed.
  const client = createGrpcClient(EmbeddingService, `127.0.0.1:${embedding.grpcPort}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 600_000 });
  const docs = products.map(embeddingText);
  await client.embed({ texts: docs.slice(0, 16), kind: EmbeddingKind.DOCUMENT });
  let t0 = performance.now();
  for (let i = 0; i < docs.length; i += 64) await client.embed({ texts: docs.slice(i, i + 64), kind: EmbeddingKind.DOCUMENT });
  const embedOnlyPerS = docs.length / ((performance.now() - t0) / 1000);
  client.close();

  const retrieval = await startService(retrievalService, { ...env, EMBEDDING_ADDR: `127.0.0.1:${embedding.grpcPort}`, UPSTREAM_TLS_MODE: 'insecure', RETRIEVAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-retrieval-')) });
  const catalog = createGrpcClient(CatalogService, `127.0.0.1:${retrieval.grpcPort}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 600_000 });
  const file = join(mkdtempSync(join(tmpdir(), 'bench-import-')), 'catalog.jsonl');
  writeFileSync(file, products.map((p) => JSON.stringify(toJson(ProductSchema, p))).join('\n'));
  t0 = performance.now();
  const summary = await importCatalog(file, async (chunk) => {
    const r = await catalog.upsertProducts(chunk.map((product) => ({ product })));
    return { accepted: Number(r.accepted), unchanged: Number(r.unchanged), rejections: r.rejections.map((x) => ({ index: Number(x.index), reason: x.reason })) };
  });
  const productsPerS = summary.accepted / ((performance.now() - t0) / 1000);
  catalog.close();
  await retrieval.stop();
  await embedding.stop();
  return { productsPerS, embedOnlyPerS };
}

async function main(): Promise<void> {
  const modelDir = embeddingModelDir();
  const { rows, buildSeconds } = await annBench();
  const { productsPerS, embedOnlyPerS } = await importBench(modelDir);
  const exact = rows.find((r) => r.mode === 'exact' && r.filter === 'none')!;
  const hnsw = rows.find((r) => r.mode === 'hnsw' && r.filter === 'none')!;
  const hnswFiltered = rows.find((r) => r.mode === 'hnsw' && r.filter !== 'none')!;
  const speedup = hnsw.qps / exact.qps;
  const importRatio = productsPerS / embedOnlyPerS;
  writeBenchmarkSection(
    'retrieval',
    `## Retrieval (\`npm run bench:retrieval\`)

Embedded index (hnswlib, M=16, efConstruction=100, ef=96)${QDRANT_URL ? ' and Qdrant (its defaults, through the production adapter, over HTTP)' : ''} on ${VECTORS.toLocaleString('en')} clustered synthetic vectors of dimension 384, built in ${round(buildSeconds, 1)} s; ${QUERIES} queries per row, top 10, one at a time. Filtered queries below 5% selectivity are answered by an exact scan of the matching items. Machine: ${machineDescription()}.

${markdownTable(['search', 'filter', 'queries/s', 'p50 ms', 'p99 ms', 'recall@10'], rows.map((r) => [r.mode, r.filter, round(r.qps, 1), round(r.p50, 2), round(r.p99, 2), round(r.recall, 4)]))}

ANN speed-up over exact search (unfiltered): **${round(speedup, 1)}×** at recall@10 ${round(hnsw.recall, 4)} (target ≥ 10× at ≥ 0.95).

Bulk import of ${IMPORT} products through the import command, CatalogService and the embedding service: ${round(productsPerS, 1)} products/s; the embedding service alone on the same texts: ${round(embedOnlyPerS, 1)} texts/s: **ratio ${round(importRatio, 3)}** (target ≥ 0.8).`,
  );
  console.log(JSON.stringify({ recall_at_10: round(hnsw.recall, 4), recall_at_10_filtered: round(hnswFiltered.recall, 4), speedup_vs_exact: round(speedup, 1), hnsw_qps: round(hnsw.qps, 1), hnsw_p50_ms: round(hnsw.p50, 2), hnsw_p99_ms: round(hnsw.p99, 2), import_ratio: round(importRatio, 3), import_products_per_s: round(productsPerS, 1) }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
