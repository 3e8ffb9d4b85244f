import { env, grpcClientConfigShape, grpcServerConfigShape, kafkaConfigShape, z } from '@shopsense/config';
import { Topics } from '@shopsense/events';

const DAY = 86_400;

/**
 * Every variable the feedback service reads, validated at boot (see README, Configuration).
 * Cluster adapters (Kafka, Redis) are the default; standalone mode sets FEEDBACK_EVENT_BUS=in-process
 * and FEEDBACK_STATE_STORE=memory. Variables an adapter needs are required only with that adapter.
 */
export const feedbackConfigSchema = z
  .object({
    ...grpcServerConfigShape,
    ...kafkaConfigShape,
    KAFKA_BROKERS: kafkaConfigShape.KAFKA_BROKERS.optional(),
    REDIS_URL: env.url(['redis', 'rediss']).optional(),

    FEEDBACK_EVENT_BUS: env.oneOf(['kafka', 'in-process'] as const, 'kafka'),
    FEEDBACK_STATE_STORE: env.oneOf(['redis', 'memory'] as const, 'redis'),
    /** JSONL file of dead letters with FEEDBACK_EVENT_BUS=in-process. */
    FEEDBACK_DEAD_LETTER_FILE: env.optionalString(),
    /** JSON secret: {"current":"k1","keys":{"k1":"<base64 of ≥ 32 random bytes>"}}. */
    FEEDBACK_HMAC_KEYS_FILE: env.string(),

    ...grpcClientConfigShape,
    /** host:port of the retrieval service (GetItemVectors); UPSTREAM_* say how to call it. */
    RETRIEVAL_ADDR: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port'),

    FEEDBACK_EVENTS_TOPIC: env.string(Topics.behaviorEvents.name),
    FEEDBACK_TRAINING_TOPIC: env.string(Topics.trainingExamples.name),
    FEEDBACK_FORGET_TOPIC: env.string(Topics.usersForgotten.name),
    FEEDBACK_CONSUMER_GROUP: env.string('shopsense-feedback'),
    /** The longest Track waits for the bus to take its events before answering UNAVAILABLE. */
    FEEDBACK_TRACK_PUBLISH_TIMEOUT_MS: env.int({ min: 100, max: 120_000, default: 5_000 }),
    FEEDBACK_BATCH_SIZE: env.int({ min: 1, max: 5_000, default: 1_000 }),
    FEEDBACK_PARTITIONS_CONCURRENTLY: env.int({ min: 1, max: 64, default: 6 }),
    FEEDBACK_KAFKA_SESSION_TIMEOUT_MS: env.int({ min: 6_000, max: 300_000, default: 30_000 }),
    FEEDBACK_KAFKA_HEARTBEAT_INTERVAL_MS: env.int({ min: 100, max: 60_000, default: 3_000 }),
    FEEDBACK_KAFKA_REBALANCE_TIMEOUT_MS: env.int({ min: 1_000, max: 600_000, default: 60_000 }),
    FEEDBACK_KAFKA_MAX_BYTES_PER_PARTITION: env.int({ min: 65_536, max: 64 * 1024 * 1024, default: 1024 * 1024 }),
    /** A consumer that has not fetched, heartbeated or finished a batch for this long is replaced. */
    FEEDBACK_KAFKA_STALL_TIMEOUT_MS: env.int({ min: 5_000, max: 3_600_000, default: 120_000 }),

    FEEDBACK_REDIS_KEY_PREFIX: env.string('ss:'),
    FEEDBACK_PROFILE_SHARDS: env.int({ min: 1, max: 1_048_576, default: 4096 }),
    FEEDBACK_DEDUP_SHARDS: env.int({ min: 1, max: 1_048_576, default: 64 }),
    FEEDBACK_DEDUP_TTL_S: env.int({ min: 3600, max: 365 * DAY, default: 7 * DAY }),
    FEEDBACK_MAX_EVENT_AGE_S: env.int({ min: 60, max: 365 * DAY, default: 7 * DAY }),
    FEEDBACK_MAX_FUTURE_SKEW_S: env.int({ min: 0, max: DAY, default: 300 }),
    FEEDBACK_SESSION_GAP_S: env.int({ min: 60, max: DAY, default: 1800 }),
    /** Items each profile remembers as engaged with, for exclude_seen (4 bytes each); the least recently touched go first. */
    FEEDBACK_SEEN_ITEMS_MAX: env.int({ min: 0, max: 4_096, default: 300 }),
    FEEDBACK_SHORT_TERM_HALF_LIFE_S: env.int({ min: 1, max: 30 * DAY, default: 900 }),
    FEEDBACK_SHORT_TERM_MAX_WEIGHT: env.number({ min: 1, max: 1e6, default: 8 }),
    FEEDBACK_LONG_TERM_HALF_LIFE_S: env.int({ min: 60, max: 3650 * DAY, default: 14 * DAY }),
    FEEDBACK_LONG_TERM_MAX_WEIGHT: env.number({ min: 1, max: 1e9, default: 200 }),
    FEEDBACK_RECENT_VIEWS: env.int({ min: 0, max: 30, default: 5 }),
    FEEDBACK_RECENT_CLICKS: env.int({ min: 0, max: 30, default: 5 }),
    FEEDBACK_RECENT_CARTS: env.int({ min: 0, max: 30, default: 3 }),
    FEEDBACK_RECENT_PURCHASES: env.int({ min: 0, max: 30, default: 3 }),
    FEEDBACK_PROFILE_RETENTION_S: env.int({ min: DAY, max: 3650 * DAY, default: 90 * DAY }),
    FEEDBACK_FORGOTTEN_TTL_S: env.int({ min: 0, max: 36_500 * DAY, default: 0 }),
    FEEDBACK_COOCCURRENCE_MAX: env.int({ min: 1, max: 1_000, default: 50 }),
    FEEDBACK_COOCCURRENCE_TTL_S: env.int({ min: 3600, max: 3650 * DAY, default: 90 * DAY }),
    /** Items kept per day in the popularity (trending) sets that Recommend reads for cold users and as a fallback. */
    FEEDBACK_POPULAR_MAX: env.int({ min: 10, max: 100_000, default: 500 }),
    FEEDBACK_QUERY_ITEMS_MAX: env.int({ min: 1, max: 1_000, default: 100 }),
    FEEDBACK_QUERY_ITEMS_TTL_S: env.int({ min: 3600, max: 3650 * DAY, default: 30 * DAY }),
    FEEDBACK_ITEM_VECTOR_CACHE_SIZE: env.int({ min: 0, max: 10_000_000, default: 100_000 }),

    FEEDBACK_TRAINING_JOIN_WINDOW_S: env.int({ min: 1, max: 7 * DAY, default: 1800 }),
    FEEDBACK_TRAINING_SWEEP_INTERVAL_MS: env.int({ min: 100, max: 3_600_000, default: 5_000 }),
    FEEDBACK_HOUSEKEEPING_INTERVAL_MS: env.int({ min: 1_000, max: 86_400_000, default: 60_000 }),
  })
  .superRefine((c, ctx) => {
    const need = (ok: boolean, variable: string, message: string) => {
      if (!ok) ctx.addIssue({ code: 'custom', path: [variable], message });
    };
    need(c.FEEDBACK_EVENT_BUS !== 'kafka' || (c.KAFKA_BROKERS?.length ?? 0) > 0, 'KAFKA_BROKERS', 'is required when FEEDBACK_EVENT_BUS=kafka');
    need(c.FEEDBACK_STATE_STORE !== 'redis' || c.REDIS_URL !== undefined, 'REDIS_URL', 'is required when FEEDBACK_STATE_STORE=redis');
    need(c.FEEDBACK_EVENT_BUS !== 'in-process' || c.FEEDBACK_DEAD_LETTER_FILE !== undefined, 'FEEDBACK_DEAD_LETTER_FILE', 'is required when FEEDBACK_EVENT_BUS=in-process');
    need(
      c.FEEDBACK_KAFKA_STALL_TIMEOUT_MS > c.FEEDBACK_KAFKA_REBALANCE_TIMEOUT_MS,
      'FEEDBACK_KAFKA_STALL_TIMEOUT_MS',
      'must exceed FEEDBACK_KAFKA_REBALANCE_TIMEOUT_MS (a consumer joining its group is silent for up to that long)',
    );
    need(c.FEEDBACK_MAX_EVENT_AGE_S <= c.FEEDBACK_DEDUP_TTL_S, 'FEEDBACK_MAX_EVENT_AGE_S', 'must not exceed FEEDBACK_DEDUP_TTL_S (an older event could outlive its dedup record)');
    need(c.FEEDBACK_RECENT_VIEWS + c.FEEDBACK_RECENT_CLICKS + c.FEEDBACK_RECENT_CARTS + c.FEEDBACK_RECENT_PURCHASES <= 63, 'FEEDBACK_RECENT_VIEWS', 'the four FEEDBACK_RECENT_* bounds must add up to at most 63');
  });

export type FeedbackConfig = z.output<typeof feedbackConfigSchema>;
