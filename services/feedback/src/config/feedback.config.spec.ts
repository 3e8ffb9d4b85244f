import { ConfigError, loadConfig } from '@shopsense/config';
import { feedbackConfigSchema } from './feedback.config';

const base = { GRPC_PORT: '0', FEEDBACK_HMAC_KEYS_FILE: '/run/secrets/hmac.json', RETRIEVAL_ADDR: 'retrieval:50051' };
const problems = (env: Record<string, string>) => {
  try {
    loadConfig(feedbackConfigSchema, env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems.map((p) => `${p.variable}: ${p.problem}`);
  }
};

describe('feedback configuration', () => {
  it('needs Kafka and Redis with the cluster adapters (the default), and neither standalone', () => {
    expect(problems(base)).toEqual(expect.arrayContaining([expect.stringMatching(/^KAFKA_BROKERS/), expect.stringMatching(/^REDIS_URL/)]));
    expect(problems({ ...base, KAFKA_BROKERS: 'k:9092', REDIS_URL: 'redis://r:6379' })).toEqual([]);
    expect(problems({ ...base, FEEDBACK_EVENT_BUS: 'in-process', FEEDBACK_STATE_STORE: 'memory' })).toEqual([expect.stringMatching(/^FEEDBACK_DEAD_LETTER_FILE/)]);
    expect(problems({ ...base, FEEDBACK_EVENT_BUS: 'in-process', FEEDBACK_STATE_STORE: 'memory', FEEDBACK_DEAD_LETTER_FILE: '/data/dlq.jsonl' })).toEqual([]);
  });

  it('requires the keys file and the retrieval address, and keeps the event age within the dedup window', () => {
    const cluster = { KAFKA_BROKERS: 'k:9092', REDIS_URL: 'redis://r:6379', GRPC_PORT: '0' };
    expect(problems(cluster)).toEqual(expect.arrayContaining([expect.stringMatching(/^FEEDBACK_HMAC_KEYS_FILE: is required/), expect.stringMatching(/^RETRIEVAL_ADDR: is required/)]));
    expect(problems({ ...base, ...cluster, FEEDBACK_MAX_EVENT_AGE_S: '900000', FEEDBACK_DEDUP_TTL_S: '86400' })).toEqual([expect.stringMatching(/^FEEDBACK_MAX_EVENT_AGE_S: must not exceed FEEDBACK_DEDUP_TTL_S/)]);
    expect(problems({ ...base, ...cluster, RETRIEVAL_ADDR: 'no-port' })).toEqual([expect.stringMatching(/^RETRIEVAL_ADDR: must be host:port/)]);
  });

  it('keeps the stall timeout above the rebalance timeout (a joining consumer is silent that long)', () => {
    const cluster = { ...base, KAFKA_BROKERS: 'k:9092', REDIS_URL: 'redis://r:6379' };
    expect(problems({ ...cluster, FEEDBACK_KAFKA_REBALANCE_TIMEOUT_MS: '60000', FEEDBACK_KAFKA_STALL_TIMEOUT_MS: '30000' })).toEqual([
      expect.stringMatching(/^FEEDBACK_KAFKA_STALL_TIMEOUT_MS: must exceed FEEDBACK_KAFKA_REBALANCE_TIMEOUT_MS/),
    ]);
    expect(problems({ ...cluster, FEEDBACK_KAFKA_REBALANCE_TIMEOUT_MS: '10000', FEEDBACK_KAFKA_STALL_TIMEOUT_MS: '15000' })).toEqual([]);
  });
});
