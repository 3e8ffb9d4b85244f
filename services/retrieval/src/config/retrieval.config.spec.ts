import { loadConfig } from '@shopsense/config';
import { retrievalConfigProblems, retrievalConfigSchema } from './retrieval.config';

const BASE = { GRPC_PORT: '0', GRPC_TLS_MODE: 'insecure', GRPC_AUTH_MODE: 'none', UPSTREAM_TLS_MODE: 'insecure', EMBEDDING_ADDR: 'embedding:50051', RETRIEVAL_DATA_DIR: '/data' };
const problems = (env: NodeJS.ProcessEnv) => retrievalConfigProblems(loadConfig(retrievalConfigSchema, { ...BASE, ...env })).map((p) => `${p.variable}: ${p.problem}`);

describe('retrieval configuration across variables', () => {
  it('needs a Qdrant URL for the Qdrant store and brokers for the Kafka bus', () => {
    expect(problems({})).toEqual([]);
    expect(problems({ RETRIEVAL_VECTOR_STORE: 'qdrant' })).toEqual(['QDRANT_URL: is required when RETRIEVAL_VECTOR_STORE=qdrant']);
    expect(problems({ RETRIEVAL_EVENT_BUS: 'kafka' })).toEqual(['KAFKA_BROKERS: is required when RETRIEVAL_EVENT_BUS=kafka']);
  });

  it('refuses an alias with "__", which separates the alias from the model version in collection names', () => {
    expect(problems({ QDRANT_COLLECTION: 'shop__eu' })).toEqual([`QDRANT_COLLECTION: must not contain "__" (got 'shop__eu')`]);
    expect(problems({ QDRANT_COLLECTION: 'shop_eu' })).toEqual([]);
  });
});
