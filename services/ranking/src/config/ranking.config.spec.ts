import { ConfigError, describeConfig } from '@shopsense/config';
import { loadServiceConfig } from '@shopsense/service-runtime';
import { rankingConfigProblems, rankingConfigSchema } from './ranking.config';

const base = { GRPC_PORT: '0', GRPC_TLS_MODE: 'insecure', GRPC_AUTH_MODE: 'none', RETRIEVAL_ADDR: 'retrieval:50051', RANKING_DATA_DIR: '/tmp/ranking', RANKING_HMAC_KEYS_FILE: '/etc/shopsense/hmac.json' };

function problems(env: Record<string, string>): string[] {
  try {
    const config = loadServiceConfig(rankingConfigSchema, { ...base, ...env });
    return rankingConfigProblems(config).map((p) => `${p.variable}: ${p.problem}`);
  } catch (error) {
    return (error as ConfigError).problems.map((p) => `${p.variable}: ${p.problem}`);
  }
}

describe('ranking configuration', () => {
  it('needs the retrieval address, the data dir and the pseudonymisation keys file', () => {
    expect(problems({ RETRIEVAL_ADDR: '', RANKING_DATA_DIR: '', RANKING_HMAC_KEYS_FILE: '' }).sort()).toEqual([
      'RANKING_DATA_DIR: is required but not set',
      'RANKING_HMAC_KEYS_FILE: is required but not set',
      'RETRIEVAL_ADDR: is required but not set',
    ]);
  });

  it('defaults to Redis user state, which needs REDIS_URL; memory does not', () => {
    expect(problems({})).toEqual(['REDIS_URL: is required when USER_STATE_STORE=redis']);
    expect(problems({ USER_STATE_STORE: 'memory' })).toEqual([]);
    expect(problems({ REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual([]);
  });

  it('needs brokers for the Kafka training source, and page token secrets of at least 16 bytes', () => {
    expect(problems({ USER_STATE_STORE: 'memory', RANKING_EVENT_BUS: 'kafka' })).toEqual(['KAFKA_BROKERS: is required when RANKING_EVENT_BUS=kafka']);
    expect(problems({ USER_STATE_STORE: 'memory', RANKING_PAGE_TOKEN_SECRETS: 'short' })).toEqual(['RANKING_PAGE_TOKEN_SECRETS: each secret must be at least 16 bytes']);
  });

  it('has per-hop budgets with defaults, and never prints the page token secrets', () => {
    const config = loadServiceConfig(rankingConfigSchema, { ...base, USER_STATE_STORE: 'memory', RANKING_PAGE_TOKEN_SECRETS: 'a-very-secret-page-token-key' });
    expect(config).toMatchObject({ RANKING_QU_BUDGET_MS: 150, RANKING_EMBEDDING_BUDGET_MS: 300, RANKING_RETRIEVAL_BUDGET_MS: 800, RANKING_USER_STATE_BUDGET_MS: 100, RANKING_EVENT_BUS: 'none', QUERY_UNDERSTANDING_ADDR: undefined });
    expect(JSON.stringify(describeConfig(config))).not.toContain('a-very-secret-page-token-key');
  });
});
