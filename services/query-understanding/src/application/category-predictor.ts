import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { types } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import type { Logger } from '@shopsense/observability';
import type { CatalogProduct } from '../domain/catalog/catalog-snapshot';
import { categoryLabels, centroidsOf, CategoryModel, fitTemperature, type Calibration, type CategoryPrediction } from '../domain/category/category-model';
import type { TextEmbedder } from './text-embedder.port';

export interface CategoryPredictorOptions {
  topK: number;
  maxDepth: number;
  minProducts: number;
  /** Budget of one training Embed call (a batch of titles). */
  trainingCallTimeoutMs: number;
  /** Titles per training Embed call. */
  trainingBatchSize: number;
  /** Most held-out titles used to fit the temperature. */
  maxCalibrationSamples: number;
  /**
   * Most titles a training run embeds. A larger catalog trains on a stable sample: an equal
   * share per category (all of a category that has fewer). Unset: every title.
   */
  maxTrainingTitles?: number;
  /** Wait before retrying a training run that failed (the embedding service was down). */
  retryDelayMs: number;
  /**
   * Where the title embeddings are kept between runs (standalone's data folder), so a restart
   * embeds only new or changed titles; unset: memory only.
   */
  cacheFile?: string | undefined;
}

/** The cache file: the embedding model's version and, per product, its title and vector. */
interface CacheFile {
  format: 1;
  embeddingVersion: string;
  documents: [id: string, title: string, vector: Float32Array][];
  queries: [id: string, title: string, vector: Float32Array][];
}

export interface TrainingReport {
  categories: number;
  products: number;
  embedded: number;
  calibration: Calibration;
}

/** One title in five (by a hash of the product id, so the split is stable) is held out for calibration. */
const HOLDOUT_MODULUS = 5;
/** Below this many held-out titles the fit is noise; use a temperature that worked on the demo catalog. */
const MIN_CALIBRATION_SAMPLES = 20;
const DEFAULT_TEMPERATURE = 0.03;

interface CachedVector {
  title: string;
  vector: Float32Array;
}

/**
 * Predicts the categories of a query: nearest category centroids of catalog title embeddings
 * (documents), compared with the query's embedding, with a temperature fitted on held-out
 * titles embedded as queries (the way the model will see real queries). Training follows
 * catalog rebuilds: only new or changed titles are embedded again, and the new model replaces
 * the old one at once. Without a trained model, or when a prediction fails, callers go on
 * without categories.
 */
export class CategoryPredictor {
  private current: CategoryModel | undefined;
  private readonly documents = new Map<string, CachedVector>();
  private readonly queries = new Map<string, CachedVector>();
  private cacheVersion: string | undefined;
  private training: Promise<void> | undefined;
  private nextProducts: readonly CatalogProduct[] | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private lastReport: TrainingReport | undefined;
  private lastProducts: readonly CatalogProduct[] = [];

  constructor(
    private readonly embedder: TextEmbedder,
    private readonly options: CategoryPredictorOptions,
    private readonly logger: Logger,
  ) {}

  get model(): CategoryModel | undefined {
    return this.current;
  }

  get report(): TrainingReport | undefined {
    return this.lastReport;
  }

  /** Retrains on these products, after any run in progress (runs coalesce to the latest catalog). */
  retrain(products: readonly CatalogProduct[]): Promise<void> {
    this.nextProducts = products;
    this.lastProducts = products;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.training ??= this.drain();
    return this.training;
  }

  /** The most probable categories of a query: `topK` of them (the configured number unless given). */
  async predict(text: string, options: { timeoutMs: number; signal?: AbortSignal; topK?: number }): Promise<CategoryPrediction[]> {
    const model = this.current;
    if (!model || text === '') return [];
    const { topK = this.options.topK, ...call } = options;
    const { vectors, modelVersion } = await this.embedder.embed([text], 'query', call);
    if (modelVersion !== model.embeddingVersion) {
      // The embedding service now serves another model: the centroids and every cached vector
      // are meaningless for its vectors. Drop them and train again.
      if (this.current === model) {
        this.current = undefined;
        this.documents.clear();
        this.queries.clear();
        this.cacheVersion = undefined;
        void this.retrain(this.lastProducts);
      }
      throw new Error(`the embedding model changed from ${model.embeddingVersion} to ${modelVersion}; retraining the category model`);
    }
    return model.predict(vectors[0], topK);
  }

  /**
   * Reads the title embeddings a previous run kept (`cacheFile`). Vectors of another embedding
   * model are dropped at the first embedding call or prediction that reports the new version.
   * A damaged file is ignored with a warning: it only costs embedding the titles again.
   */
  async loadCache(): Promise<void> {
    const file = this.options.cacheFile;
    if (!file || !existsSync(file)) return;
    try {
      const cache = deserialize(await readFile(file)) as CacheFile;
      if (cache.format !== 1 || !Array.isArray(cache.documents) || !Array.isArray(cache.queries)) throw new Error('not a category cache of format 1');
      const restore = (entries: CacheFile['documents'], into: Map<string, CachedVector>) => {
        // types.isFloat32Array: the deserialised arrays come from V8's own realm.
        for (const [id, title, vector] of entries) if (typeof id === 'string' && typeof title === 'string' && types.isFloat32Array(vector)) into.set(id, { title, vector });
      };
      restore(cache.documents, this.documents);
      restore(cache.queries, this.queries);
      this.cacheVersion = cache.embeddingVersion;
      this.logger.info({ titles: this.documents.size, embedding_version: cache.embeddingVersion }, 'category model: title embeddings loaded from the cache');
    } catch (error) {
      this.logger.warn({ err: error, file }, 'category model: the title cache cannot be read; embedding the titles again');
    }
  }

  /** Writes the title embeddings (whole file, then a rename: a crash leaves the previous one). */
  private async saveCache(): Promise<void> {
    const file = this.options.cacheFile;
    if (!file || this.cacheVersion === undefined) return;
    const entries = (cache: Map<string, CachedVector>) => [...cache].map(([id, { title, vector }]) => [id, title, vector] as [string, string, Float32Array]);
    const cache: CacheFile = { format: 1, embeddingVersion: this.cacheVersion, documents: entries(this.documents), queries: entries(this.queries) };
    try {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await writeFile(`${file}.tmp`, serialize(cache), { mode: 0o600 });
      await rename(`${file}.tmp`, file);
    } catch (error) {
      this.logger.warn({ err: error, file }, 'category model: the title cache cannot be written; the next start embeds the titles again');
    }
  }

  /** Resolves when no training run is in progress or queued (a failed run's retry is not waited for). */
  async whenIdle(): Promise<void> {
    while (this.training) await this.training;
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private async drain(): Promise<void> {
    try {
      while (this.nextProducts && !this.closed) {
        const products = this.nextProducts;
        this.nextProducts = undefined;
        try {
          await this.train(products);
        } catch (error) {
          this.logger.warn({ err: error, retry_in_ms: this.options.retryDelayMs }, 'category model training failed; serving without (or with the previous) category model');
          if (!this.nextProducts && !this.closed) {
            this.retryTimer = setTimeout(() => void this.retrain(products), this.options.retryDelayMs);
            this.retryTimer.unref?.();
          }
        }
      }
    } finally {
      this.training = undefined;
    }
  }

  private async train(products: readonly CatalogProduct[]): Promise<void> {
    const started = performance.now();
    const labels = categoryLabels(products.map((p) => p.categoryPath), { maxDepth: this.options.maxDepth, minProducts: this.options.minProducts });
    const labelled = products.flatMap((product, i) => {
      const label = labels[i];
      return label === undefined ? [] : [{ product, label }];
    });
    if (new Set(labelled.map((x) => x.label)).size < 2) {
      this.current = undefined;
      this.logger.info({ products: products.length }, 'fewer than two categories with enough products: no category model');
      return;
    }
    const sampled = this.options.maxTrainingTitles === undefined ? labelled : trainingSample(labelled, this.options.maxTrainingTitles);
    const heldOut = sampled.filter((x) => isHeldOut(x.product.id)).slice(0, this.options.maxCalibrationSamples);

    const embedded = await this.embedMissing(sampled.map((x) => x.product), 'document', this.documents);
    const version = this.cacheVersion;
    await this.embedMissing(heldOut.map((x) => x.product), 'query', this.queries);
    if (this.closed) return; // stopped while embedding: the titles left are not embedded, and nobody needs the model
    if (version === undefined || this.cacheVersion !== version) throw new Error('the embedding model changed during training');
    const documentOf = (id: string) => cached(this.documents, id);

    // Calibration: centroids without the held-out titles, scored on the held-out titles as queries.
    const heldOutIds = new Set(heldOut.map((x) => x.product.id));
    const trainingCentroids = centroidsOf(sampled.filter((x) => !heldOutIds.has(x.product.id)).map((x) => ({ label: x.label, vector: documentOf(x.product.id) })));
    const probe = new CategoryModel(trainingCentroids, 1, version);
    const samples = heldOut
      .filter((x) => trainingCentroids.has(x.label))
      .map((x) => ({ similarities: probe.similarities(cached(this.queries, x.product.id)), trueIndex: probe.labels.indexOf(x.label) }));
    const calibration = samples.length >= MIN_CALIBRATION_SAMPLES ? fitTemperature(samples) : { temperature: DEFAULT_TEMPERATURE, nll: Number.NaN, ece: Number.NaN, accuracy: Number.NaN };

    const centroids = centroidsOf(sampled.map((x) => ({ label: x.label, vector: documentOf(x.product.id) })));
    prune(this.documents, sampled.map((x) => x.product.id));
    prune(this.queries, heldOutIds);
    this.current = new CategoryModel(centroids, calibration.temperature, version);
    this.lastReport = { categories: centroids.size, products: sampled.length, embedded, calibration };
    if (embedded > 0) await this.saveCache();
    this.logger.info(
      {
        categories: centroids.size,
        products: labelled.length,
        embedded_titles: embedded,
        calibration_samples: samples.length,
        temperature: round(calibration.temperature, 4),
        heldout_top1: round(calibration.accuracy, 3),
        heldout_ece: round(calibration.ece, 3),
        ms: Math.round(performance.now() - started),
      },
      'category model trained',
    );
  }

  /** Embeds the titles not already cached (or changed), in batches; returns how many it embedded. */
  private async embedMissing(products: readonly CatalogProduct[], kind: 'document' | 'query', cache: Map<string, CachedVector>): Promise<number> {
    const missing = products.filter((p) => cache.get(p.id)?.title !== p.title);
    for (let i = 0; i < missing.length && !this.closed; i += this.options.trainingBatchSize) {
      const batch = missing.slice(i, i + this.options.trainingBatchSize);
      const { vectors, modelVersion } = await this.embedder.embed(batch.map((p) => p.title), kind, { timeoutMs: this.options.trainingCallTimeoutMs, priority: 'bulk' });
      if (this.cacheVersion !== modelVersion) {
        // A new embedding model: every cached vector is from the old one.
        this.documents.clear();
        this.queries.clear();
        this.cacheVersion = modelVersion;
        if (i > 0) return this.embedMissing(products, kind, cache);
      }
      batch.forEach((p, j) => cache.set(p.id, { title: p.title, vector: vectors[j] }));
    }
    return missing.length;
  }
}

function cached(cache: Map<string, CachedVector>, id: string): Float32Array {
  const entry = cache.get(id);
  if (!entry) throw new Error(`no embedding for product ${id}`);
  return entry.vector;
}

/** Forgets the vectors of products that left the catalog. */
function prune(cache: Map<string, CachedVector>, keep: Iterable<string>): void {
  const wanted = new Set(keep);
  for (const id of cache.keys()) if (!wanted.has(id)) cache.delete(id);
}

/**
 * At most `max` titles: an equal share per category, the same products every run (by a hash of
 * the id, so a retrain after a small catalog change embeds almost nothing new). A centroid of a
 * few hundred titles sits where the centroid of all of them does; embedding every title of a
 * 100,000-product catalog kept a core busy for hours.
 */
function trainingSample<T extends { product: CatalogProduct; label: string }>(labelled: readonly T[], max: number): readonly T[] {
  if (labelled.length <= max) return labelled;
  const byLabel = new Map<string, T[]>();
  for (const item of labelled) byLabel.set(item.label, [...(byLabel.get(item.label) ?? []), item]);
  const share = Math.max(1, Math.floor(max / byLabel.size));
  const rank = (id: string) => createHash('sha1').update(`sample:${id}`).digest().readUInt32BE(0);
  return [...byLabel.values()].flatMap((items) => (items.length <= share ? items : items.map((item) => ({ item, r: rank(item.product.id) })).sort((a, b) => a.r - b.r).slice(0, share).map(({ item }) => item)));
}

function isHeldOut(productId: string): boolean {
  return createHash('sha1').update(productId).digest().readUInt32BE(0) % HOLDOUT_MODULUS === 0;
}

function round(value: number, digits: number): number {
  return Number.isFinite(value) ? Number(value.toFixed(digits)) : value;
}
