import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@shopsense/observability';
import { aProduct, fixtureCatalog } from '../../test/catalog.factory';
import { FakeEmbedder } from '../../test/fake-embedder';
import { CategoryPredictor, type CategoryPredictorOptions } from './category-predictor';

const logger = createLogger('test', 'silent');
const options: CategoryPredictorOptions = { topK: 3, maxDepth: 3, minProducts: 3, trainingCallTimeoutMs: 1_000, trainingBatchSize: 16, maxCalibrationSamples: 500, retryDelayMs: 60_000 };
/** Enough products per category for a held-out calibration set. */
const catalog = () => [...fixtureCatalog(), ...fixtureCatalog().map((p) => ({ ...p, id: `${p.id}-b` })), ...fixtureCatalog().map((p) => ({ ...p, id: `${p.id}-c` }))];

describe('CategoryPredictor', () => {
  it('predicts the nearest categories with probabilities, most probable first', async () => {
    const predictor = new CategoryPredictor(new FakeEmbedder(), options, logger);
    await predictor.retrain(catalog());
    const predictions = await predictor.predict('nike running shoes', { timeoutMs: 100 });
    expect(predictions[0]!.path).toBe('Shoes/Running Shoes');
    expect(predictions).toHaveLength(3);
    for (let i = 1; i < predictions.length; i++) expect(predictions[i - 1]!.probability).toBeGreaterThanOrEqual(predictions[i]!.probability);
    expect(predictions.every((p) => p.probability >= 0 && p.probability <= 1)).toBe(true);
    expect((await predictor.predict('牛奶', { timeoutMs: 100 }))[0]!.path).toBe('Groceries/Dairy/Milk');
  });

  it('is idle once every queued training run is done, including one queued while another ran', async () => {
    const predictor = new CategoryPredictor(new FakeEmbedder(), options, logger);
    await predictor.whenIdle(); // nothing to wait for
    void predictor.retrain(catalog().slice(0, 9));
    void predictor.retrain(catalog()); // queued behind the first run
    await predictor.whenIdle();
    expect(predictor.report!.products).toBe(catalog().length);
  });

  it('trains a large catalog on a bounded, stable sample: an equal share per category, the same titles every run', async () => {
    const big = Array.from({ length: 10 }, (_, copy) => catalog().map((p) => ({ ...p, id: `${p.id}-${copy}` }))).flat();
    const embedder = new FakeEmbedder();
    const predictor = new CategoryPredictor(embedder, { ...options, maxTrainingTitles: 60 }, logger);
    await predictor.retrain(big);
    const documents = embedder.calls.filter((c) => c.kind === 'document').flatMap((c) => c.texts);
    expect(big.length).toBeGreaterThan(60 * 3);
    expect(documents.length).toBeLessThanOrEqual(60);
    expect(predictor.report!).toMatchObject({ categories: 6, products: documents.length });
    expect((await predictor.predict('nike running shoes', { timeoutMs: 100 }))[0]!.path).toBe('Shoes/Running Shoes');
    // The same catalog again: the same sample, nothing new to embed.
    embedder.calls = [];
    await predictor.retrain([...big].reverse());
    expect(embedder.calls).toEqual([]);
  });

  it('fits a temperature on held-out titles and reports the calibration', async () => {
    const predictor = new CategoryPredictor(new FakeEmbedder(), options, logger);
    await predictor.retrain(catalog());
    const report = predictor.report!;
    expect(report.categories).toBe(6);
    expect(report.calibration.temperature).toBeGreaterThan(0);
    expect(report.calibration.accuracy).toBeGreaterThan(0.5);
  });

  it('embeds only new or changed titles when it retrains, and titles as documents, held-out ones as queries', async () => {
    const embedder = new FakeEmbedder();
    const predictor = new CategoryPredictor(embedder, options, logger);
    const products = catalog();
    await predictor.retrain(products);
    const first = embedder.calls.flatMap((c) => c.texts).length;
    expect(new Set(embedder.calls.map((c) => c.kind))).toEqual(new Set(['document', 'query']));
    embedder.calls = [];
    await predictor.retrain([...products.slice(1), { ...products[0]!, title: 'Nike trail running shoes' }]);
    expect(embedder.calls.flatMap((c) => c.texts)).toContain('Nike trail running shoes');
    expect(embedder.calls.flatMap((c) => c.texts).length).toBeLessThanOrEqual(2);
    expect(first).toBeGreaterThan(products.length);
  });

  it('keeps the title embeddings in its cache file: a new run embeds only the titles that changed, and a damaged file costs only re-embedding', async () => {
    const cacheFile = join(mkdtempSync(join(tmpdir(), 'category-cache-')), 'qu', 'titles.bin');
    const products = catalog();
    const first = new CategoryPredictor(new FakeEmbedder(), { ...options, cacheFile }, logger);
    await first.loadCache(); // no file yet
    await first.retrain(products);
    expect(existsSync(cacheFile)).toBe(true);

    const embedder = new FakeEmbedder();
    const restarted = new CategoryPredictor(embedder, { ...options, cacheFile }, logger);
    await restarted.loadCache();
    await restarted.retrain([...products.slice(1), { ...products[0]!, title: 'Nike trail running shoes' }]);
    expect(embedder.calls.flatMap((c) => c.texts).filter((t) => t !== 'Nike trail running shoes')).toEqual([]);
    expect((await restarted.predict('nike running shoes', { timeoutMs: 100 }))[0]!.path).toBe('Shoes/Running Shoes');

    writeFileSync(cacheFile, 'not a cache');
    const damaged = new FakeEmbedder();
    const again = new CategoryPredictor(damaged, { ...options, cacheFile }, logger);
    await again.loadCache();
    await again.retrain(products);
    expect(damaged.calls.flatMap((c) => c.texts).length).toBeGreaterThan(products.length);
  });

  it('trains as bulk work, so that queries being served go first, and predicts as interactive work', async () => {
    const embedder = new FakeEmbedder();
    const predictor = new CategoryPredictor(embedder, options, logger);
    await predictor.retrain(catalog());
    expect(new Set(embedder.calls.map((c) => c.priority))).toEqual(new Set(['bulk']));
    embedder.calls = [];
    await predictor.predict('nike running shoes', { timeoutMs: 100 });
    expect(embedder.calls.map((c) => c.priority)).toEqual([undefined]);
  });

  it('ends a training quietly when stopped half-way (no failure logged, no model from half the titles)', async () => {
    const embedder = new FakeEmbedder();
    const quiet = createLogger('test', 'silent');
    const warn = jest.spyOn(quiet, 'warn');
    const predictor = new CategoryPredictor(embedder, { ...options, trainingBatchSize: 4 }, quiet);
    embedder.beforeCall = () => {
      if (embedder.calls.length === 2) predictor.close();
    };
    await predictor.retrain(catalog());
    expect(embedder.calls.length).toBe(3);
    expect(predictor.model).toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
  });

  it('has no model while the embedder fails, and keeps the previous one when retraining fails', async () => {
    const embedder = new FakeEmbedder();
    const predictor = new CategoryPredictor(embedder, options, logger);
    embedder.failWith = new Error('UNAVAILABLE');
    await predictor.retrain(catalog());
    expect(predictor.model).toBeUndefined();
    expect(await predictor.predict('nike shoes', { timeoutMs: 100 })).toEqual([]);

    embedder.failWith = undefined;
    await predictor.retrain(catalog());
    const model = predictor.model;
    expect(model).toBeDefined();
    embedder.failWith = new Error('UNAVAILABLE');
    await predictor.retrain([...catalog(), aProduct({ title: 'new shoes', categoryPath: ['Shoes', 'Running Shoes'] })]);
    expect(predictor.model).toBe(model);
    predictor.close();
  });

  it('refuses to compare vectors of a new embedding model with old centroids', async () => {
    const embedder = new FakeEmbedder();
    const predictor = new CategoryPredictor(embedder, options, logger);
    await predictor.retrain(catalog());
    embedder.modelVersion = 'fake-v2';
    await expect(predictor.predict('nike shoes', { timeoutMs: 100 })).rejects.toThrow(/embedding model changed/);
    await predictor.retrain(catalog());
    expect(predictor.model?.embeddingVersion).toBe('fake-v2');
    expect((await predictor.predict('nike shoes', { timeoutMs: 100 }))[0]!.path).toBe('Shoes/Running Shoes');
  });

  it('needs two categories to say anything', async () => {
    const predictor = new CategoryPredictor(new FakeEmbedder(), options, logger);
    await predictor.retrain(Array.from({ length: 5 }, () => aProduct({ categoryPath: ['Shoes'] })));
    expect(predictor.model).toBeUndefined();
  });
});
