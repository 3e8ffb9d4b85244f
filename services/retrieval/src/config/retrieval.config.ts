import { hostname } from 'node:os';
import { env, grpcClientConfigShape, grpcServerConfigShape, kafkaConfigShape, z } from '@shopsense/config';

/** Every variable the retrieval service reads, validated at boot (see README, Configuration). */
export const retrievalConfigSchema = z.object({
  ...grpcServerConfigShape,
  ...grpcClientConfigShape,
  /** host:port of the embedding service. */
  EMBEDDING_ADDR: env.string(),
  /** Folder of the catalog log and the embedded vector index. */
  RETRIEVAL_DATA_DIR: env.string(),
  RETRIEVAL_VECTOR_STORE: env.oneOf(['embedded', 'qdrant'] as const, 'embedded'),
  QDRANT_URL: env.optionalString(),
  QDRANT_API_KEY: env.optionalString(),
  QDRANT_COLLECTION: env.string('shopsense_products'),
  /** Qdrant searches and reads (the request path): past it the dense source is reported unavailable and the rest answers. */
  RETRIEVAL_QDRANT_TIMEOUT_MS: env.int({ min: 10, max: 600_000, default: 500 }),
  /** Qdrant writes and collection changes (upserts wait until applied). */
  RETRIEVAL_QDRANT_WRITE_TIMEOUT_MS: env.int({ min: 100, max: 600_000, default: 30_000 }),
  /** `kafka`: publish catalog changes to, and index them from, shopsense.catalog.v1. */
  RETRIEVAL_EVENT_BUS: env.oneOf(['none', 'kafka'] as const, 'none'),
  ...kafkaConfigShape,
  KAFKA_BROKERS: env.list().optional(),
  /** The catalog topic (override to run several catalogs, or tests, on one cluster). */
  RETRIEVAL_CATALOG_TOPIC: env.string('shopsense.catalog.v1'),
  /** Each replica indexes the whole catalog topic, so each needs a group of its own. */
  RETRIEVAL_CONSUMER_GROUP: env.string(`shopsense-retrieval-${hostname()}`),
  RETRIEVAL_FLUSH_INTERVAL_MS: env.int({ min: 100, max: 3_600_000, default: 10_000 }),
  RETRIEVAL_HNSW_M: env.int({ min: 4, max: 128, default: 16 }),
  RETRIEVAL_HNSW_EF_CONSTRUCTION: env.int({ min: 10, max: 2_000, default: 100 }),
  RETRIEVAL_HNSW_EF_SEARCH: env.int({ min: 10, max: 5_000, default: 96 }),
});

export type RetrievalConfig = z.output<typeof retrievalConfigSchema>;

/** Rules across variables, checked at boot with the others. */
export function retrievalConfigProblems(config: RetrievalConfig): { variable: string; problem: string }[] {
  const problems: { variable: string; problem: string }[] = [];
  if (config.RETRIEVAL_VECTOR_STORE === 'qdrant' && !config.QDRANT_URL) problems.push({ variable: 'QDRANT_URL', problem: 'is required when RETRIEVAL_VECTOR_STORE=qdrant' });
  if (config.RETRIEVAL_EVENT_BUS === 'kafka' && !config.KAFKA_BROKERS) problems.push({ variable: 'KAFKA_BROKERS', problem: 'is required when RETRIEVAL_EVENT_BUS=kafka' });
  // "__" separates the alias from the model version in its collections' names.
  if (config.QDRANT_COLLECTION.includes('__')) problems.push({ variable: 'QDRANT_COLLECTION', problem: `must not contain "__" (got '${config.QDRANT_COLLECTION}')` });
  return problems;
}
