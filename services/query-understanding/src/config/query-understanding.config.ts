import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, grpcServerConfigShape, kafkaConfigShape, z } from '@shopsense/config';
import { Topics } from '@shopsense/events';

/** Every variable the query understanding service reads, validated at boot (see README, Configuration). */
export const queryUnderstandingConfigSchema = z
  .object({
    ...grpcServerConfigShape,

    // Catalog source: the catalog topic, through Kafka (cluster) or an in-process bus.
    QU_EVENT_BUS: env.oneOf(['kafka', 'in-process'] as const, 'kafka'),
    ...kafkaConfigShape,
    /** Required when QU_EVENT_BUS=kafka (checked below). */
    KAFKA_BROKERS: kafkaConfigShape.KAFKA_BROKERS.optional(),
    KAFKA_CLIENT_ID: env.string('shopsense-query-understanding'),
    /** The catalog topic to follow (the one retrieval publishes to: RETRIEVAL_CATALOG_TOPIC). */
    QU_CATALOG_TOPIC: env.string(Topics.catalogChanges.name),
    /** Where an in-process bus writes records it could not process. */
    QU_EVENT_BUS_DEAD_LETTER_FILE: env.string(join(tmpdir(), 'shopsense-query-understanding.dead-letters.jsonl')),

    // The embedding service, for category prediction. Unset: no category prediction.
    EMBEDDING_ADDR: env.optionalString(),
    EMBEDDING_TLS_MODE: env.oneOf(['tls', 'mtls', 'insecure'] as const, 'tls'),
    EMBEDDING_TLS_CA_FILE: env.optionalString(),
    EMBEDDING_TLS_CERT_FILE: env.optionalString(),
    EMBEDDING_TLS_KEY_FILE: env.optionalString(),
    EMBEDDING_API_KEY: env.optionalString(),

    // Parsing.
    QU_MAX_QUERY_CHARS: env.int({ min: 1, max: 4096, default: 512 }),
    QU_SYNONYMS_FILE: env.optionalString(),
    QU_SYNONYMS_RELOAD_MS: env.int({ min: 0, max: 3_600_000, default: 30_000 }),
    QU_BUILTIN_SYNONYMS: env.bool(true),
    /** Chinese query words translated into the English the catalog uses (CC-CEDICT), or none. */
    QU_TRANSLATIONS: env.oneOf(['cc-cedict', 'none'] as const, 'cc-cedict'),
    QU_DICTIONARY_REBUILD_QUIET_MS: env.int({ min: 0, max: 600_000, default: 500 }),
    QU_DICTIONARY_REBUILD_MAX_DELAY_MS: env.int({ min: 0, max: 3_600_000, default: 5_000 }),

    // Category prediction.
    QU_CATEGORY_TIMEOUT_MS: env.int({ min: 1, max: 10_000, default: 150 }),
    /** Kept back from the caller's deadline: the category model gets at most what is left minus this. */
    QU_DEADLINE_RESERVE_MS: env.int({ min: 0, max: 10_000, default: 30 }),
    QU_CATEGORY_TOP_K: env.int({ min: 1, max: 20, default: 3 }),
    QU_CATEGORY_MAX_DEPTH: env.int({ min: 1, max: 10, default: 3 }),
    QU_CATEGORY_MIN_PRODUCTS: env.int({ min: 1, max: 100_000, default: 3 }),
    QU_CATEGORY_TRAINING_TIMEOUT_MS: env.int({ min: 1_000, max: 600_000, default: 60_000 }),
    /** Most catalog titles the category model embeds per training run (a larger catalog: an equal share per category). */
    QU_CATEGORY_MAX_TRAINING_TITLES: env.int({ min: 100, max: 10_000_000, default: 20_000 }),
    /** Keeps the catalog titles' embeddings between runs, so a restart embeds only new titles; unset: memory only. */
    QU_CATEGORY_CACHE_FILE: env.optionalString(),
  })
  .superRefine((config, context) => {
    const problem = (variable: string, message: string) => context.addIssue({ code: 'custom', path: [variable], message });
    if (config.QU_EVENT_BUS === 'kafka' && !config.KAFKA_BROKERS) problem('KAFKA_BROKERS', 'is required when QU_EVENT_BUS=kafka (or set QU_EVENT_BUS=in-process)');
    if (config.EMBEDDING_ADDR && config.EMBEDDING_TLS_MODE === 'mtls' && !(config.EMBEDDING_TLS_CERT_FILE && config.EMBEDDING_TLS_KEY_FILE)) {
      problem('EMBEDDING_TLS_CERT_FILE', 'and EMBEDDING_TLS_KEY_FILE are required when EMBEDDING_TLS_MODE=mtls');
    }
  });

export type QueryUnderstandingConfig = z.output<typeof queryUnderstandingConfigSchema>;
