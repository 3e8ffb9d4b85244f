import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { create, toJson } from '@bufbuild/protobuf';
import { CatalogService, ProductSchema, RetrievalService } from '@shopsense/contracts';
import { createGrpcClient, type ServiceClient } from '@shopsense/grpc';
import { loadAmazonProducts, sampleCatalog, sharedDatasetAvailable, writeProductsJsonl } from '@shopsense/datasets';
import { startService, type RunningService } from '@shopsense/service-runtime';
import { startServiceProcess, TEST_SERVICE_ENV, type StartedServiceProcess } from '@shopsense/testing';
import { AMAZON_QUERIES } from '../test/amazon-queries';
import { productProblem } from './domain/product-rules';
import { importCatalog } from '@shopsense/catalog-import';
import { retrievalService } from './retrieval.service-definition';

const modelDir = process.env['EMBEDDING_MODEL_DIR'];
if (!modelDir) throw new Error('EMBEDDING_MODEL_DIR is not set: run scripts/model/fetch-model.sh (npm test does)');
const insecure = grpc.credentials.createInsecure();

describe('retrieval service with the real embedding service', () => {
  let embedding: StartedServiceProcess;
  let retrieval: RunningService;
  let catalog: ServiceClient<typeof CatalogService>;
  let search: ServiceClient<typeof RetrievalService>;
  const dataDir = mkdtempSync(join(tmpdir(), 'retrieval-'));
  const workDir = mkdtempSync(join(tmpdir(), 'import-'));

  const startRetrieval = async () => {
    retrieval = await startService(retrievalService, { ...TEST_SERVICE_ENV, LOG_LEVEL: 'warn', EMBEDDING_ADDR: `127.0.0.1:${embedding.grpcPort}`, UPSTREAM_TLS_MODE: 'insecure', UPSTREAM_TIMEOUT_MS: '10000', RETRIEVAL_DATA_DIR: dataDir });
    catalog = createGrpcClient(CatalogService, `127.0.0.1:${retrieval.grpcPort}`, { credentials: insecure, defaultTimeoutMs: 600_000 });
    search = createGrpcClient(RetrievalService, `127.0.0.1:${retrieval.grpcPort}`, { credentials: insecure, defaultTimeoutMs: 30_000 });
  };
  const stopRetrieval = async () => {
    catalog.close();
    search.close();
    await retrieval.stop();
  };
  /** Texts the embedding service has run through its model, from its metrics endpoint. */
  const embeddedTexts = async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${embedding.metricsPort}/metrics`)).text();
    return Number(/^embedding_texts_total(?:\{[^}]*\})? (\d+)/m.exec(metrics)![1]);
  };
  const send = async (products: ReturnType<typeof create<typeof ProductSchema>>[]) => {
    const r = await catalog.upsertProducts(products.map((product) => ({ product })));
    return { accepted: Number(r.accepted), unchanged: Number(r.unchanged), rejections: r.rejections.map((x) => ({ index: Number(x.index), reason: x.reason })) };
  };

  beforeAll(async () => {
    embedding = await startServiceProcess('services/embedding/src/main.ts', {
      EMBEDDING_MODEL_DIR: modelDir,
      // The INT8 variant (same retrieval quality on the shared data, 2.5x faster) keeps this test short.
      EMBEDDING_MODEL_FILE: process.env['EMBEDDING_TEST_MODEL_FILE'] ?? 'model.int8.onnx',
      EMBEDDING_MAX_BATCH_SIZE: '64',
    });
    await startRetrieval();
  }, 120_000);

  afterAll(async () => {
    await stopRetrieval();
    embedding.child.kill('SIGTERM');
    await embedding.exited;
  });

  it('imports every valid row of a malformed file and rejects each bad row with its line and reason', async () => {
    const good = (id: string, title: string, extra: object = {}) => JSON.stringify(toJson(ProductSchema, create(ProductSchema, { id, title, price: 10, ...extra })));
    const lines = [
      good('ok-1', 'Blue ceramic coffee mug', { categoryPath: ['Home', 'Kitchen'], brand: 'Acme' }),
      '{"id": "broken", "title": ',
      JSON.stringify({ title: 'no id here' }),
      good('neg', 'Negative price thing', { price: -5 }),
      good('long', 'x'.repeat(100 * 1024)),
      good('ok-2', 'Red enamel teapot'),
      good('ok-1', 'The same id again'),
      '',
      good('ok-3', 'Green glass vase'),
    ];
    const file = join(workDir, 'malformed.jsonl');
    writeFileSync(file, lines.join('\n'));
    const summary = await importCatalog(file, send, { chunkSize: 4 });
    expect([summary.accepted, summary.rejected]).toEqual([3, 5]);
    const rejects = readFileSync(summary.rejectFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; reason: string });
    expect(rejects.map((r) => r.line)).toEqual([2, 3, 4, 5, 7]);
    expect(rejects[0]!.reason).toMatch(/not valid JSON/);
    expect(rejects[1]!.reason).toBe('id is required');
    expect(rejects[2]!.reason).toMatch(/price must be a non-negative number/);
    expect(rejects[3]!.reason).toMatch(/title must be at most 1000 characters/);
    expect(rejects[4]!.reason).toMatch(/duplicate id/);
    expect((await catalog.getProduct({ productId: 'ok-3' })).product?.title).toBe('Green glass vase');
    await catalog.deleteProducts({ productIds: ['ok-1', 'ok-2', 'ok-3'] });
  });

  it('indexes a product whose text holds U+FFFD (a valid character) with the rest of its call', async () => {
    const products = [
      create(ProductSchema, { id: 'fffd-1', title: 'Caf\uFFFD ceramic mug', price: 12 }),
      create(ProductSchema, { id: 'fffd-2', title: 'Walnut serving board', price: 30 }),
      create(ProductSchema, { id: 'fffd-3', title: 'Linen tea towel', price: 8 }),
    ];
    expect(await send(products)).toEqual({ accepted: 3, unchanged: 0, rejections: [] });
    expect((await search.getItemVectors({ itemIds: ['fffd-1'] })).vectors).toHaveLength(1);
    await catalog.deleteProducts({ productIds: products.map((p) => p.id) });
  });

  const amazon = sharedDatasetAvailable('amazon-scientific') ? describe : describe.skip;
  amazon('on a slice of the amazon-scientific catalog (../shared)', () => {
    // Real product text, but not the whole catalog's embedding time: for each written query the
    // first products with its words, 200 others spread over the catalog, and every row the
    // product rules reject. Relevance over all 4,344 products is measured by `npm run
    // eval:relevance` (an evaluation, not a test).
    const wholeCatalog = sharedDatasetAvailable('amazon-scientific') ? loadAmazonProducts() : [];
    const sample = sampleCatalog(wholeCatalog, { titleWords: [...new Set(AMAZON_QUERIES.flatMap((q) => q.relevantTitleWords)), 'caliper'], perWord: 5, others: 200 });
    const products = wholeCatalog.filter((p) => sample.includes(p) || productProblem(p) !== undefined);

    beforeAll(async () => {
      const file = join(workDir, 'amazon.jsonl');
      writeProductsJsonl(file, products);
      const summary = await importCatalog(file, send, { chunkSize: 500 });
      // The data has one item whose comma-separated categories split into 20 levels: the
      // import must reject exactly the rows the product rules reject, and take all others.
      const invalid = products.filter((p) => productProblem(p) !== undefined).length;
      expect(summary.rejected).toBe(invalid);
      expect(invalid).toBeGreaterThan(0);
      expect(summary.accepted).toBe(products.length - invalid);
    }, 300_000);

    it('finds a relevant product in the top 10 for each of the written queries, among the others', async () => {
      const titleOf = new Map(products.map((p) => [p.id, p.title.toLowerCase()]));
      const misses: string[] = [];
      for (const { query, relevantTitleWords } of AMAZON_QUERIES) {
        const { candidates } = await search.retrieve({ queryText: query, limit: 10 });
        const hit = candidates.some((c) => relevantTitleWords.some((w) => titleOf.get(c.itemId)?.includes(w)));
        if (!hit) misses.push(query);
      }
      expect(AMAZON_QUERIES.length).toBeGreaterThanOrEqual(20);
      expect(misses).toEqual([]);
    });

    it('reports which sources proposed each candidate, with their own scores and ranks', async () => {
      const { candidates } = await search.retrieve({ queryText: 'digital caliper', limit: 20 });
      const both = candidates.find((c) => c.sources.length === 2)!;
      expect(both.sources.map((s) => s.source).sort()).toEqual(['dense', 'lexical']);
      expect(both.sources.every((s) => s.rank >= 1 && Number.isFinite(s.score))).toBe(true);
    });

    it('honours a category filter, including descendants, in every source', async () => {
      const path = products.find((p) => p.categoryPath[1]?.startsWith('Test'))!.categoryPath.slice(0, 2);
      const { candidates } = await search.retrieve({ queryText: 'tape', filters: { categoryPath: path.join('/') }, limit: 50 });
      expect(candidates.length).toBeGreaterThan(0);
      const byId = new Map(products.map((p) => [p.id, p]));
      for (const c of candidates) expect(byId.get(c.itemId)!.categoryPath.slice(0, 2)).toEqual(path);
    });

    it('serves similar items and item vectors', async () => {
      const seed = products.find((p) => p.title.toLowerCase().includes('caliper'))!;
      const similar = await search.similarItems({ itemId: seed.id, k: 5 });
      expect(similar.candidates).toHaveLength(5);
      expect(similar.candidates.map((c) => c.itemId)).not.toContain(seed.id);
      const vectors = await search.getItemVectors({ itemIds: [seed.id, 'no-such-item'] });
      expect(vectors.vectors[0]!.values).toHaveLength(384);
      expect(vectors.missingItemIds).toEqual(['no-such-item']);
    });

    it('does no work for an unchanged re-upsert, and keeps index and catalog across a restart without re-embedding', async () => {
      const before = await embeddedTexts();
      const valid = products.filter((p) => productProblem(p) === undefined).slice(0, 100);
      const again = await send(valid);
      expect([again.accepted, again.unchanged]).toEqual([0, 100]);
      expect(await embeddedTexts()).toBe(before);

      await stopRetrieval();
      await startRetrieval();
      expect(await embeddedTexts()).toBe(before);
      const { candidates } = await search.retrieve({ queryText: 'vernier caliper with LCD display', limit: 5 });
      expect(candidates.length).toBe(5);
      expect((await catalog.batchGetProducts({ productIds: [valid[0]!.id] })).products).toHaveLength(1);
      expect(await embeddedTexts()).toBe(before + 1); // the query, nothing else
    });
  });
});
