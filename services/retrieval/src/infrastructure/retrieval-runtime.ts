import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { CatalogChangeSchema, type Product } from '@shopsense/contracts';
import { AppError } from '@shopsense/errors';
import { deadLetter, done, KafkaEventBus, retry, Topics, type EventBus, type Subscription } from '@shopsense/events';
import type { Logger, ServiceMetrics } from '@shopsense/observability';
import { grpcClientOptionsFromConfig } from '@shopsense/service-runtime';
import { CatalogIndexer, type CatalogChangeSink } from '../application/catalog-indexer';
import { RetrievalApplicationService } from '../application/retrieval.service';
import type { VectorStore } from '../application/vector-store.port';
import type { RetrievalConfig } from '../config/retrieval.config';
import { Bm25Index } from '../domain/bm25-index';
import { embeddingText } from '../domain/product-rules';
import { payloadOf } from '../domain/filters';
import { CatalogLogStore } from './catalog-log-store';
import { EmbeddedVectorStore } from './embedded-vector-store';
import { GrpcEmbedder } from './grpc-embedder';
import { QdrantVectorStore } from './qdrant-vector-store';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Everything the retrieval service runs on, built once at start and closed on shutdown. */
export class RetrievalRuntime {
  private flushTimer?: NodeJS.Timeout;
  private subscription?: Subscription;

  private constructor(
    readonly catalog: CatalogLogStore,
    readonly vectors: VectorStore,
    readonly indexer: CatalogIndexer,
    readonly retrieval: RetrievalApplicationService,
    readonly modelVersion: string,
    private readonly embedder: GrpcEmbedder,
    private readonly bus: EventBus | undefined,
    private readonly ownsBus: boolean,
    private readonly logger: Logger,
  ) {}

  static async start(config: RetrievalConfig, runtime: { logger: Logger; metrics: ServiceMetrics }, options: { eventBus?: EventBus; announceStoredCatalog?: boolean } = {}): Promise<RetrievalRuntime> {
    const { logger } = runtime;
    const embedder = new GrpcEmbedder(config.EMBEDDING_ADDR, grpcClientOptionsFromConfig(config, runtime.metrics));
    const model = await waitForEmbedder(embedder, logger);
    const vectors: VectorStore =
      config.RETRIEVAL_VECTOR_STORE === 'qdrant'
        ? new QdrantVectorStore({ url: config.QDRANT_URL!, apiKey: config.QDRANT_API_KEY, alias: config.QDRANT_COLLECTION, timeoutMs: config.RETRIEVAL_QDRANT_TIMEOUT_MS, writeTimeoutMs: config.RETRIEVAL_QDRANT_WRITE_TIMEOUT_MS })
        : new EmbeddedVectorStore({
            dataDir: join(config.RETRIEVAL_DATA_DIR, 'vectors'),
            versionFile: join(config.RETRIEVAL_DATA_DIR, 'model-version'),
            m: config.RETRIEVAL_HNSW_M,
            efConstruction: config.RETRIEVAL_HNSW_EF_CONSTRUCTION,
            efSearch: config.RETRIEVAL_HNSW_EF_SEARCH,
          });
    await vectors.init(model.dimension, model.version);
    const catalog = new CatalogLogStore(config.RETRIEVAL_DATA_DIR);
    await catalog.open();

    const bus =
      options.eventBus ??
      (config.RETRIEVAL_EVENT_BUS === 'kafka'
        ? new KafkaEventBus({ brokers: config.KAFKA_BROKERS!, clientId: config.KAFKA_CLIENT_ID, ssl: config.KAFKA_SSL, ...(config.KAFKA_SASL_MECHANISM ? { sasl: { mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME ?? '', password: config.KAFKA_SASL_PASSWORD ?? '' } } : {}) }, logger)
        : undefined);
    const lexical = new Bm25Index();
    const topic = { ...Topics.catalogChanges, name: config.RETRIEVAL_CATALOG_TOPIC };
    const indexer = new CatalogIndexer(catalog, vectors, lexical, embedder, logger, bus ? catalogTopicSink(bus, topic) : undefined);
    const started = Date.now();
    indexer.rebuildLexicalIndex();
    logger.info({ products: catalog.size, ms: Date.now() - started }, 'lexical index built from the stored catalog');

    const service = new RetrievalApplicationService(catalog, vectors, lexical, embedder, logger, model.dimension);
    const self = new RetrievalRuntime(catalog, vectors, indexer, service, model.version, embedder, bus, !options.eventBus, logger);
    await self.embedWhatTheIndexLacks();
    if (bus) self.subscription = await bus.subscribe(topic, { groupId: config.RETRIEVAL_CONSUMER_GROUP, handler: (change) => self.applyChange(change) });
    if (bus && options.announceStoredCatalog) await self.announceStoredCatalog(catalogTopicSink(bus, topic));
    self.flushTimer = setInterval(() => void vectors.flush().catch((error: unknown) => logger.error({ err: error }, 'vector index flush failed')), config.RETRIEVAL_FLUSH_INTERVAL_MS);
    self.flushTimer.unref();
    return self;
  }

  /**
   * Embeds every stored product the vector index lacks: all of them after a model change (the
   * store starts empty for a new version), those whose index files were lost, or those a crash
   * interrupted. Then publishes the index (Qdrant: the alias moves to this version's collection).
   */
  private async embedWhatTheIndexLacks(): Promise<void> {
    const all = [...this.catalog.all()].map((s) => s.product);
    const present = await this.vectors.getVectors(all.map((p) => p.id));
    const missing = all.filter((p) => !present.has(p.id));
    if (missing.length > 0) {
      this.logger.warn({ model: this.modelVersion, products: missing.length }, 'embedding stored products the vector index lacks (a new model version, or lost index files)');
      for (let i = 0; i < missing.length; i += 256) {
        const chunk = missing.slice(i, i + 256);
        const fresh = await this.embedder.embedDocuments(chunk.map(embeddingText));
        const points = chunk.flatMap((p, j) => {
          const result = fresh[j]!;
          if ('vector' in result) return [{ id: p.id, vector: result.vector, payload: payloadOf(p) }];
          this.logger.warn({ productId: p.id, problem: result.problem }, 'stored product left without a vector: the embedding model cannot take its text');
          return [];
        });
        await this.vectors.upsert(points);
      }
      await this.vectors.flush();
    }
    await this.vectors.publish();
  }

  /** Publishes the stored catalog (our own echo of it is a no-op: every product is unchanged). */
  private async announceStoredCatalog(sink: CatalogChangeSink): Promise<void> {
    const all = [...this.catalog.all()].map((s) => s.product);
    for (let i = 0; i < all.length; i += 500) await sink.upserted(all.slice(i, i + 500));
    this.logger.info({ products: all.length }, 'stored catalog announced on the event bus');
  }

  /** A change from the catalog topic (another producer, or this service's own echo: a no-op). */
  private async applyChange(change: { change: { case: 'upsert'; value: Product } | { case: 'delete'; value: { productId: string } } | { case: undefined; value?: undefined } }) {
    try {
      if (change.change.case === 'upsert') {
        const result = await this.indexer.upsert([change.change.value], { publish: false });
        return result.rejections.length > 0 ? deadLetter(result.rejections[0]!.reason) : done;
      }
      if (change.change.case === 'delete') {
        await this.indexer.delete([change.change.value.productId], { publish: false });
        return done;
      }
      return deadLetter('CatalogChange has neither upsert nor delete');
    } catch (error) {
      if (error instanceof AppError && (error.code === 'UNAVAILABLE' || error.code === 'DEADLINE_EXCEEDED' || error.code === 'RESOURCE_EXHAUSTED')) return retry(error.message);
      throw error;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.subscription?.stop();
    if (this.ownsBus) await this.bus?.close();
    await this.vectors.close();
    await this.catalog.close();
    this.embedder.close();
  }
}

function catalogTopicSink(bus: EventBus, topic: typeof Topics.catalogChanges): CatalogChangeSink {
  return {
    upserted: (products) => bus.publish(topic, products.map((p) => ({ key: p.id, message: create(CatalogChangeSchema, { change: { case: 'upsert', value: p }, changedAt: timestampNow() }) }))),
    deleted: (ids) => bus.publish(topic, ids.map((id) => ({ key: id, message: create(CatalogChangeSchema, { change: { case: 'delete', value: { productId: id } }, changedAt: timestampNow() }) }))),
  };
}

/** The embedding service may start after this one: wait for it (up to a minute) before failing. */
async function waitForEmbedder(embedder: GrpcEmbedder, logger: Logger): Promise<{ dimension: number; version: string }> {
  const deadline = Date.now() + 60_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await embedder.describe();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`the embedding service did not answer GetModelInfo within 60 s: ${(error as Error).message}`);
      if (attempt === 1) logger.warn({ err: error }, 'waiting for the embedding service');
      await sleep(1_000);
    }
  }
}
