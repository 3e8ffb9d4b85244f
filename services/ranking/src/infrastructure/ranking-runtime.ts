import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '@shopsense/errors';
import { done, KafkaEventBus, retry, Topics, type EventBus, type Subscription } from '@shopsense/events';
import type { Logger, ServiceMetrics } from '@shopsense/observability';
import { grpcClientOptionsFromConfig } from '@shopsense/service-runtime';
import { DEFAULT_STORE_SETTINGS, MemoryUserStateStore, parseHmacKeyring, Pseudonymizer, RedisUserStateStore, type UserStateStore } from '@shopsense/user-state';
import Redis from 'ioredis';
import { MerchandisingRules } from '../application/merchandising-rules';
import { OnlineTrainer } from '../application/online-trainer';
import { PastQuerySuggestions } from '../application/past-query-suggestions';
import { SearchAnalytics } from '../application/search-analytics';
import { RankingApplicationService } from '../application/ranking.service';
import type { RankingConfig } from '../config/ranking.config';
import { NO_BUSINESS_RULES, parseBusinessRules, parseExperiments, FEATURE_NAMES, type BusinessRules, type ExperimentsConfig } from '../domain';
import { FileRuleChangeLog } from './file-rule-change-log';
import { GrpcQueryEmbedder, GrpcQueryUnderstander, GrpcRetrieval } from './grpc-upstreams';
import { ModelRegistry } from './model-registry';
import { TopicRuleChangeLog } from './topic-rule-change-log';

async function readJsonFile(file: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the ${what} file ${file}: ${(error as Error).message}`);
  }
}

/** Everything the ranking service runs on, built once at start and closed on shutdown. */
export class RankingRuntime {
  private subscription?: Subscription;
  private analyticsSubscription?: Subscription;
  trainer?: OnlineTrainer;

  private constructor(
    readonly ranking: RankingApplicationService,
    readonly merchandising: MerchandisingRules,
    readonly analytics: SearchAnalytics,
    readonly experiments: ExperimentsConfig,
    readonly models: ModelRegistry,
    private readonly closers: (() => unknown)[],
  ) {}

  static async start(config: RankingConfig, runtime: { logger: Logger; metrics: ServiceMetrics }, options: { eventBus?: EventBus; userState?: UserStateStore } = {}): Promise<RankingRuntime> {
    const { logger, metrics } = runtime;
    const closers: (() => unknown)[] = [];
    // Configuration files first: a bad file fails the start, naming the file and the problem.
    const pseudonymizer = new Pseudonymizer(parseHmacKeyring(await readFile(config.RANKING_HMAC_KEYS_FILE, 'utf8').catch((e: Error) => Promise.reject(new Error(`cannot read RANKING_HMAC_KEYS_FILE: ${e.message}`)))));
    const experiments: ExperimentsConfig = config.RANKING_EXPERIMENTS_FILE ? parseExperiments(await readJsonFile(config.RANKING_EXPERIMENTS_FILE, 'experiments'), { knownFeatures: FEATURE_NAMES }) : { experiments: [] };
    const rules: BusinessRules = config.RANKING_BUSINESS_RULES_FILE ? parseBusinessRules(await readJsonFile(config.RANKING_BUSINESS_RULES_FILE, 'business rules')) : NO_BUSINESS_RULES;
    const pageTokenKeys = config.RANKING_PAGE_TOKEN_SECRETS ?? [randomBytes(32)];
    if (!config.RANKING_PAGE_TOKEN_SECRETS) logger.warn('RANKING_PAGE_TOKEN_SECRETS is not set: page tokens are signed with a per-process secret and only work against this replica');

    const models = await ModelRegistry.open(config.RANKING_DATA_DIR);
    logger.info({ modelVersion: models.current().version }, 'ranking model loaded');
    // Variants that pin a model version score with that snapshot: load them now, fail loudly if absent.
    const pinned = new Set(experiments.experiments.flatMap((e) => e.variants.flatMap((v) => (v.params.modelVersion ? [v.params.modelVersion] : []))));
    for (const version of pinned) {
      if (!(await models.preload(version))) throw new Error(`RANKING_EXPERIMENTS_FILE pins model version ${version}, which is not in ${join(config.RANKING_DATA_DIR, 'models')}`);
    }

    let state: UserStateStore;
    const settings = { ...DEFAULT_STORE_SETTINGS, keyPrefix: config.RANKING_REDIS_KEY_PREFIX, profileShards: config.RANKING_PROFILE_SHARDS };
    if (options.userState) state = options.userState;
    else if (config.USER_STATE_STORE === 'redis') {
      const redis = new Redis(config.REDIS_URL!, { lazyConnect: true, connectionName: 'shopsense-ranking', maxRetriesPerRequest: 1, enableOfflineQueue: false });
      await redis.connect();
      state = new RedisUserStateStore(redis, settings, { ownsConnection: true });
      closers.push(() => state.close());
    } else {
      state = new MemoryUserStateStore(settings);
      closers.push(() => state.close());
    }

    const clientOptions = grpcClientOptionsFromConfig(config, metrics);
    const retrieval = new GrpcRetrieval(config.RETRIEVAL_ADDR, clientOptions, {
      itemVectors: config.RANKING_ITEM_VECTOR_CACHE_SIZE,
      products: config.RANKING_PRODUCT_CACHE_SIZE,
      productTtlMs: config.RANKING_PRODUCT_CACHE_TTL_MS,
    });
    closers.push(() => retrieval.close());
    const understander = config.QUERY_UNDERSTANDING_ADDR ? new GrpcQueryUnderstander(config.QUERY_UNDERSTANDING_ADDR, clientOptions) : undefined;
    if (understander) closers.push(() => understander.close());
    const embedder = config.EMBEDDING_ADDR ? new GrpcQueryEmbedder(config.EMBEDDING_ADDR, clientOptions) : undefined;
    if (embedder) closers.push(() => embedder.close());

    const bus =
      options.eventBus ??
      (config.RANKING_EVENT_BUS === 'kafka'
        ? new KafkaEventBus({ brokers: config.KAFKA_BROKERS!, clientId: config.KAFKA_CLIENT_ID, ssl: config.KAFKA_SSL, ...(config.KAFKA_SASL_MECHANISM ? { sasl: { mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME ?? '', password: config.KAFKA_SASL_PASSWORD ?? '' } } : {}) }, logger)
        : undefined);
    if (bus && !options.eventBus) closers.push(() => bus.close());

    // Merchandising rules: every replica follows the topic with Kafka; otherwise one file.
    const ruleLog =
      config.RANKING_EVENT_BUS === 'kafka' && bus
        ? new TopicRuleChangeLog(bus, { ...Topics.merchandisingRules, name: config.RANKING_MERCHANDISING_TOPIC }, logger)
        : new FileRuleChangeLog(join(config.RANKING_DATA_DIR, 'merchandising-rules.json'));
    const merchandising = new MerchandisingRules(ruleLog, rules, logger);
    await merchandising.start();
    closers.push(() => merchandising.close());

    // Analytics read the counts every replica writes, and the examples this process learns from.
    const analytics = new SearchAnalytics(state, config.RANKING_SUGGEST_MIN_USERS);
    const pastQueries =
      config.RANKING_SUGGEST_PAST_QUERIES > 0
        ? new PastQuerySuggestions(analytics, retrieval, { days: 30, maxQueries: config.RANKING_SUGGEST_PAST_QUERIES, refreshMs: 60_000, checkBudgetMs: config.RANKING_RETRIEVAL_BUDGET_MS }, logger)
        : undefined;

    const ranking = new RankingApplicationService({
      ...(understander ? { understander } : {}),
      ...(embedder ? { embedder } : {}),
      candidates: retrieval,
      catalog: retrieval,
      state,
      pseudonymizer,
      models,
      experiments: () => experiments,
      rules: () => merchandising.businessRules(),
      ...(pastQueries ? { pastQueries } : {}),
      settings: {
        budgets: {
          queryUnderstanding: config.RANKING_QU_BUDGET_MS,
          embedding: config.RANKING_EMBEDDING_BUDGET_MS,
          retrieval: config.RANKING_RETRIEVAL_BUDGET_MS,
          catalog: config.RANKING_CATALOG_BUDGET_MS,
          userState: config.RANKING_USER_STATE_BUDGET_MS,
        },
        candidates: config.RANKING_CANDIDATES,
        servedListTtlSeconds: config.RANKING_SERVED_LIST_TTL_S,
        diversityLambda: config.RANKING_DIVERSITY_LAMBDA,
        productTypeMinProbability: config.RANKING_PRODUCT_TYPE_MIN_PROBABILITY,
        pageTokenKeys,
      },
      logger,
      metrics,
    });
    const self = new RankingRuntime(ranking, merchandising, analytics, experiments, models, closers);

    if (bus) {
      const trainer = new OnlineTrainer(models, { holdoutEvery: config.RANKING_HOLDOUT_EVERY, promoteEvery: config.RANKING_PROMOTE_EVERY, holdoutSize: config.RANKING_HOLDOUT_SIZE }, logger);
      self.trainer = trainer;
      self.subscription = await bus.subscribe({ ...Topics.trainingExamples, name: config.RANKING_TRAINING_TOPIC }, {
        groupId: config.RANKING_CONSUMER_GROUP,
        handler: async (example) => {
          try {
            await trainer.handle(example);
            return done;
          } catch (error) {
            // A snapshot write that failed (disk): retry; anything else is a bug, let the bus retry then dead-letter.
            if (error instanceof AppError) throw error;
            if ((error as NodeJS.ErrnoException).code) return retry((error as Error).message);
            throw error;
          }
        },
      });
      // Analytics read the whole topic at every start, under a group of their own: their counts
      // live in memory, and the trainer's group resumes where it stopped (it must not relearn).
      const analyticsGroup = `ranking-analytics.${hostname()}.${randomUUID()}`;
      self.analyticsSubscription = await bus.subscribe({ ...Topics.trainingExamples, name: config.RANKING_TRAINING_TOPIC }, {
        groupId: analyticsGroup,
        fromBeginning: true,
        handler: async (example) => {
          analytics.record(example);
          return done;
        },
      });
    }
    logger.info({ dataDir: join(config.RANKING_DATA_DIR, 'models'), experiments: experiments.experiments.length, userState: options.userState ? 'injected' : config.USER_STATE_STORE }, 'ranking runtime started');
    return self;
  }

  async close(): Promise<void> {
    await this.subscription?.stop();
    await this.analyticsSubscription?.stop();
    for (const close of this.closers.reverse()) {
      try {
        await close();
      } catch {
        // Closing is best effort: the process is stopping.
      }
    }
  }
}
