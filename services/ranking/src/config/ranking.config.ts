import { hostname } from 'node:os';
import { env, grpcClientConfigShape, grpcServerConfigShape, kafkaConfigShape, z } from '@shopsense/config';
import { Topics } from '@shopsense/events';
import { PRODUCT_TYPE_MIN_PROBABILITY } from '../domain/product-type';

/** Every variable the ranking service reads, validated at boot (see README, Configuration). */
export const rankingConfigSchema = z.object({
  ...grpcServerConfigShape,
  ...grpcClientConfigShape,

  // Upstream services (UPSTREAM_* transport settings apply to all of them).
  /** host:port of the retrieval service (Retrieve, SimilarItems, GetItemVectors, BatchGetProducts). */
  RETRIEVAL_ADDR: env.string(),
  /** host:port of the embedding service, for the query vector. Unset: retrieval embeds the query itself and query_item_cosine is 0. */
  EMBEDDING_ADDR: env.optionalString(),
  /** host:port of the query understanding service. Unset: the raw query is searched (reported as QUERY_UNDERSTANDING_UNAVAILABLE). */
  QUERY_UNDERSTANDING_ADDR: env.optionalString(),

  // Per-hop budgets (ms): each call gets the smaller of its budget and what is left of the caller's deadline.
  RANKING_QU_BUDGET_MS: env.int({ min: 1, max: 60_000, default: 150 }),
  RANKING_EMBEDDING_BUDGET_MS: env.int({ min: 1, max: 60_000, default: 300 }),
  RANKING_RETRIEVAL_BUDGET_MS: env.int({ min: 1, max: 60_000, default: 800 }),
  RANKING_CATALOG_BUDGET_MS: env.int({ min: 1, max: 60_000, default: 300 }),
  RANKING_USER_STATE_BUDGET_MS: env.int({ min: 1, max: 60_000, default: 100 }),
  /** Candidates retrieved and ranked per request (pages are cut from this list). */
  RANKING_CANDIDATES: env.int({ min: 10, max: 1_000, default: 200 }),
  /** Item vectors kept in memory (0: fetch every time); dropped when the embedding model changes. */
  RANKING_ITEM_VECTOR_CACHE_SIZE: env.int({ min: 0, max: 10_000_000, default: 100_000 }),
  /** Product records kept in memory (0: fetch every time), each for RANKING_PRODUCT_CACHE_TTL_MS. */
  RANKING_PRODUCT_CACHE_SIZE: env.int({ min: 0, max: 10_000_000, default: 50_000 }),
  /** How stale a cached product may be: price, stock and rule changes show after this. */
  RANKING_PRODUCT_CACHE_TTL_MS: env.int({ min: 0, max: 3_600_000, default: 10_000 }),

  // User state (written by feedback): Redis in cluster mode, in memory in standalone mode.
  USER_STATE_STORE: env.oneOf(['redis', 'memory'] as const, 'redis'),
  REDIS_URL: env.url(['redis', 'rediss']).optional(),
  /** The same key prefix feedback writes under (FEEDBACK_REDIS_KEY_PREFIX). */
  RANKING_REDIS_KEY_PREFIX: env.string('ss:'),
  /** Must equal feedback's FEEDBACK_PROFILE_SHARDS (profiles are found by shard). */
  RANKING_PROFILE_SHARDS: env.int({ min: 1, max: 1_048_576, default: 4096 }),
  /** The HMAC keys file feedback pseudonymises with (FEEDBACK_HMAC_KEYS_FILE): the same file. */
  RANKING_HMAC_KEYS_FILE: env.string(),
  /** How long the served features are kept for the training join (s); must exceed feedback's join window. */
  RANKING_SERVED_LIST_TTL_S: env.int({ min: 60, max: 7 * 86_400, default: 2 * 3600 }),

  // Training examples (shopsense.training.v1): `kafka` consumes them to update the online model.
  RANKING_EVENT_BUS: env.oneOf(['none', 'kafka'] as const, 'none'),
  ...kafkaConfigShape,
  KAFKA_BROKERS: kafkaConfigShape.KAFKA_BROKERS.optional(),
  KAFKA_CLIENT_ID: env.string('shopsense-ranking'),
  /** Every replica learns from every example, so each needs a group of its own. */
  RANKING_CONSUMER_GROUP: env.string(`shopsense-ranking-${hostname()}`),
  /** The topic feedback publishes training examples to (its FEEDBACK_TRAINING_TOPIC): the same name. */
  RANKING_TRAINING_TOPIC: env.string(Topics.trainingExamples.name),
  /** The compacted topic of MerchandisingService's rules (with RANKING_EVENT_BUS=kafka; otherwise they live in RANKING_DATA_DIR). */
  RANKING_MERCHANDISING_TOPIC: env.string(Topics.merchandisingRules.name),

  /** Every Nth training example is held out to gate promotions (never learned). */
  RANKING_HOLDOUT_EVERY: env.int({ min: 2, max: 1_000, default: 10 }),
  /** Examples learned between promotion attempts. */
  RANKING_PROMOTE_EVERY: env.int({ min: 1, max: 10_000_000, default: 5_000 }),
  /** Held-out examples kept for the gate (the most recent). */
  RANKING_HOLDOUT_SIZE: env.int({ min: 10, max: 1_000_000, default: 20_000 }),
  /** Different shoppers who must have clicked a result of a query before Suggest offers it to others. */
  RANKING_SUGGEST_MIN_USERS: env.int({ min: 1, max: 1_000, default: 3 }),
  /** Past queries Suggest may offer (the most clicked of the last 30 days); 0: none, the catalog's only. */
  RANKING_SUGGEST_PAST_QUERIES: env.int({ min: 0, max: 100_000, default: 1_000 }),
  /** Default MMR λ (1: no diversification); experiment variants may override it. */
  RANKING_DIVERSITY_LAMBDA: env.number({ min: 0, max: 1, default: 1 }),
  /** Least probability of a category to list its products first (domain/product-type.ts); 0: never. */
  RANKING_PRODUCT_TYPE_MIN_PROBABILITY: env.number({ min: 0, max: 1, default: PRODUCT_TYPE_MIN_PROBABILITY }),

  /** Folder of the model snapshots (and, without Kafka, of the merchandising rules). */
  RANKING_DATA_DIR: env.string(),
  /** Experiments (JSON, see domain/experiments.ts). Unset: no experiments. */
  RANKING_EXPERIMENTS_FILE: env.optionalString(),
  /** Business rules (JSON, see domain/business-rules.ts). Unset: none. */
  RANKING_BUSINESS_RULES_FILE: env.optionalString(),
  /**
   * HMAC secrets that sign page tokens, comma-separated, current first (retired ones still
   * accepted during a rotation), each at least 16 bytes. Unset: a random per-process secret, so
   * tokens only work against the replica that issued them (fine standalone, not behind a balancer).
   */
  RANKING_PAGE_TOKEN_SECRETS: env.list().optional(),
});

export type RankingConfig = z.output<typeof rankingConfigSchema>;

/** Rules across variables, checked at boot with the others. */
export function rankingConfigProblems(config: RankingConfig): { variable: string; problem: string }[] {
  const problems: { variable: string; problem: string }[] = [];
  if (config.USER_STATE_STORE === 'redis' && !config.REDIS_URL) problems.push({ variable: 'REDIS_URL', problem: 'is required when USER_STATE_STORE=redis' });
  if (config.RANKING_EVENT_BUS === 'kafka' && !config.KAFKA_BROKERS) problems.push({ variable: 'KAFKA_BROKERS', problem: 'is required when RANKING_EVENT_BUS=kafka' });
  if (config.RANKING_PAGE_TOKEN_SECRETS?.some((s) => Buffer.byteLength(s, 'utf8') < 16)) problems.push({ variable: 'RANKING_PAGE_TOKEN_SECRETS', problem: 'each secret must be at least 16 bytes' });
  return problems;
}
