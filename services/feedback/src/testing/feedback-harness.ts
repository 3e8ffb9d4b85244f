import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { startServiceProcess, type StartedServiceProcess } from '@shopsense/testing';

export const brokers = () => (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:39092').split(',');
export const redisUrl = () => process.env['REDIS_URL'] ?? 'redis://127.0.0.1:36379';

export function testKafka(clientId = 'feedback-test'): Kafka {
  return new Kafka({ clientId, brokers: brokers(), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 3_000 } });
}

/** Fresh topics of the test's own, so nothing else on the shared broker interferes. */
export async function createTopics(admin: Admin, partitions: Record<string, number>): Promise<void> {
  await admin.createTopics({ topics: Object.entries(partitions).map(([topic, numPartitions]) => ({ topic, numPartitions, replicationFactor: 1 })), waitForLeaders: true });
}

/** A keys file with a fresh random key under `k1` (and optionally an old `k0`), as the secret would be mounted. */
export function writeHmacKeys(keyIds: string[] = ['k1']): string {
  const dir = mkdtempSync(join(tmpdir(), 'feedback-keys-'));
  const keys = Object.fromEntries(keyIds.map((id) => [id, Buffer.from(randomUUID() + randomUUID()).toString('base64')]));
  const path = join(dir, 'hmac-keys.json');
  writeFileSync(path, JSON.stringify({ current: keyIds[keyIds.length - 1], keys }), { mode: 0o600 });
  return path;
}

export interface FeedbackTestSetup {
  id: string;
  prefix: string;
  group: string;
  topics: { events: string; training: string; forget: string };
  env: NodeJS.ProcessEnv;
}

export function feedbackSetup(retrievalAddr: string, overrides: NodeJS.ProcessEnv = {}): FeedbackTestSetup {
  const id = randomUUID().slice(0, 8);
  const topics = { events: `test.fb.events.${id}`, training: `test.fb.training.${id}`, forget: `test.fb.forget.${id}` };
  const prefix = `test:fb:${id}:`;
  const group = `test-feedback-${id}`;
  return {
    id,
    prefix,
    group,
    topics,
    env: {
      KAFKA_BROKERS: brokers().join(','),
      REDIS_URL: redisUrl(),
      FEEDBACK_HMAC_KEYS_FILE: writeHmacKeys(),
      RETRIEVAL_ADDR: retrievalAddr,
      UPSTREAM_TLS_MODE: 'insecure',
      FEEDBACK_EVENTS_TOPIC: topics.events,
      FEEDBACK_TRAINING_TOPIC: topics.training,
      FEEDBACK_FORGET_TOPIC: topics.forget,
      FEEDBACK_CONSUMER_GROUP: group,
      FEEDBACK_REDIS_KEY_PREFIX: prefix,
      FEEDBACK_PROFILE_SHARDS: '16',
      FEEDBACK_DEDUP_SHARDS: '64',
      // Fast group membership: a killed consumer's partitions move within seconds.
      FEEDBACK_KAFKA_SESSION_TIMEOUT_MS: '6000',
      FEEDBACK_KAFKA_HEARTBEAT_INTERVAL_MS: '500',
      FEEDBACK_KAFKA_REBALANCE_TIMEOUT_MS: '10000',
      // A consumer that makes no progress (e.g. through a broker outage) is replaced after 15 s.
      FEEDBACK_KAFKA_STALL_TIMEOUT_MS: '15000',
      ...overrides,
    },
  };
}

export function startFeedback(setup: FeedbackTestSetup, extra: NodeJS.ProcessEnv = {}): Promise<StartedServiceProcess> {
  return startServiceProcess('services/feedback/src/main.ts', { ...setup.env, ...extra }, 90_000);
}

/** Committed offsets of the group have reached the end of every partition. */
export async function lagOf(admin: Admin, group: string, topic: string): Promise<number> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
  const done = new Map(committed[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
  return ends.reduce((lag, p) => lag + Number(p.high) - Math.max(0, done.get(p.partition) ?? 0), 0);
}

