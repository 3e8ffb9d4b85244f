/**
 * Issue 7, done-when 2: personalisation end to end. Every service runs as its own process over
 * real gRPC (embedding with the real model, retrieval holding the demo catalog, query
 * understanding, feedback on the real Kafka and Redis, ranking reading the Redis state feedback
 * writes). A user's clicks and views on one category are produced to shopsense.events.v1 as
 * protobuf; once feedback has applied them (its committed offsets reach the end of the topic),
 * that user's Recommend and Search results must have moved towards the category by a stated
 * margin, while another user's results stay exactly as they were.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, fromJson, type JsonValue } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import Redis from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { BehaviorEventSchema, CatalogService, EventType, ProductSchema, RankingService, type BehaviorEvent, type Product, type RankedItem } from '@shopsense/contracts';
import { KafkaEventBus, Topics } from '@shopsense/events';
import { createGrpcClient, type ServiceClient } from '@shopsense/grpc';
import { createLogger } from '@shopsense/observability';
import { expectEventually, startServiceProcess, WORKSPACE_ROOT, type StartedServiceProcess } from '@shopsense/testing';

const modelDir = process.env['EMBEDDING_MODEL_DIR'];
if (!modelDir) throw new Error('EMBEDDING_MODEL_DIR is not set: run scripts/model/fetch-model.sh (npm test does)');
const kafkaBrokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:39092').split(',');
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:36379';
const insecure = grpc.credentials.createInsecure();

/** The category the first user turns to, and the categories of both users' earlier history (disjoint items). */
const TARGET = 'Sports > Yoga';
const HISTORY_A = ['Electronics > Computers', 'Groceries > Coffee & Tea', 'Home & Kitchen > Small Appliances'];
const HISTORY_B = ['Electronics > Phones', 'Groceries > Snacks', 'Clothing > T-Shirts'];
/** Broad queries, English and Chinese, that extract no category filter. */
const QUERIES = ['gift ideas', 'something for the weekend', '送给朋友的礼物'];
const TOP = 10;
/** Stated margins: the share of TARGET in the first user's top 10 must rise by at least this much. */
const RECOMMEND_MARGIN = 0.5;
const SEARCH_MARGIN = 0.2;

const categoryOf = (p: Pick<Product, 'categoryPath'>) => p.categoryPath.slice(0, 2).join(' > ');

function demoCatalog(): Product[] {
  return readFileSync(join(WORKSPACE_ROOT, 'data/demo-catalog/products.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => fromJson(ProductSchema, JSON.parse(line) as JsonValue, { ignoreUnknownFields: true }));
}

function event(type: EventType, userId: string, sessionId: string, itemId: string): BehaviorEvent {
  return create(BehaviorEventSchema, { eventId: randomUUID(), type, userId, sessionId, itemIds: [itemId], occurredAt: timestampFromMs(Date.now()), channel: 'web' });
}

/** Total lag of a consumer group on a topic: zero once every produced event was processed and committed. */
async function lagOf(admin: Admin, group: string, topic: string): Promise<number> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
  const done = new Map(committed[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
  return ends.reduce((lag, p) => lag + Number(p.high) - Math.max(0, done.get(p.partition) ?? 0), 0);
}

describe('personalisation through Kafka, feedback and Redis (real gRPC, real model)', () => {
  const run = randomBytes(4).toString('hex');
  const prefix = `test:e2e-personal:${run}:`;
  const group = `e2e-personal-feedback-${run}`;
  const trainingTopic = `test.e2e.personal.training.${run}`;
  const forgetTopic = `test.e2e.personal.forget.${run}`;
  const shards = '64';
  const keysFile = join(mkdtempSync(join(tmpdir(), 'e2e-personal-keys-')), 'hmac-keys.json');
  writeFileSync(keysFile, JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }), { mode: 0o600 });
  const products = demoCatalog();
  const byId = new Map(products.map((p) => [p.id, p]));
  const inCategory = (category: string) => products.filter((p) => categoryOf(p) === category).map((p) => p.id);

  let embedding: StartedServiceProcess;
  let retrieval: StartedServiceProcess;
  let qu: StartedServiceProcess;
  let feedback: StartedServiceProcess;
  let ranking: StartedServiceProcess;
  let client: ServiceClient<typeof RankingService>;
  let admin: Admin;
  let bus: KafkaEventBus;
  const children = () => [ranking, feedback, qu, retrieval, embedding];

  beforeAll(async () => {
    embedding = await startServiceProcess('services/embedding/src/main.ts', { EMBEDDING_MODEL_DIR: modelDir, EMBEDDING_MODEL_FILE: process.env['EMBEDDING_TEST_MODEL_FILE'] ?? 'model.int8.onnx' }, 120_000);
    const embeddingAddr = `127.0.0.1:${embedding.grpcPort}`;
    retrieval = await startServiceProcess('services/retrieval/src/main.ts', { EMBEDDING_ADDR: embeddingAddr, UPSTREAM_TLS_MODE: 'insecure', UPSTREAM_TIMEOUT_MS: '60000', RETRIEVAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'e2e-personal-retrieval-')) }, 120_000);
    const retrievalAddr = `127.0.0.1:${retrieval.grpcPort}`;
    const catalog = createGrpcClient(CatalogService, retrievalAddr, { credentials: insecure, defaultTimeoutMs: 300_000 });
    for (let i = 0; i < products.length; i += 200) {
      const upserted = await catalog.upsertProducts(products.slice(i, i + 200).map((product) => ({ product })));
      expect(upserted.rejections).toEqual([]);
    }
    catalog.close();
    qu = await startServiceProcess('services/query-understanding/src/main.ts', { QU_EVENT_BUS: 'in-process', EMBEDDING_ADDR: embeddingAddr, EMBEDDING_TLS_MODE: 'insecure' }, 120_000);

    const kafka = new Kafka({ clientId: `e2e-personal-${run}`, brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    // Feedback's training examples and forget requests go to topics of this test's own; the events come from the real topic.
    await admin.createTopics({ topics: [trainingTopic, forgetTopic].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
    feedback = await startServiceProcess(
      'services/feedback/src/main.ts',
      {
        KAFKA_BROKERS: kafkaBrokers.join(','),
        REDIS_URL: redisUrl,
        FEEDBACK_HMAC_KEYS_FILE: keysFile,
        RETRIEVAL_ADDR: retrievalAddr,
        UPSTREAM_TLS_MODE: 'insecure',
        FEEDBACK_EVENTS_TOPIC: Topics.behaviorEvents.name,
        FEEDBACK_TRAINING_TOPIC: trainingTopic,
        FEEDBACK_FORGET_TOPIC: forgetTopic,
        FEEDBACK_CONSUMER_GROUP: group,
        FEEDBACK_REDIS_KEY_PREFIX: prefix,
        FEEDBACK_PROFILE_SHARDS: shards,
        FEEDBACK_KAFKA_SESSION_TIMEOUT_MS: '10000',
        FEEDBACK_KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      },
      120_000,
    );
    // Ranking shares feedback's keys file, key prefix and profile shard count.
    ranking = await startServiceProcess(
      'services/ranking/src/main.ts',
      {
        RETRIEVAL_ADDR: retrievalAddr,
        EMBEDDING_ADDR: embeddingAddr,
        QUERY_UNDERSTANDING_ADDR: `127.0.0.1:${qu.grpcPort}`,
        UPSTREAM_TLS_MODE: 'insecure',
        USER_STATE_STORE: 'redis',
        REDIS_URL: redisUrl,
        RANKING_REDIS_KEY_PREFIX: prefix,
        RANKING_PROFILE_SHARDS: shards,
        RANKING_HMAC_KEYS_FILE: keysFile,
        RANKING_DATA_DIR: mkdtempSync(join(tmpdir(), 'e2e-personal-ranking-')),
        // Generous budgets: the machine is shared; this test checks results, not latency.
        RANKING_QU_BUDGET_MS: '10000',
        RANKING_EMBEDDING_BUDGET_MS: '20000',
        RANKING_RETRIEVAL_BUDGET_MS: '20000',
        RANKING_CATALOG_BUDGET_MS: '20000',
        RANKING_USER_STATE_BUDGET_MS: '10000',
      },
      120_000,
    );
    client = createGrpcClient(RankingService, `127.0.0.1:${ranking.grpcPort}`, { credentials: insecure, defaultTimeoutMs: 60_000 });
    bus = new KafkaEventBus({ brokers: kafkaBrokers, clientId: `e2e-personal-producer-${run}` }, createLogger('e2e-personal', 'silent'));
  }, 600_000);

  afterAll(async () => {
    client?.close();
    await bus?.close();
    for (const child of children()) {
      if (child && child.child.exitCode === null) child.child.kill('SIGTERM');
      await child?.exited;
    }
    await admin?.deleteTopics({ topics: [trainingTopic, forgetTopic] }).catch(() => undefined);
    await admin?.deleteGroups([group]).catch(() => undefined);
    await admin?.disconnect();
    const redis = new Redis(redisUrl);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }, 120_000);

  /** Produces the events to shopsense.events.v1 (protobuf binary, key = user id) and waits until feedback has applied them. */
  async function produceAndApply(list: BehaviorEvent[]): Promise<void> {
    await bus.publish(Topics.behaviorEvents, list.map((e) => ({ key: e.userId, message: e })), 'binary');
    await expectEventually(async () => expect(await lagOf(admin, group, Topics.behaviorEvents.name)).toBe(0), { timeoutMs: 120_000, intervalMs: 250 });
  }

  /** What a user is shown: the home recommendations and the first page of each broad query. */
  async function shown(userId: string): Promise<{ recommend: RankedItem[]; searches: RankedItem[][] }> {
    const recommend = await client.recommend({ userId, sessionId: `later-${userId}`, context: { case: 'home', value: {} }, limit: TOP });
    expect(recommend.degraded).toEqual([]);
    const searches: RankedItem[][] = [];
    for (const query of QUERIES) {
      const response = await client.search({ query, userId, sessionId: `later-${userId}`, pageSize: TOP });
      expect(response.degraded).toEqual([]);
      searches.push(response.items);
    }
    return { recommend: recommend.items, searches };
  }
  const share = (items: readonly RankedItem[]) => items.filter((i) => categoryOf(byId.get(i.itemId)!) === TARGET).length / TOP;
  const ids = (items: readonly RankedItem[]) => items.map((i) => i.itemId);
  const meanShare = (lists: readonly (readonly RankedItem[])[]) => lists.reduce((s, l) => s + share(l), 0) / lists.length;

  it("moves a user's Recommend and Search towards the category they click, and leaves another user's alone", async () => {
    const userA = `e2e-a-${run}`;
    const userB = `e2e-b-${run}`;
    expect(inCategory(TARGET).length).toBeGreaterThanOrEqual(TOP);

    // Earlier sessions: both users browsed other categories (items of their own, so no co-occurrence links them).
    const history = (userId: string, categories: string[]) =>
      categories.flatMap((category, c) => inCategory(category).slice(0, 2).map((itemId, i) => event(i === 0 ? EventType.VIEW : EventType.CLICK, userId, `old-${c}-${userId}`, itemId)));
    await produceAndApply([...history(userA, HISTORY_A), ...history(userB, HISTORY_B)]);

    const beforeA = await shown(userA);
    const beforeB = await shown(userB);
    expect(beforeA.recommend).toHaveLength(TOP);
    expect(share(beforeA.recommend)).toBeLessThanOrEqual(0.3);

    // A new session: user A clicks and views yoga items.
    const yoga = inCategory(TARGET).slice(0, 8);
    await produceAndApply(yoga.map((itemId, i) => event(i % 3 === 0 ? EventType.VIEW : EventType.CLICK, userA, `yoga-${userA}`, itemId)));

    const afterA = await shown(userA);
    const afterB = await shown(userB);
    const report = {
      recommend: { before: share(beforeA.recommend), after: share(afterA.recommend) },
      search: { before: meanShare(beforeA.searches), after: meanShare(afterA.searches), perQuery: QUERIES.map((q, i) => ({ q, before: share(beforeA.searches[i]!), after: share(afterA.searches[i]!) })) },
    };
    process.stdout.write(`personalisation (share of ${TARGET} in the top ${TOP}): ${JSON.stringify(report)}\n`);

    // User A: stated margins on the share of the category in the top 10.
    expect(report.recommend.after - report.recommend.before).toBeGreaterThanOrEqual(RECOMMEND_MARGIN);
    expect(report.search.after - report.search.before).toBeGreaterThanOrEqual(SEARCH_MARGIN);
    for (const q of report.search.perQuery) expect(q.after).toBeGreaterThanOrEqual(q.before);
    // User B: exactly the same lists as before.
    expect(ids(afterB.recommend)).toEqual(ids(beforeB.recommend));
    expect(afterB.searches.map(ids)).toEqual(beforeB.searches.map(ids));
  });
});
