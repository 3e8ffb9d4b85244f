import { ConfigError } from '@shopsense/config';
import { loadServiceConfig } from '@shopsense/service-runtime';
import { queryUnderstandingConfigSchema } from './query-understanding.config';

const base = { GRPC_PORT: '0', GRPC_TLS_MODE: 'insecure', GRPC_AUTH_MODE: 'none' };

function problems(env: Record<string, string>): string[] {
  try {
    loadServiceConfig(queryUnderstandingConfigSchema, { ...base, ...env });
    return [];
  } catch (error) {
    return (error as ConfigError).problems.map((p) => `${p.variable}: ${p.problem}`);
  }
}

describe('query understanding configuration', () => {
  it('defaults to Kafka, which needs brokers', () => {
    expect(problems({})).toEqual(['KAFKA_BROKERS: is required when QU_EVENT_BUS=kafka (or set QU_EVENT_BUS=in-process)']);
    expect(problems({ KAFKA_BROKERS: 'k1:9092,k2:9092' })).toEqual([]);
  });

  it('runs on an in-process bus without Kafka, and without the embedding service', () => {
    const config = loadServiceConfig(queryUnderstandingConfigSchema, { ...base, QU_EVENT_BUS: 'in-process' });
    expect(config).toMatchObject({ QU_EVENT_BUS: 'in-process', EMBEDDING_ADDR: undefined, QU_MAX_QUERY_CHARS: 512, QU_CATEGORY_TIMEOUT_MS: 150, QU_BUILTIN_SYNONYMS: true });
  });

  it('names malformed values and a missing mTLS client certificate', () => {
    expect(problems({ QU_EVENT_BUS: 'rabbit', QU_MAX_QUERY_CHARS: 'lots' })).toEqual([
      "QU_EVENT_BUS: must be one of kafka, in-process (got 'rabbit')",
      "QU_MAX_QUERY_CHARS: must be an integer between 1 and 4096 (got 'lots')",
    ]);
    expect(problems({ QU_EVENT_BUS: 'in-process', EMBEDDING_ADDR: 'embedding:50051', EMBEDDING_TLS_MODE: 'mtls' })).toEqual(['EMBEDDING_TLS_CERT_FILE: and EMBEDDING_TLS_KEY_FILE are required when EMBEDDING_TLS_MODE=mtls']);
  });
});
