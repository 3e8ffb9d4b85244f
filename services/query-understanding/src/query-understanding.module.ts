import { Module, type DynamicModule, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { QueryUnderstandingService } from '@shopsense/contracts';
import { Topics, type EventBus } from '@shopsense/events';
import { channelCredentials } from '@shopsense/grpc';
import type { Logger, ServiceMetrics } from '@shopsense/observability';
import { GRPC_SERVICES, registration } from '@shopsense/service-runtime';
import { CatalogSync } from './application/catalog-sync';
import { CategoryPredictor } from './application/category-predictor';
import { QueryDictionaryStore } from './application/query-dictionary-store';
import { QuerySuggestions } from './application/query-suggestions';
import { QueryUnderstandingApplicationService } from './application/query-understanding.service';
import { TEXT_EMBEDDER, type TextEmbedder } from './application/text-embedder.port';
import type { QueryUnderstandingConfig } from './config/query-understanding.config';
import { DEFAULT_SYNONYMS } from './domain/synonyms/default-synonyms';
import { parseSynonyms } from './domain/synonyms/synonym-rules';
import { TextAnalyzer } from './domain/text/text-analyzer';
import { QueryUnderstandingGrpcController } from './grpc/query-understanding.grpc-controller';
import { createEventBus } from './infrastructure/event-bus.factory';
import { GrpcTextEmbedder } from './infrastructure/grpc-text-embedder';
import { JiebaSegmenter } from './infrastructure/jieba-segmenter';
import { PinyinProReader } from './infrastructure/pinyin-pro-reader';
import { SynonymsFile } from './infrastructure/synonyms-file';
import { loadCcCedict } from './infrastructure/cc-cedict-lexicon';
import type { TranslationEntry } from './domain/dictionaries/translations';

/** What a caller may provide instead of what the configuration would build. */
export interface QueryUnderstandingOverrides {
  /** The bus to follow the catalog on: standalone mode shares one in-process bus across services. */
  eventBus?: EventBus;
  /** The embedder of the category model, instead of the embedding service at EMBEDDING_ADDR. */
  embedder?: TextEmbedder;
}

const EVENT_BUS = Symbol('EVENT_BUS');
const SYNONYMS_FILE = Symbol('QU_SYNONYMS_FILE');
const TEXT_ANALYZER = Symbol('TEXT_ANALYZER');

/**
 * Starts and stops what runs in the background: the synonyms file watch, the catalog
 * subscription (dictionaries rebuild as changes arrive), and category model training after
 * each rebuild. No I/O happens before onModuleInit.
 */
export class QueryUnderstandingLifecycle implements OnModuleInit, OnModuleDestroy {
  /** Settles (never rejects) once the translations are read, or failed to be. */
  private translationsLoaded: Promise<void> = Promise.resolve();
  private readonly closing = new AbortController();

  constructor(
    private readonly parts: {
      config: QueryUnderstandingConfig;
      logger: Logger;
      store: QueryDictionaryStore;
      suggestions: QuerySuggestions;
      sync: CatalogSync;
      predictor: CategoryPredictor | undefined;
      embedder: TextEmbedder | undefined;
      synonymsFile: SynonymsFile | undefined;
      /** Filled at start when QU_TRANSLATIONS names a dictionary; the store reads it at every build. */
      translations: { entries: readonly TranslationEntry[] };
      bus: EventBus;
      ownsBus: boolean;
      ownsEmbedder: boolean;
    },
  ) {}

  async onModuleInit(): Promise<void> {
    const { config, logger, store, suggestions, sync, predictor, synonymsFile, translations } = this.parts;
    if (config.QU_TRANSLATIONS === 'cc-cedict') {
      // Read while the catalog is replayed (a worker thread); the dictionaries are rebuilt with
      // the translations once they are in, and catalogSettled waits for that.
      const started = performance.now();
      this.translationsLoaded = loadCcCedict(this.closing.signal).then(
        (entries) => {
          translations.entries = entries;
          logger.info({ words: entries.length, ms: Math.round(performance.now() - started) }, 'CC-CEDICT loaded for query translations');
          store.synonymsChanged();
        },
        (error: unknown) => {
          if (!this.closing.signal.aborted) logger.warn({ err: error }, 'CC-CEDICT cannot be read: Chinese queries are not translated (QU_TRANSLATIONS=none silences this)');
        },
      );
    }
    if (synonymsFile) {
      synonymsFile.load();
      if (config.QU_SYNONYMS_RELOAD_MS > 0) synonymsFile.watch(config.QU_SYNONYMS_RELOAD_MS, () => store.synonymsChanged());
      store.synonymsChanged();
    }
    store.onRebuilt((_dictionaries, products) => void suggestions.rebuild(products));
    if (predictor) {
      await predictor.loadCache();
      store.onRebuilt((_dictionaries, products) => void predictor.retrain(products));
    }
    await sync.start();
  }

  /**
   * Resolves true once the dictionaries, the suggestion index and the category model are built
   * from a catalog of at least `products` products, false if that takes longer than `timeoutMs`. Standalone says READY
   * only then: a category model trained on part of a catalog (the changes arrive over the bus
   * while it is indexed or replayed) sends queries to the wrong product type with confidence.
   */
  async catalogSettled(products: number, timeoutMs: number): Promise<boolean> {
    const { store, suggestions, predictor } = this.parts;
    const giveUpAt = Date.now() + timeoutMs;
    if (!(await pollUntil(() => store.snapshot.size >= products, giveUpAt))) return false;
    if ((await Promise.race([this.translationsLoaded.then(() => 'loaded' as const), delay(Math.max(0, giveUpAt - Date.now()))])) !== 'loaded') return false;
    await store.flush();
    if (!(await pollUntil(() => suggestions.products >= products, giveUpAt))) return false;
    const idle = predictor?.whenIdle() ?? Promise.resolve();
    return (await Promise.race([idle.then(() => 'idle' as const), delay(Math.max(0, giveUpAt - Date.now()))])) !== 'late';
  }

  async onModuleDestroy(): Promise<void> {
    const { store, suggestions, sync, predictor, embedder, synonymsFile, bus, ownsBus, ownsEmbedder } = this.parts;
    this.closing.abort();
    await sync.stop();
    store.close();
    suggestions.close();
    predictor?.close();
    synonymsFile?.close();
    if (ownsEmbedder) embedder?.close();
    if (ownsBus) await bus.close();
  }
}

/** Resolves 'late' after `ms` (the timer does not hold the process open). */
function delay(ms: number): Promise<'late'> {
  return new Promise((resolve) => setTimeout(() => resolve('late'), ms).unref());
}

/** Whether `done` came true (checked every 50 ms) before `giveUpAt`. */
async function pollUntil(done: () => boolean, giveUpAt: number): Promise<boolean> {
  while (!done()) {
    if (Date.now() >= giveUpAt) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

function registerMetrics(metrics: ServiceMetrics, store: QueryDictionaryStore, suggestions: QuerySuggestions, predictor: CategoryPredictor | undefined): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [metrics.registry], collect() { this.set(read()); } });
  gauge('qu_catalog_products', 'Products in the catalog snapshot the dictionaries are built from.', () => store.snapshot.size);
  gauge('qu_dictionary_version', 'Version of the query dictionaries in use (increases with every rebuild).', () => store.dictionaryVersion);
  gauge('qu_suggestion_phrases', 'Phrases the suggestion index completes to (rebuilt with the dictionaries).', () => suggestions.phrases);
  gauge('qu_category_model_categories', 'Categories of the category model in use; 0 while there is none.', () => predictor?.model?.size ?? 0);
}

/** Query understanding: raw English/Chinese queries into structured ParsedQuery messages. */
@Module({})
export class QueryUnderstandingModule {
  static forRoot(config: QueryUnderstandingConfig, runtime: { logger: Logger; metrics: ServiceMetrics }, overrides: QueryUnderstandingOverrides = {}): DynamicModule {
    const { logger, metrics } = runtime;
    const translations: { entries: readonly TranslationEntry[] } = { entries: [] };
    return {
      module: QueryUnderstandingModule,
      providers: [
        { provide: EVENT_BUS, useFactory: () => overrides.eventBus ?? createEventBus(config, logger) },
        {
          provide: TEXT_EMBEDDER,
          useFactory: (): TextEmbedder | undefined => {
            if (overrides.embedder) return overrides.embedder;
            if (!config.EMBEDDING_ADDR) {
              logger.info('EMBEDDING_ADDR is not set: no category prediction');
              return undefined;
            }
            const credentials = channelCredentials({
              mode: config.EMBEDDING_TLS_MODE,
              caFile: config.EMBEDDING_TLS_CA_FILE,
              certFile: config.EMBEDDING_TLS_CERT_FILE,
              keyFile: config.EMBEDDING_TLS_KEY_FILE,
            });
            return new GrpcTextEmbedder({ address: config.EMBEDDING_ADDR, credentials, apiKey: config.EMBEDDING_API_KEY, metrics });
          },
        },
        { provide: SYNONYMS_FILE, useFactory: () => (config.QU_SYNONYMS_FILE ? new SynonymsFile(config.QU_SYNONYMS_FILE, logger) : undefined) },
        // One analyzer for dictionaries and suggestions: the catalog words its segmenter learns serve both.
        { provide: TEXT_ANALYZER, useFactory: () => new TextAnalyzer(new JiebaSegmenter()) },
        { provide: QuerySuggestions, useFactory: (analyzer: TextAnalyzer) => new QuerySuggestions(analyzer, new PinyinProReader(), logger), inject: [TEXT_ANALYZER] },
        {
          provide: QueryDictionaryStore,
          useFactory: (synonymsFile: SynonymsFile | undefined, analyzer: TextAnalyzer) => {
            const builtIn = config.QU_BUILTIN_SYNONYMS ? parseSynonyms(DEFAULT_SYNONYMS).rules : [];
            return new QueryDictionaryStore(
              analyzer,
              () => [...builtIn, ...(synonymsFile?.rules ?? [])],
              { quietMs: config.QU_DICTIONARY_REBUILD_QUIET_MS, maxDelayMs: config.QU_DICTIONARY_REBUILD_MAX_DELAY_MS },
              logger,
              () => translations.entries,
            );
          },
          inject: [SYNONYMS_FILE, TEXT_ANALYZER],
        },
        {
          provide: CategoryPredictor,
          useFactory: (embedder: TextEmbedder | undefined) =>
            embedder &&
            new CategoryPredictor(
              embedder,
              {
                topK: config.QU_CATEGORY_TOP_K,
                maxDepth: config.QU_CATEGORY_MAX_DEPTH,
                minProducts: config.QU_CATEGORY_MIN_PRODUCTS,
                trainingCallTimeoutMs: config.QU_CATEGORY_TRAINING_TIMEOUT_MS,
                trainingBatchSize: 64,
                maxCalibrationSamples: 500,
                maxTrainingTitles: config.QU_CATEGORY_MAX_TRAINING_TITLES,
                retryDelayMs: 10_000,
                cacheFile: config.QU_CATEGORY_CACHE_FILE,
              },
              logger,
            ),
          inject: [TEXT_EMBEDDER],
        },
        {
          provide: QueryUnderstandingApplicationService,
          useFactory: (store: QueryDictionaryStore, suggestions: QuerySuggestions, predictor: CategoryPredictor | undefined) => {
            registerMetrics(metrics, store, suggestions, predictor);
            return new QueryUnderstandingApplicationService(
              store,
              predictor,
              { maxQueryChars: config.QU_MAX_QUERY_CHARS, categoryTimeoutMs: config.QU_CATEGORY_TIMEOUT_MS, deadlineReserveMs: config.QU_DEADLINE_RESERVE_MS, categoryTopK: config.QU_CATEGORY_TOP_K },
              logger,
              (reason) => metrics.degradedResponses.inc({ reason }),
            );
          },
          inject: [QueryDictionaryStore, QuerySuggestions, CategoryPredictor],
        },
        {
          provide: CatalogSync,
          useFactory: (bus: EventBus, store: QueryDictionaryStore) => new CatalogSync(bus, { ...Topics.catalogChanges, name: config.QU_CATALOG_TOPIC }, store, logger),
          inject: [EVENT_BUS, QueryDictionaryStore],
        },
        {
          provide: QueryUnderstandingLifecycle,
          useFactory: (store: QueryDictionaryStore, suggestions: QuerySuggestions, sync: CatalogSync, predictor: CategoryPredictor | undefined, embedder: TextEmbedder | undefined, synonymsFile: SynonymsFile | undefined, bus: EventBus) =>
            new QueryUnderstandingLifecycle({ config, logger, store, suggestions, sync, predictor, embedder, synonymsFile, translations, bus, ownsBus: !overrides.eventBus, ownsEmbedder: !overrides.embedder }),
          inject: [QueryDictionaryStore, QuerySuggestions, CatalogSync, CategoryPredictor, TEXT_EMBEDDER, SYNONYMS_FILE, EVENT_BUS],
        },
        {
          provide: GRPC_SERVICES,
          useFactory: (service: QueryUnderstandingApplicationService, suggestions: QuerySuggestions) => [registration(QueryUnderstandingService, new QueryUnderstandingGrpcController(service, suggestions).implementation())],
          inject: [QueryUnderstandingApplicationService, QuerySuggestions],
        },
      ],
    };
  }
}
