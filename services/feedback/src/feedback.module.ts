import { Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import Redis from 'ioredis';
import { CollectorService } from '@shopsense/contracts';
import { InProcessEventBus, KafkaEventBus, Topics, type EventBus } from '@shopsense/events';
import type { Logger, ServiceMetrics } from '@shopsense/observability';
import { grpcClientOptionsFromConfig, GRPC_SERVICES, registration } from '@shopsense/service-runtime';
import { MemoryUserStateStore, Pseudonymizer, RecentKind, RedisUserStateStore, type StoreSettings, type UserStateStore } from '@shopsense/user-state';
import { CachedItemVectorSource } from './application/cached-item-vector-source';
import { CollectorApplicationService } from './application/collector.service';
import { EventIntake } from './application/event-intake.service';
import { FeedbackMetrics } from './application/feedback-metrics';
import { Housekeeping } from './application/housekeeping.service';
import { DEFAULT_VECTOR_DEADLINES, StateWriter } from './application/state-writer';
import { TrainingJoiner } from './application/training-joiner.service';
import type { FeedbackConfig } from './config/feedback.config';
import type { PlannerSettings } from './domain/batch-planner';
import type { ValidationLimits } from './domain/event-validation';
import { CollectorGrpcController } from './grpc/collector.grpc-controller';
import { BusDeadLetterSink } from './infrastructure/bus-dead-letter-sink';
import { GrpcItemVectorSource } from './infrastructure/grpc-item-vector-source';
import { readHmacKeyring } from './infrastructure/hmac-keys-file';
import { InProcessIntake } from './infrastructure/in-process-intake';
import { KafkaBatchIntake } from './infrastructure/kafka-batch-intake';

export function storeSettings(config: FeedbackConfig): StoreSettings {
  return {
    keyPrefix: config.FEEDBACK_REDIS_KEY_PREFIX,
    profileShards: config.FEEDBACK_PROFILE_SHARDS,
    dedupShards: config.FEEDBACK_DEDUP_SHARDS,
    dedupTtlSeconds: config.FEEDBACK_DEDUP_TTL_S,
    forgottenTtlSeconds: config.FEEDBACK_FORGOTTEN_TTL_S,
    itemWindowsTtlSeconds: 8 * 86_400,
    queryItemsMax: config.FEEDBACK_QUERY_ITEMS_MAX,
    queryItemsTtlSeconds: config.FEEDBACK_QUERY_ITEMS_TTL_S,
    cooccurrenceMax: config.FEEDBACK_COOCCURRENCE_MAX,
    cooccurrenceTtlSeconds: config.FEEDBACK_COOCCURRENCE_TTL_S,
    popularMax: config.FEEDBACK_POPULAR_MAX,
    // The join state outlives its window by an hour, a safety net for when no sweeper runs.
    joinTtlSeconds: config.FEEDBACK_TRAINING_JOIN_WINDOW_S + 3_600,
  };
}

export function plannerSettings(config: FeedbackConfig): PlannerSettings {
  return {
    sessionGapSeconds: config.FEEDBACK_SESSION_GAP_S,
    shortTerm: { halfLifeSeconds: config.FEEDBACK_SHORT_TERM_HALF_LIFE_S, maxWeight: config.FEEDBACK_SHORT_TERM_MAX_WEIGHT },
    longTerm: { halfLifeSeconds: config.FEEDBACK_LONG_TERM_HALF_LIFE_S, maxWeight: config.FEEDBACK_LONG_TERM_MAX_WEIGHT },
    recentBounds: {
      [RecentKind.View]: config.FEEDBACK_RECENT_VIEWS,
      [RecentKind.Click]: config.FEEDBACK_RECENT_CLICKS,
      [RecentKind.Cart]: config.FEEDBACK_RECENT_CARTS,
      [RecentKind.Purchase]: config.FEEDBACK_RECENT_PURCHASES,
    },
    seenMax: config.FEEDBACK_SEEN_ITEMS_MAX,
    joinWindowMs: config.FEEDBACK_TRAINING_JOIN_WINDOW_S * 1000,
  };
}

function inProcess(bus: EventBus): InProcessEventBus {
  if (!(bus instanceof InProcessEventBus)) throw new Error('FEEDBACK_EVENT_BUS=in-process needs the in-process bus (the event bus given to the service is another kind)');
  return bus;
}

/** Everything the service runs, wired from configuration (the adapters are chosen here). */
export interface FeedbackComponents {
  store: UserStateStore;
  bus: EventBus;
  collector: CollectorApplicationService;
  metrics: FeedbackMetrics;
  intake: KafkaBatchIntake | InProcessIntake;
  joiner: TrainingJoiner;
  housekeeping: Housekeeping;
  close(): Promise<void>;
}

/** Parts the caller provides instead of building them from configuration; the caller closes them. */
export interface FeedbackOverrides {
  /** The standalone runner's shared store: ranking reads what feedback writes. */
  userState?: UserStateStore;
  /** The standalone runner's shared in-process bus: ranking trains from its training examples. */
  eventBus?: EventBus;
}

export async function createFeedbackComponents(config: FeedbackConfig, runtime: { logger: Logger; metrics: ServiceMetrics }, overrides: FeedbackOverrides = {}): Promise<FeedbackComponents> {
  const { logger } = runtime;
  const metrics = new FeedbackMetrics(runtime.metrics.registry);
  const pseudonymizer = new Pseudonymizer(readHmacKeyring(config.FEEDBACK_HMAC_KEYS_FILE));
  const settings = storeSettings(config);
  const limits: ValidationLimits = { maxAgeSeconds: config.FEEDBACK_MAX_EVENT_AGE_S, maxFutureSkewSeconds: config.FEEDBACK_MAX_FUTURE_SKEW_S };
  const topics = {
    events: { ...Topics.behaviorEvents, name: config.FEEDBACK_EVENTS_TOPIC },
    training: { ...Topics.trainingExamples, name: config.FEEDBACK_TRAINING_TOPIC },
    forget: { ...Topics.usersForgotten, name: config.FEEDBACK_FORGET_TOPIC },
  };

  let redis: Redis | undefined;
  let store: UserStateStore;
  if (overrides.userState) {
    store = overrides.userState;
  } else if (config.FEEDBACK_STATE_STORE === 'redis') {
    redis = new Redis(config.REDIS_URL!, { lazyConnect: true, connectionName: 'shopsense-feedback' });
    await redis.connect();
    store = new RedisUserStateStore(redis, settings);
  } else {
    store = new MemoryUserStateStore(settings);
  }

  const kafkaBus =
    !overrides.eventBus && config.FEEDBACK_EVENT_BUS === 'kafka'
      ? new KafkaEventBus(
          {
            brokers: config.KAFKA_BROKERS!,
            clientId: config.KAFKA_CLIENT_ID,
            ssl: config.KAFKA_SSL,
            ...(config.KAFKA_SASL_MECHANISM ? { sasl: { mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME ?? '', password: config.KAFKA_SASL_PASSWORD ?? '' } } : {}),
          },
          logger,
        )
      : undefined;
  const bus: EventBus = overrides.eventBus ?? kafkaBus ?? new InProcessEventBus({ deadLetterFile: config.FEEDBACK_DEAD_LETTER_FILE!, logger });
  const deadLetters = new BusDeadLetterSink(bus, logger);

  const grpcSource = new GrpcItemVectorSource(config.RETRIEVAL_ADDR, grpcClientOptionsFromConfig(config, runtime.metrics));
  const vectorSource = new CachedItemVectorSource(grpcSource, config.FEEDBACK_ITEM_VECTOR_CACHE_SIZE);
  let lastVectorWarning = 0;
  const writer = new StateWriter(
    store,
    vectorSource,
    plannerSettings(config),
    metrics,
    (error) => {
      // At most one line a minute: a retrieval outage would otherwise log once per attempt.
      if (Date.now() - lastVectorWarning < 60_000) return;
      lastVectorWarning = Date.now();
      logger.warn({ err: (error as Error).message }, 'item vectors unavailable: batches wait for retrieval and are retried');
    },
    Date.now,
    { initialMs: config.UPSTREAM_TIMEOUT_MS, maxMs: DEFAULT_VECTOR_DEADLINES.maxMs },
  );
  const eventIntake = new EventIntake(pseudonymizer, writer, deadLetters, limits, settings.dedupShards, metrics, logger, kafkaBus ? 'kafka' : 'in-process');
  const collector = new CollectorApplicationService(bus, topics, store, pseudonymizer, deadLetters, limits, settings.dedupShards, metrics, logger, config.FEEDBACK_TRACK_PUBLISH_TIMEOUT_MS);
  const intake = kafkaBus
    ? new KafkaBatchIntake(
        kafkaBus.client,
        eventIntake,
        {
          topic: topics.events.name,
          groupId: config.FEEDBACK_CONSUMER_GROUP,
          chunkSize: config.FEEDBACK_BATCH_SIZE,
          partitionsConcurrently: config.FEEDBACK_PARTITIONS_CONCURRENTLY,
          sessionTimeoutMs: config.FEEDBACK_KAFKA_SESSION_TIMEOUT_MS,
          heartbeatIntervalMs: config.FEEDBACK_KAFKA_HEARTBEAT_INTERVAL_MS,
          rebalanceTimeoutMs: config.FEEDBACK_KAFKA_REBALANCE_TIMEOUT_MS,
          maxBytesPerPartition: config.FEEDBACK_KAFKA_MAX_BYTES_PER_PARTITION,
          stallTimeoutMs: config.FEEDBACK_KAFKA_STALL_TIMEOUT_MS,
        },
        metrics,
        logger,
      )
    : new InProcessIntake(inProcess(bus), topics.events.name, config.FEEDBACK_CONSUMER_GROUP, config.FEEDBACK_BATCH_SIZE, eventIntake, metrics);
  const joiner = new TrainingJoiner(store, bus, topics.training, { intervalMs: config.FEEDBACK_TRAINING_SWEEP_INTERVAL_MS, leaseMs: 60_000, batch: 200 }, metrics, logger);
  const housekeeping = new Housekeeping(
    store,
    { intervalMs: config.FEEDBACK_HOUSEKEEPING_INTERVAL_MS, retentionSeconds: config.FEEDBACK_PROFILE_RETENTION_S, shardsPerRun: Math.min(64, settings.profileShards) },
    metrics,
    logger,
  );

  return {
    store,
    bus,
    collector,
    metrics,
    intake,
    joiner,
    housekeeping,
    close: async () => {
      grpcSource.close();
      if (!overrides.eventBus) await bus.close();
      if (!overrides.userState) await store.close();
      await redis?.quit().catch(() => redis?.disconnect());
    },
  };
}

export const FEEDBACK_COMPONENTS = Symbol('FEEDBACK_COMPONENTS');

/**
 * Starts the background work once the module is up and stops it in order on shutdown: intake
 * first (its in-flight chunk finishes and commits, the rest stays uncommitted), then the sweepers,
 * then the connections.
 */
export class FeedbackLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly components: FeedbackComponents) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.components.intake.start();
    this.components.joiner.start();
    this.components.housekeeping.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.components.intake.stop();
    await this.components.joiner.stop();
    await this.components.housekeeping.stop();
    await this.components.close();
  }
}

/** Feedback: clickstream intake into user and item state, training examples, forget-a-user. */
@Module({})
export class FeedbackModule {
  static forRoot(config: FeedbackConfig, runtime: { logger: Logger; metrics: ServiceMetrics }, overrides: FeedbackOverrides = {}): DynamicModule {
    return {
      module: FeedbackModule,
      providers: [
        { provide: FEEDBACK_COMPONENTS, useFactory: () => createFeedbackComponents(config, runtime, overrides) },
        { provide: FeedbackLifecycle, useFactory: (components: FeedbackComponents) => new FeedbackLifecycle(components), inject: [FEEDBACK_COMPONENTS] },
        {
          provide: GRPC_SERVICES,
          useFactory: (components: FeedbackComponents) => [registration(CollectorService, new CollectorGrpcController(components.collector, components.metrics).implementation())],
          inject: [FEEDBACK_COMPONENTS],
        },
      ],
    };
  }
}
