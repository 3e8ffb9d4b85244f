/**
 * The cluster-mode service set the end-to-end tests run on: every service as its own process over
 * real gRPC (embedding with the real model, retrieval holding a catalog, optionally query
 * understanding, feedback on the real Kafka and Redis, ranking reading the Redis state feedback
 * writes and, if asked, learning from feedback's training examples). Each test gets a run id of
 * its own: its Redis key prefix, consumer groups, topics and HMAC keys file are its own, and
 * `stop()` removes them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import Redis from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { BehaviorEventSchema, CatalogService, type BehaviorEvent, type EventType, type Product } from '@shopsense/contracts';
import { KafkaEventBus, Topics } from '@shopsense/events';
import { createGrpcClient } from '@shopsense/grpc';
import { createLogger } from '@shopsense/observability';
import { deleteKeysWithPrefix, expectEventually, startServiceProcess, type StartedServiceProcess } from '@shopsense/testing';

export const insecure = grpc.credentials.createInsecure();
export const kafkaBrokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:39092').split(',');
export const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:36379';

function modelDir(): string {
  const dir = process.env['EMBEDDING_MODEL_DIR'];
  if (!dir) throw new Error('EMBEDDING_MODEL_DIR is not set: run scripts/model/fetch-model.sh (npm test does)');
  return dir;
}

/** A behaviour event as a client sends it; `extra` sets request_id, position, experiments and the like. */
export function behaviorEvent(type: EventType, userId: string, sessionId: string, itemIds: string[], extra: Partial<Pick<BehaviorEvent, 'requestId' | 'position' | 'query' | 'experiments'>> = {}): BehaviorEvent {
  return create(BehaviorEventSchema, { eventId: randomUUID(), type, userId, sessionId, itemIds, occurredAt: timestampFromMs(Date.now()), channel: 'web', ...extra });
}

/** Total lag of a consumer group on a topic: zero once every produced record was processed and committed. */
export async function lagOf(admin: Admin, group: string, topic: string): Promise<number> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
  const done = new Map(committed[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
  return ends.reduce((lag, p) => lag + Number(p.high) - Math.max(0, done.get(p.partition) ?? 0), 0);
}

export interface ServiceStackOptions {
  /** Short name of the test, part of every key prefix, group and topic it creates. */
  name: string;
  /** Upserted into retrieval before the other services start. */
  products: readonly Product[];
  /** Start query understanding and point ranking at it (default true). */
  queryUnderstanding?: boolean;
  /** Feedback consumes the real shopsense.events.v1 (`shared`, the default) or a topic of the test's own. */
  eventsTopic?: 'shared' | 'own';
  /**
   * Ranking consumes the test's training topic (RANKING_EVENT_BUS=kafka), so GetResults answers,
   * and keeps merchandising rules in the test's own compacted topic.
   */
  rankingLearns?: boolean;
  /** Ranking processes (default 1), each learning in a consumer group of its own; `rankingAddrs` lists them. */
  rankingReplicas?: number;
  /** Extra environment of feedback and ranking (e.g. a short join window, an experiments file). */
  feedbackEnv?: Record<string, string>;
  rankingEnv?: Record<string, string>;
}

export interface ServiceStack {
  readonly run: string;
  readonly topics: { events: string; training: string; forget: string; merchandising: string };
  readonly feedbackGroup: string;
  readonly rankingGroup: string;
  /** The first ranking replica. */
  readonly rankingAddr: string;
  readonly rankingAddrs: readonly string[];
  readonly admin: Admin;
  /** Produces the events to feedback's events topic (protobuf binary, key = user id). */
  produce(events: readonly BehaviorEvent[]): Promise<void>;
  /** Produces the events and waits until feedback has applied and committed them. */
  produceAndApply(events: readonly BehaviorEvent[]): Promise<void>;
  stop(): Promise<void>;
}

/** Generous budgets: the machine is shared; these tests check results, not latency. */
const RANKING_BUDGETS = {
  RANKING_QU_BUDGET_MS: '10000',
  RANKING_EMBEDDING_BUDGET_MS: '20000',
  RANKING_RETRIEVAL_BUDGET_MS: '20000',
  RANKING_CATALOG_BUDGET_MS: '20000',
  RANKING_USER_STATE_BUDGET_MS: '10000',
};

/**
 * Starts the services in dependency order; on a failure part-way, what did start is stopped
 * before the error is rethrown. Call from beforeAll with a generous timeout (minutes).
 */
export async function startServiceStack(options: ServiceStackOptions): Promise<ServiceStack> {
  const run = randomBytes(4).toString('hex');
  const name = options.name;
  const prefix = `test:e2e-${name}:${run}:`;
  const feedbackGroup = `e2e-${name}-feedback-${run}`;
  const rankingGroup = `e2e-${name}-ranking-${run}`;
  const topics = {
    events: options.eventsTopic === 'own' ? `test.e2e.${name}.events.${run}` : Topics.behaviorEvents.name,
    training: `test.e2e.${name}.training.${run}`,
    forget: `test.e2e.${name}.forget.${run}`,
    merchandising: `test.e2e.${name}.merchandising.${run}`,
  };
  const ownTopics = [topics.training, topics.forget, topics.merchandising, ...(options.eventsTopic === 'own' ? [topics.events] : [])];
  const replicas = options.rankingReplicas ?? 1;
  const rankingGroups = Array.from({ length: replicas }, (_, i) => (i === 0 ? rankingGroup : `${rankingGroup}-${i}`));
  const shards = '64';
  const tmp = mkdtempSync(join(tmpdir(), `e2e-${name}-`));
  const keysFile = join(tmp, 'hmac-keys.json');
  writeFileSync(keysFile, JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }), { mode: 0o600 });

  const children: StartedServiceProcess[] = [];
  const kafka = new Kafka({ clientId: `e2e-${name}-${run}`, brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  let bus: KafkaEventBus | undefined;

  const stop = async (): Promise<void> => {
    await bus?.close();
    for (const child of [...children].reverse()) {
      if (child.child.exitCode === null) child.child.kill('SIGTERM');
      await child.exited;
    }
    await admin.deleteTopics({ topics: ownTopics }).catch(() => undefined);
    await admin.deleteGroups([feedbackGroup, ...rankingGroups]).catch(() => undefined);
    await admin.disconnect();
    const redis = new Redis(redisUrl);
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  };

  try {
    const start = async (main: string, env: Record<string, string>) => {
      const child = await startServiceProcess(main, env, 120_000);
      children.push(child);
      return child;
    };
    const embedding = await start('services/embedding/src/main.ts', { EMBEDDING_MODEL_DIR: modelDir(), EMBEDDING_MODEL_FILE: process.env['EMBEDDING_TEST_MODEL_FILE'] ?? 'model.int8.onnx' });
    const embeddingAddr = `127.0.0.1:${embedding.grpcPort}`;
    const retrieval = await start('services/retrieval/src/main.ts', { EMBEDDING_ADDR: embeddingAddr, UPSTREAM_TLS_MODE: 'insecure', UPSTREAM_TIMEOUT_MS: '60000', RETRIEVAL_DATA_DIR: mkdtempSync(join(tmp, 'retrieval-')) });
    const retrievalAddr = `127.0.0.1:${retrieval.grpcPort}`;
    const catalog = createGrpcClient(CatalogService, retrievalAddr, { credentials: insecure, defaultTimeoutMs: 300_000 });
    try {
      for (let i = 0; i < options.products.length; i += 200) {
        const upserted = await catalog.upsertProducts(options.products.slice(i, i + 200).map((product) => ({ product })));
        if (upserted.rejections.length > 0) throw new Error(`the catalog was rejected: ${JSON.stringify(upserted.rejections.slice(0, 3))}`);
      }
    } finally {
      catalog.close();
    }
    const qu = options.queryUnderstanding === false ? undefined : await start('services/query-understanding/src/main.ts', { QU_EVENT_BUS: 'in-process', EMBEDDING_ADDR: embeddingAddr, EMBEDDING_TLS_MODE: 'insecure' });

    await admin.connect();
    const compacted = new Set([topics.merchandising]);
    await admin.createTopics({
      topics: ownTopics.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1, ...(compacted.has(topic) ? { configEntries: [{ name: 'cleanup.policy', value: 'compact' }] } : {}) })),
      waitForLeaders: true,
    });
    await start('services/feedback/src/main.ts', {
      KAFKA_BROKERS: kafkaBrokers.join(','),
      REDIS_URL: redisUrl,
      FEEDBACK_HMAC_KEYS_FILE: keysFile,
      RETRIEVAL_ADDR: retrievalAddr,
      UPSTREAM_TLS_MODE: 'insecure',
      FEEDBACK_EVENTS_TOPIC: topics.events,
      FEEDBACK_TRAINING_TOPIC: topics.training,
      FEEDBACK_FORGET_TOPIC: topics.forget,
      FEEDBACK_CONSUMER_GROUP: feedbackGroup,
      FEEDBACK_REDIS_KEY_PREFIX: prefix,
      FEEDBACK_PROFILE_SHARDS: shards,
      FEEDBACK_KAFKA_SESSION_TIMEOUT_MS: '10000',
      FEEDBACK_KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      ...options.feedbackEnv,
    });
    // Ranking shares feedback's keys file, key prefix and profile shard count (and its training topic).
    const rankingAddrs: string[] = [];
    for (const group of rankingGroups) {
      const ranking = await start('services/ranking/src/main.ts', {
        RETRIEVAL_ADDR: retrievalAddr,
        EMBEDDING_ADDR: embeddingAddr,
        ...(qu ? { QUERY_UNDERSTANDING_ADDR: `127.0.0.1:${qu.grpcPort}` } : {}),
        UPSTREAM_TLS_MODE: 'insecure',
        USER_STATE_STORE: 'redis',
        REDIS_URL: redisUrl,
        RANKING_REDIS_KEY_PREFIX: prefix,
        RANKING_PROFILE_SHARDS: shards,
        RANKING_HMAC_KEYS_FILE: keysFile,
        RANKING_DATA_DIR: mkdtempSync(join(tmp, 'ranking-')),
        ...RANKING_BUDGETS,
        ...(options.rankingLearns
          ? { RANKING_EVENT_BUS: 'kafka', KAFKA_BROKERS: kafkaBrokers.join(','), RANKING_TRAINING_TOPIC: topics.training, RANKING_MERCHANDISING_TOPIC: topics.merchandising, RANKING_CONSUMER_GROUP: group }
          : {}),
        ...options.rankingEnv,
      });
      rankingAddrs.push(`127.0.0.1:${ranking.grpcPort}`);
    }
    bus = new KafkaEventBus({ brokers: kafkaBrokers, clientId: `e2e-${name}-producer-${run}` }, createLogger(`e2e-${name}`, 'silent'));
    const producer = bus;
    const eventsTopic = { ...Topics.behaviorEvents, name: topics.events };

    const produce = async (events: readonly BehaviorEvent[]) => {
      await producer.publish(eventsTopic, events.map((e) => ({ key: e.userId, message: e })), 'binary');
    };
    return {
      run,
      topics,
      feedbackGroup,
      rankingGroup,
      rankingAddr: rankingAddrs[0]!,
      rankingAddrs,
      admin,
      produce,
      async produceAndApply(events) {
        await produce(events);
        await expectEventually(async () => expect(await lagOf(admin, feedbackGroup, topics.events)).toBe(0), { timeoutMs: 120_000, intervalMs: 250 });
      },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
