import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { CatalogService, Degradation, ExperimentService, ProductSchema, RankingService, SortOrder, TrainingExampleSchema, type RankedItem } from '@shopsense/contracts';
import { InProcessEventBus, Topics } from '@shopsense/events';
import { createLogger } from '@shopsense/observability';
import { decodeServedList, DEFAULT_STORE_SETTINGS, emptyProfile, encodeProfile, hourBucket, parseHmacKeyring, Pseudonymizer, RecentKind, RedisUserStateStore } from '@shopsense/user-state';
import Redis from 'ioredis';
import { createGrpcClient, type ServiceClient } from '@shopsense/grpc';
import { startService, type RunningService } from '@shopsense/service-runtime';
import { deleteKeysWithPrefix, expectEventually, startServiceProcess, TEST_SERVICE_ENV, type StartedServiceProcess } from '@shopsense/testing';
import { FtrlModel } from './domain';
import { ModelRegistry } from './infrastructure/model-registry';
import { rankingService, rankingServiceWith } from './ranking.service-definition';

const modelDir = process.env['EMBEDDING_MODEL_DIR'];
if (!modelDir) throw new Error('EMBEDDING_MODEL_DIR is not set: run scripts/model/fetch-model.sh (npm test does)');
const insecure = grpc.credentials.createInsecure();

/** A small catalog with four clear groups (test data builder). */
function catalogProducts() {
  const p = (id: string, title: string, brand: string, categoryPath: string[], price: number, extra: { inStock?: boolean; description?: string } = {}) =>
    create(ProductSchema, { id, title, brand, categoryPath, price, currency: 'USD', inStock: extra.inStock ?? true, description: extra.description ?? '' });
  return [
    p('shoe-1', 'Nike Pegasus road running shoes', 'Nike', ['Shoes', 'Running Shoes'], 120),
    p('shoe-2', 'Nike Revolution lightweight running shoe', 'Nike', ['Shoes', 'Running Shoes'], 70),
    p('shoe-3', 'Nike Downshifter running sneakers for men', 'Nike', ['Shoes', 'Running Shoes'], 65),
    p('shoe-4', 'Adidas Ultraboost running shoes', 'Adidas', ['Shoes', 'Running Shoes'], 180),
    p('shoe-5', 'Adidas Duramo trail running shoe', 'Adidas', ['Shoes', 'Running Shoes'], 60),
    p('shoe-6', 'Asics Gel-Kayano stability running shoes', 'Asics', ['Shoes', 'Running Shoes'], 160),
    p('shoe-7', 'Asics Novablast cushioned running shoe', 'Asics', ['Shoes', 'Running Shoes'], 140),
    p('shoe-8', 'Brooks Ghost neutral running shoes for women', 'Brooks', ['Shoes', 'Running Shoes'], 140),
    p('shoe-9', 'Nike leather basketball sneakers', 'Nike', ['Shoes', 'Basketball Shoes'], 95),
    p('shoe-10', 'Hoka Clifton running shoes', 'Hoka', ['Shoes', 'Running Shoes'], 145, { inStock: false }),
    p('mug-1', 'Ceramic coffee mug 350 ml', 'Acme', ['Home', 'Kitchen', 'Mugs'], 12),
    p('mug-2', 'Large stoneware coffee mug with handle', 'Acme', ['Home', 'Kitchen', 'Mugs'], 15),
    p('mug-3', 'Insulated travel coffee mug stainless steel', 'Thermos', ['Home', 'Kitchen', 'Mugs'], 25),
    p('mug-4', 'Glass tea cup with saucer', 'Bodum', ['Home', 'Kitchen', 'Mugs'], 18),
    p('mug-5', 'Espresso cups set of four porcelain', 'Bodum', ['Home', 'Kitchen', 'Mugs'], 22),
    p('hp-1', 'Sony wireless noise cancelling headphones', 'Sony', ['Electronics', 'Headphones'], 300),
    p('hp-2', 'Bose over-ear bluetooth headphones', 'Bose', ['Electronics', 'Headphones'], 280),
    p('hp-3', 'Sony in-ear wireless earbuds', 'Sony', ['Electronics', 'Headphones'], 150),
    p('hp-4', 'JBL on-ear kids headphones', 'JBL', ['Electronics', 'Headphones'], 30),
    p('hp-5', 'Sennheiser wired studio headphones', 'Sennheiser', ['Electronics', 'Headphones'], 120),
    p('bag-1', 'Waterproof hiking backpack 30 litres', 'Osprey', ['Outdoor', 'Backpacks'], 130),
    p('bag-2', 'Laptop backpack with USB charging port', 'Samsonite', ['Outdoor', 'Backpacks'], 80),
    p('bag-3', 'Small daypack for city walks', 'Fjallraven', ['Outdoor', 'Backpacks'], 90),
    p('bag-4', 'Rolling school backpack for kids', 'JanSport', ['Outdoor', 'Backpacks'], 45),
    p('sparse-1', 'Yoga mat', '', [], 0),
  ];
}

/**
 * A model that has learned "clicked when the query matches the item": trained offline on
 * synthetic examples and promoted into the data dir before ranking starts, as a snapshot.
 */
async function promoteTrainedModel(dataDir: string): Promise<void> {
  const model = new FtrlModel();
  for (let i = 0; i < 4000; i++) {
    const cosine = 0.7 + ((i * 7919) % 1000) / 4000; // 0.70 .. 0.95, spread
    const lexical = ((i * 104729) % 1000) / 400; // 0 .. 2.5
    model.update({ query_item_cosine: cosine, retrieval_lexical_score: lexical }, cosine > 0.84 || lexical > 1.8);
  }
  const registry = await ModelRegistry.open(dataDir);
  await registry.promote(model, Date.now());
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('ranking over real gRPC: query understanding, embedding, retrieval', () => {
  let embedding: StartedServiceProcess;
  let retrieval: StartedServiceProcess;
  let qu: StartedServiceProcess;
  let ranking: RunningService;
  let rankingNoQu: RunningService;
  let client: ServiceClient<typeof RankingService>;
  let clientNoQu: ServiceClient<typeof RankingService>;
  const products = catalogProducts();
  const byId = new Map(products.map((p) => [p.id, p]));
  const keysFile = join(mkdtempSync(join(tmpdir(), 'ranking-keys-')), 'hmac-keys.json');
  writeFileSync(keysFile, JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }));
  const experimentsFile = join(mkdtempSync(join(tmpdir(), 'ranking-experiments-')), 'experiments.json');
  writeFileSync(
    experimentsFile,
    JSON.stringify({
      experiments: [{ name: 'diversity', description: 'MMR on search', salt: 's1', surfaces: ['search'], variants: [{ name: 'control', share: 0.5, params: {} }, { name: 'mmr', share: 0.5, params: { diversityLambda: 0.7 } }] }],
    }),
  );

  const rankingEnv = (dataDir: string, quAddr: string) => ({
    ...TEST_SERVICE_ENV,
    LOG_LEVEL: 'warn',
    UPSTREAM_TLS_MODE: 'insecure',
    RETRIEVAL_ADDR: `127.0.0.1:${retrieval.grpcPort}`,
    EMBEDDING_ADDR: `127.0.0.1:${embedding.grpcPort}`,
    QUERY_UNDERSTANDING_ADDR: quAddr,
    USER_STATE_STORE: 'memory',
    RANKING_HMAC_KEYS_FILE: keysFile,
    RANKING_DATA_DIR: dataDir,
    RANKING_PAGE_TOKEN_SECRETS: 'integration-test-page-token-secret',
    RANKING_EXPERIMENTS_FILE: experimentsFile,
    // Generous budgets: the machine is shared, and this test checks results, not latency.
    RANKING_QU_BUDGET_MS: '5000',
    RANKING_EMBEDDING_BUDGET_MS: '10000',
    RANKING_RETRIEVAL_BUDGET_MS: '10000',
    RANKING_CATALOG_BUDGET_MS: '10000',
    RANKING_USER_STATE_BUDGET_MS: '5000',
  });

  beforeAll(async () => {
    embedding = await startServiceProcess('services/embedding/src/main.ts', { EMBEDDING_MODEL_DIR: modelDir, EMBEDDING_MODEL_FILE: process.env['EMBEDDING_TEST_MODEL_FILE'] ?? 'model.int8.onnx' });
    // Other services run as their own processes (Nx boundaries: no imports of another service's src).
    retrieval = await startServiceProcess('services/retrieval/src/main.ts', { EMBEDDING_ADDR: `127.0.0.1:${embedding.grpcPort}`, UPSTREAM_TLS_MODE: 'insecure', UPSTREAM_TIMEOUT_MS: '30000', RETRIEVAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'ranking-retrieval-')) });
    const catalog = createGrpcClient(CatalogService, `127.0.0.1:${retrieval.grpcPort}`, { credentials: insecure, defaultTimeoutMs: 120_000 });
    const upserted = await catalog.upsertProducts(products.map((product) => ({ product })));
    expect(upserted.rejections).toEqual([]);
    catalog.close();
    qu = await startServiceProcess('services/query-understanding/src/main.ts', { QU_EVENT_BUS: 'in-process' });

    const dataDir = mkdtempSync(join(tmpdir(), 'ranking-data-'));
    await promoteTrainedModel(dataDir);
    ranking = await startService(rankingService, rankingEnv(dataDir, `127.0.0.1:${qu.grpcPort}`));
    client = createGrpcClient(RankingService, `127.0.0.1:${ranking.grpcPort}`, { credentials: insecure, defaultTimeoutMs: 30_000 });
    // Nothing listens on port 1: query understanding is unreachable.
    rankingNoQu = await startService(rankingService, rankingEnv(mkdtempSync(join(tmpdir(), 'ranking-data-')), '127.0.0.1:1'));
    clientNoQu = createGrpcClient(RankingService, `127.0.0.1:${rankingNoQu.grpcPort}`, { credentials: insecure, defaultTimeoutMs: 30_000 });
  }, 180_000);

  afterAll(async () => {
    client?.close();
    clientNoQu?.close();
    await rankingNoQu?.stop();
    await ranking?.stop();
    for (const child of [qu, retrieval]) {
      child?.child.kill('SIGTERM');
      await child?.exited;
    }
    if (embedding?.child.exitCode === null) embedding.child.kill('SIGTERM');
    await embedding?.exited;
  });

  const expectExplained = (items: RankedItem[]) => {
    for (const item of items) {
      expect(item.contributions.length).toBeGreaterThan(0);
      expect(sum(item.contributions.map((c) => c.contribution))).toBeCloseTo(item.score, 9);
    }
    // The best item has a reason to show; weaker ones may have none worth saying.
    expect(items[0]!.reasons.length).toBeGreaterThan(0);
  };

  it('searches: relevant products first, explained, with a click distribution that sums to 1 over the list', async () => {
    const response = await client.search({ query: 'running shoes', userId: 'user-1', explain: true, pageSize: 100, channel: 'web' });
    expect(response.degraded).toEqual([]);
    expect(response.modelVersion).toMatch(/^ftrl-/);
    expect(response.requestId).not.toBe('');
    expect(response.parsedQuery?.original).toBe('running shoes');
    const top = response.items.slice(0, 5);
    expect(top.every((i) => i.itemId.startsWith('shoe-'))).toBe(true);
    expect(top.every((i) => i.product?.categoryPath[0] === 'Shoes')).toBe(true);
    expect(response.items.map((i) => i.position)).toEqual(response.items.map((_, i) => i));
    expect(sum(response.items.map((i) => i.clickProbability))).toBeCloseTo(1, 9);
    expect(response.items[0]!.sources.length).toBeGreaterThan(0);
    expectExplained(response.items);
    expect(response.nextPageToken).toBe('');
  });

  it('honours filters exactly', async () => {
    const response = await client.search({ query: 'running shoes', filters: { brands: ['Nike'], price: { max: 100 } }, pageSize: 50 });
    expect(response.items.length).toBeGreaterThan(0);
    for (const item of response.items) {
      expect(byId.get(item.itemId)!.brand).toBe('Nike');
      expect(byId.get(item.itemId)!.price).toBeLessThanOrEqual(100);
    }
    // The dense source proposes every item that passes the filters: exactly these three.
    expect(new Set(response.items.map((i) => i.itemId))).toEqual(new Set(['shoe-2', 'shoe-3', 'shoe-9']));

    const inStock = await client.search({ query: 'running shoes', filters: { inStock: true }, pageSize: 50 });
    expect(inStock.items.map((i) => i.itemId)).not.toContain('shoe-10');
  });

  it('counts facets over every product that matches, each without its own filter, with the total', async () => {
    const response = await client.search({ query: 'running shoes', filters: { brands: ['Nike'] }, pageSize: 2, facets: [{ field: 'brand' }, { field: 'price', priceRanges: [{ max: 100 }, { min: 100 }] }] });
    expect(response.items).toHaveLength(2);
    // Every product whose title or category holds "running" and "shoe(s)", by brute force over the catalog above.
    const text = (p: (typeof products)[number]) => `${p.title} ${p.categoryPath.join(' ')}`;
    const matching = products.filter((p) => /\brunning\b/i.test(text(p)) && /\bshoes?\b/i.test(text(p)));
    const nike = matching.filter((p) => p.brand === 'Nike');
    expect(response.totalHits).toMatchObject({ value: BigInt(nike.length), lexical: true });
    const [brands, prices] = response.facets;
    // Choosing Nike leaves the other brands' counts visible (disjunctive).
    expect(Object.fromEntries(brands!.values.map((v) => [v.value, Number(v.count)]))).toEqual(Object.fromEntries([...new Set(matching.map((p) => p.brand))].map((b) => [b.toLowerCase(), matching.filter((p) => p.brand === b).length])));
    expect(prices!.values.map((v) => Number(v.count))).toEqual([nike.filter((p) => p.price < 100).length, nike.filter((p) => p.price >= 100).length]);
    await expect(client.search({ query: 'shoes', facets: [{ field: 'colour' }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('facets[0].field') });
  });

  it('sorts every matching product by price, cheapest first, and pages through them in that order', async () => {
    const text = (p: (typeof products)[number]) => `${p.title} ${p.categoryPath.join(' ')}`;
    const cheapestFirst = products.filter((p) => /\bshoes?\b/i.test(text(p)) && p.inStock).sort((a, b) => a.price - b.price || (a.id < b.id ? -1 : 1));
    const page1 = await client.search({ query: 'shoes', filters: { inStock: true }, sort: SortOrder.PRICE_ASCENDING, pageSize: 4 });
    const page2 = await client.search({ query: 'shoes', filters: { inStock: true }, sort: SortOrder.PRICE_ASCENDING, pageSize: 4, pageToken: page1.nextPageToken });
    expect([...page1.items, ...page2.items].map((i) => i.itemId)).toEqual(cheapestFirst.slice(0, 8).map((p) => p.id));
    const dearest = await client.search({ query: 'shoes', sort: SortOrder.PRICE_DESCENDING, pageSize: 1 });
    expect(dearest.items[0]!.itemId).toBe('shoe-4');
    await expect(client.search({ query: 'shoes', sort: 42 as SortOrder })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('sort') });
  });

  it('pages: page 2 continues page 1 without overlap, and a token is bound to its query', async () => {
    const whole = await client.search({ query: 'shoes', userId: 'user-2', pageSize: 8 });
    const page1 = await client.search({ query: 'shoes', userId: 'user-2', pageSize: 4 });
    expect(page1.nextPageToken).not.toBe('');
    const page2 = await client.search({ query: 'shoes', userId: 'user-2', pageSize: 4, pageToken: page1.nextPageToken });
    const ids1 = page1.items.map((i) => i.itemId);
    const ids2 = page2.items.map((i) => i.itemId);
    expect(ids1.filter((id) => ids2.includes(id))).toEqual([]);
    expect([...ids1, ...ids2]).toEqual(whole.items.map((i) => i.itemId));
    expect(page2.items.map((i) => i.position)).toEqual([4, 5, 6, 7]);
    await expect(client.search({ query: 'mugs', userId: 'user-2', pageSize: 4, pageToken: page1.nextPageToken })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('ranks the given items for a query: every item once, the matching one first', async () => {
    const response = await client.rank({ itemIds: ['hp-1', 'shoe-4', 'mug-1', 'bag-2', 'not-in-catalog'], query: 'ceramic coffee mug', explain: true });
    expect(new Set(response.items.map((i) => i.itemId))).toEqual(new Set(['hp-1', 'shoe-4', 'mug-1', 'bag-2', 'not-in-catalog']));
    expect(response.items).toHaveLength(5);
    expect(response.items[0]!.itemId).toBe('mug-1');
    expectExplained(response.items);
    expect(sum(response.items.map((i) => i.clickProbability))).toBeCloseTo(1, 9);
  });

  it('ranks given items by their relevance to the query before any feedback, whatever order they are sent in', async () => {
    // rankingNoQu has no model snapshot: the untrained model, started from the relevance prior.
    const items = ['hp-1', 'shoe-4', 'mug-1', 'bag-2', 'mug-4'];
    const forward = await clientNoQu.rank({ itemIds: items, query: 'ceramic coffee mug' });
    const backward = await clientNoQu.rank({ itemIds: [...items].reverse(), query: 'ceramic coffee mug' });
    expect(forward.modelVersion).toBe('untrained');
    expect(forward.items[0]!.itemId).toBe('mug-1');
    expect(forward.items.map((i) => i.itemId)).toEqual(backward.items.map((i) => i.itemId));
  });

  it('recommends items similar to the item on the page, never the item itself', async () => {
    const response = await client.recommend({ context: { case: 'item', value: { itemId: 'mug-1' } }, limit: 4, explain: true });
    const ids = response.items.map((i) => i.itemId);
    expect(ids).not.toContain('mug-1');
    expect(ids).toHaveLength(4);
    expect(ids.filter((id) => id.startsWith('mug-')).length).toBeGreaterThanOrEqual(3);
    expect(response.items.every((i) => i.sources.includes('similar'))).toBe(true);

    const cart = await client.recommend({ context: { case: 'cart', value: { itemIds: ['shoe-1', 'shoe-4'] } }, limit: 3, filters: { inStock: true } });
    const cartIds = cart.items.map((i) => i.itemId);
    expect(cartIds).toHaveLength(3);
    expect(cartIds.some((id) => id === 'shoe-1' || id === 'shoe-4' || id === 'shoe-10')).toBe(false);
    expect(cartIds.every((id) => id.startsWith('shoe-'))).toBe(true);
  });

  it('rejects invalid requests naming the field', async () => {
    await expect(client.search({ query: 'x'.repeat(513) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('query') });
    await expect(client.search({ query: 'shoes', pageSize: 101 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('page_size') });
    await expect(client.rank({ itemIds: ['a', 'a'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('item_ids') });
    // A filter value past its limit is refused, not sent on (it came back a degraded empty page).
    const huge = 'x'.repeat(100_000);
    await expect(client.search({ query: 'shoes', filters: { brands: ['Nike', huge] } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('filters.brands[1]') });
    await expect(client.search({ query: 'shoes', filters: { categoryPath: huge } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('filters.category_path') });
    await expect(client.recommend({ userId: 'u', filters: { attributes: { color: huge } } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('filters.attributes[color]') });
    await expect(client.suggest({ prefix: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('prefix') });
    await expect(client.suggest({ prefix: 'run', limit: 21 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('limit') });
  });

  it('answers Suggest from query understanding: an empty list, not degraded, where its catalog has nothing to complete', async () => {
    // This query understanding follows a bus of its own with no catalog on it; suggestions from
    // a catalog are checked end to end (test/e2e/cli.e2e-spec.ts) and in its own integration test.
    const response = await client.suggest({ prefix: 'mug' });
    expect(response.suggestions).toEqual([]);
    expect(response.degraded).toEqual([]);
  });

  it('answers with QUERY_UNDERSTANDING_UNAVAILABLE when query understanding is unreachable', async () => {
    const response = await clientNoQu.search({ query: 'coffee mug', pageSize: 5 });
    expect(response.degraded).toEqual([Degradation.QUERY_UNDERSTANDING_UNAVAILABLE]);
    expect(response.items[0]!.itemId).toMatch(/^mug-/);
    // No model snapshot in its data dir: the untrained model (the relevance prior) serves.
    expect(response.modelVersion).toBe('untrained');
    // Suggest succeeds too, empty and flagged: a search box never shows an error mid-word.
    expect(await clientNoQu.suggest({ prefix: 'mug' })).toMatchObject({ suggestions: [], degraded: [Degradation.QUERY_UNDERSTANDING_UNAVAILABLE] });
  });

  it('assigns experiment variants stickily by pseudonymous user; GetResults is UNIMPLEMENTED without a training-example source', async () => {
    const variants = new Set<string>();
    for (const user of ['u-a', 'u-b', 'u-c', 'u-d', 'u-e', 'u-f']) {
      const first = await client.search({ query: 'mug', userId: user, pageSize: 3 });
      const again = await client.search({ query: 'coffee', userId: user, pageSize: 3 });
      expect(first.experiments).toHaveLength(1);
      expect(first.experiments[0]!.experiment).toBe('diversity');
      expect(again.experiments[0]!.variant).toBe(first.experiments[0]!.variant);
      variants.add(first.experiments[0]!.variant);
    }
    expect([...variants].every((v) => v === 'control' || v === 'mmr')).toBe(true);
    // Recommend is not a surface of the experiment.
    expect((await client.recommend({ userId: 'u-a', context: { case: 'item', value: { itemId: 'mug-1' } } })).experiments).toEqual([]);

    const experiments = createGrpcClient(ExperimentService, `127.0.0.1:${ranking.grpcPort}`, { credentials: insecure, defaultTimeoutMs: 10_000 });
    expect((await experiments.listExperiments({})).experiments.map((e) => e.name)).toEqual(['diversity']);
    await expect(experiments.getResults({ experiment: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(experiments.getResults({ experiment: 'diversity' })).rejects.toMatchObject({ code: 'UNIMPLEMENTED' });
    experiments.close();
  });

  it('learns online from shopsense.training.v1: promotes a gated snapshot and reports per-variant experiment results', async () => {
    const bus = new InProcessEventBus({ deadLetterFile: join(mkdtempSync(join(tmpdir(), 'ranking-dlq-')), 'dead-letters.jsonl'), logger: createLogger('bus', 'silent') });
    const dataDir = mkdtempSync(join(tmpdir(), 'ranking-data-'));
    const learning = await startService(rankingServiceWith({ eventBus: bus }), { ...rankingEnv(dataDir, `127.0.0.1:${qu.grpcPort}`), RANKING_PROMOTE_EVERY: '1000', RANKING_HOLDOUT_EVERY: '5' });
    const learningClient = createGrpcClient(RankingService, `127.0.0.1:${learning.grpcPort}`, { credentials: insecure, defaultTimeoutMs: 30_000 });
    const experiments = createGrpcClient(ExperimentService, `127.0.0.1:${learning.grpcPort}`, { credentials: insecure, defaultTimeoutMs: 10_000 });
    try {
      expect((await learningClient.search({ query: 'coffee mug', pageSize: 3 })).modelVersion).toBe('untrained');
      // What feedback's joiner publishes: each served item with its logged features and labels.
      const requests = 400;
      for (let r = 0; r < requests; r++) {
        const variant = r % 2 === 0 ? 'control' : 'mmr';
        const cosines = Array.from({ length: 8 }, (_, i) => 0.75 + ((r * 13 + i * 29) % 41) / 200);
        const best = cosines.indexOf(Math.max(...cosines));
        await bus.publish(
          Topics.trainingExamples,
          cosines.map((cosine, position) => ({
            key: `train-${r}`,
            message: create(TrainingExampleSchema, {
              requestId: `train-${r}`,
              itemId: `item-${position}`,
              position,
              features: { query_item_cosine: cosine, retrieval_rr: 1 / (position + 1) },
              clicked: position === best,
              purchased: position === best && variant === 'mmr' && r % 3 === 0,
              experiments: [{ experiment: 'diversity', variant }],
              surface: 'search',
            }),
          })),
        );
      }
      await expectEventually(async () => {
        const results = await experiments.getResults({ experiment: 'diversity' });
        expect(results.variants.map((v) => [v.variant, Number(v.exposures), Number(v.clicks)])).toEqual([
          ['control', requests / 2, requests / 2],
          ['mmr', requests / 2, requests / 2],
        ]);
        expect(results.comparisons.length).toBeGreaterThan(0);
      }, { timeoutMs: 30_000 });
      const results = await experiments.getResults({ experiment: 'diversity' });
      expect(Number(results.variants[0]!.conversions)).toBe(0);
      expect(Number(results.variants[1]!.conversions)).toBeGreaterThan(0);
      expect(results.variants[1]!.clickRateCi!.lower).toBeLessThanOrEqual(1);

      const after = await learningClient.search({ query: 'coffee mug', pageSize: 3, explain: true });
      expect(after.modelVersion).toMatch(/^ftrl-/);
      expectExplained(after.items);
      expect(existsSync(join(dataDir, 'models', 'CURRENT'))).toBe(true);
    } finally {
      learningClient.close();
      experiments.close();
      await learning.stop();
      await bus.close();
    }
  });

  /** A ranking service on the shared Redis under a key prefix of its own, and a client; stop() removes both and the keys. */
  async function rankingWithRedis() {
    const redisUrl = process.env['REDIS_URL'];
    if (!redisUrl) throw new Error('REDIS_URL is not set: source deploy/local/.work/env (deploy/local/up.sh starts Redis)');
    const prefix = `test-ranking-${randomBytes(4).toString('hex')}:`;
    const redis = new Redis(redisUrl);
    const withRedis = await startService(rankingService, { ...rankingEnv(mkdtempSync(join(tmpdir(), 'ranking-data-')), `127.0.0.1:${qu.grpcPort}`), USER_STATE_STORE: 'redis', REDIS_URL: redisUrl, RANKING_REDIS_KEY_PREFIX: prefix });
    const redisClient = createGrpcClient(RankingService, `127.0.0.1:${withRedis.grpcPort}`, { credentials: insecure, defaultTimeoutMs: 30_000 });
    const stop = async () => {
      redisClient.close();
      await withRedis.stop();
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    };
    return { redis, prefix, redisClient, stop };
  }

  it('with Redis user state: reads it and logs the served features under served:<request_id> where the feedback join finds them', async () => {
    const { redis, prefix, redisClient, stop } = await rankingWithRedis();
    try {
      // What feedback writes for an item: a week of impressions and clicks (this hour).
      const store = new RedisUserStateStore(redis, { ...DEFAULT_STORE_SETTINGS, keyPrefix: prefix });
      const nowSeconds = Math.floor(Date.now() / 1000);
      const applied = await store.apply({
        dedup: [],
        users: [],
        itemCounters: [{ itemId: 'mug-2', hour: hourBucket(nowSeconds), impressions: 200, clicks: 40, carts: 0, purchases: 5 }],
        queryItems: [],
        cooccurrence: [],
        joinImpressions: [],
        joinLabels: [],
      });
      expect(applied).toEqual({ applied: true });

      const response = await redisClient.search({ query: 'coffee mug', userId: 'redis-user', pageSize: 30, channel: 'ios' });
      expect(response.degraded).toEqual([]);
      const served = await expectEventually(async () => {
        const bytes = await redis.getBuffer(`${prefix}served:${response.requestId}`);
        expect(bytes).not.toBeNull();
        return decodeServedList(bytes!);
      });
      expect(served.map((e) => [e.itemId, e.position, e.surface, e.channel, e.modelVersion])).toEqual(response.items.map((i, position) => [i.itemId, position, 'search', 'ios', response.modelVersion]));
      expect(served[0]!.features['query_item_cosine']).toBeGreaterThan(0);
      expect(served[0]!.pseudonymousUserId).toBe('');
      const mug2 = served.find((e) => e.itemId === 'mug-2');
      expect(mug2?.features['popularity']).toBeCloseTo(Math.log1p(45), 9);
      expect(mug2?.features['item_ctr']).toBeGreaterThan(0);
      expect(served.filter((e) => e.itemId !== 'mug-2').every((e) => e.features['popularity'] === 0)).toBe(true);
      expect(await redis.ttl(`${prefix}served:${response.requestId}`)).toBeGreaterThan(0);
    } finally {
      await stop();
    }
  });

  it('with Redis user state: Recommend puts the co-occurring items of recent purchases first and serves popular items to anonymous users', async () => {
    const { redis, prefix, redisClient, stop } = await rankingWithRedis();
    try {
      // What feedback writes: a user who bought mug-1, shoppers who bought mug-1 then bag-3, and a week of purchases of hp-1.
      const store = new RedisUserStateStore(redis, { ...DEFAULT_STORE_SETTINGS, keyPrefix: prefix });
      const nowSeconds = Math.floor(Date.now() / 1000);
      const { refs } = await store.prepare({ dedup: [], pseudonyms: [], internItems: ['mug-1'] });
      const pseudonym = new Pseudonymizer(parseHmacKeyring(readFileSync(keysFile, 'utf8'))).pseudonymize('reco-user').pseudonym;
      const profile = encodeProfile({ ...emptyProfile(), revision: 1, lastEventAt: nowSeconds, recent: [{ ref: refs[0]!, kind: RecentKind.Purchase, inSession: false }] });
      const applied = await store.apply({
        dedup: [],
        users: [{ pseudonym, profile: { expectedRevision: null, next: profile } }],
        itemCounters: [{ itemId: 'hp-1', hour: hourBucket(nowSeconds), impressions: 0, clicks: 0, carts: 0, purchases: 10 }],
        queryItems: [],
        cooccurrence: [{ itemId: 'mug-1', neighbourId: 'bag-3', weight: 40 }],
        joinImpressions: [],
        joinLabels: [],
      });
      expect(applied).toEqual({ applied: true });

      const mine = await redisClient.recommend({ userId: 'reco-user', limit: 5, excludeSeen: true });
      expect(mine.degraded).toEqual([]);
      expect(mine.items[0]!.itemId).toBe('bag-3');
      expect(mine.items[0]!.sources).toContain('co_occurrence');
      expect(mine.items.map((i) => i.itemId)).not.toContain('mug-1');
      // The rest: items like the recent purchase, from retrieval.
      expect(mine.items.slice(1).every((i) => i.sources.includes('similar'))).toBe(true);

      // One popular item is known: the other four come from the catalog, and the answer says so.
      const anonymous = await redisClient.recommend({ limit: 5 });
      expect(anonymous.degraded).toEqual([Degradation.CATALOG_FALLBACK]);
      expect(anonymous.items[0]).toMatchObject({ itemId: 'hp-1', sources: ['popularity'] });
      expect(anonymous.items.slice(1).map((i) => i.sources)).toEqual([['catalog'], ['catalog'], ['catalog'], ['catalog']]);
      expect(new Set(anonymous.items.map((i) => i.itemId)).size).toBe(5);
    } finally {
      await stop();
    }
  });

  // Last: it stops the embedding service.
  it('still answers from the lexical index with EMBEDDING_UNAVAILABLE when the embedding service is down', async () => {
    embedding.child.kill('SIGTERM');
    await embedding.exited;
    const response = await client.search({ query: 'coffee mug', pageSize: 5 });
    expect(response.degraded).toContain(Degradation.EMBEDDING_UNAVAILABLE);
    expect(response.items.length).toBeGreaterThan(0);
    expect(response.items[0]!.itemId).toMatch(/^mug-/);
    expect(response.items.every((i) => i.sources.includes('lexical'))).toBe(true);
  });
});
