/**
 * The feedback service as a process against the real Kafka and Redis, with a stand-in retrieval
 * service for item embeddings: interest vectors, exact counters and co-occurrence for a scripted
 * stream, training examples, forgetting a user, and malformed input.
 */
import { randomUUID } from 'node:crypto';
import { fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import Redis from 'ioredis';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { BehaviorEventSchema, CollectorService, EventType, TrainingExampleSchema, UserForgottenSchema, type BehaviorEvent, type TrainingExample } from '@shopsense/contracts';
import { DEAD_LETTER_TOPIC, DeadLetterHeaders, KafkaEventBus, Topics, type TopicDefinition } from '@shopsense/events';
import { createGrpcClient, type ServiceClient } from '@shopsense/grpc';
import { createLogger } from '@shopsense/observability';
import { counterByLabel, deleteKeysWithPrefix, expectEventually, type StartedServiceProcess } from '@shopsense/testing';
import {
  cosine,
  DEFAULT_STORE_SETTINGS,
  encodeServedList,
  normalizeQuery,
  parseHmacKeyring,
  Pseudonymizer,
  queryDigest,
  RedisUserStateStore,
  type RankingState,
} from '@shopsense/user-state';
import { readFileSync } from 'node:fs';
import { events } from './testing/behavior-events.factory';
import { FakeRetrievalServer } from './testing/fake-retrieval.server';
import { createTopics, feedbackSetup, lagOf, redisUrl, startFeedback, testKafka, type FeedbackTestSetup } from './testing/feedback-harness';
import { categoryCentroid } from './testing/item-vectors.fixture';

const DIMENSION = 64;

describe('feedback service against the real Kafka and Redis', () => {
  let retrieval: FakeRetrievalServer;
  let setup: FeedbackTestSetup;
  let service: StartedServiceProcess;
  let kafka: Kafka;
  let admin: Admin;
  let bus: KafkaEventBus;
  let redis: Redis;
  let store: RedisUserStateStore;
  let collector: ServiceClient<typeof CollectorService>;
  let pseudonymizer: Pseudonymizer;
  let eventsTopic: TopicDefinition<typeof BehaviorEventSchema>;

  beforeAll(async () => {
    retrieval = new FakeRetrievalServer(DIMENSION);
    setup = feedbackSetup(await retrieval.start(), { FEEDBACK_TRAINING_JOIN_WINDOW_S: '2', FEEDBACK_TRAINING_SWEEP_INTERVAL_MS: '300' });
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, { [setup.topics.events]: 3, [setup.topics.training]: 1, [setup.topics.forget]: 1 });
    service = await startFeedback(setup);
    bus = new KafkaEventBus({ brokers: setup.env['KAFKA_BROKERS']!.split(','), clientId: 'feedback-test-producer' }, createLogger('test', 'silent'));
    eventsTopic = { ...Topics.behaviorEvents, name: setup.topics.events };
    redis = new Redis(redisUrl());
    store = new RedisUserStateStore(redis, { ...DEFAULT_STORE_SETTINGS, keyPrefix: setup.prefix, profileShards: 16, dedupShards: 64 });
    collector = createGrpcClient(CollectorService, `127.0.0.1:${service.grpcPort}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 10_000 });
    pseudonymizer = new Pseudonymizer(parseHmacKeyring(readFileSync(setup.env['FEEDBACK_HMAC_KEYS_FILE']!, 'utf8')));
  });

  afterAll(async () => {
    collector?.close();
    service?.child.kill('SIGTERM');
    if (service) expect(await service.exited).toBe(0);
    await bus?.close();
    await admin?.deleteTopics({ topics: Object.values(setup.topics) }).catch(() => undefined);
    await admin?.disconnect();
    if (redis) await deleteKeysWithPrefix(redis, setup.prefix);
    redis?.disconnect();
    await retrieval?.stop();
  });

  const publish = (list: BehaviorEvent[], format: 'binary' | 'json' = 'binary') => bus.publish(eventsTopic, list.map((e) => ({ key: e.userId, message: e })), format);
  const drained = () => expectEventually(async () => expect(await lagOf(admin, setup.group, setup.topics.events)).toBe(0), { timeoutMs: 60_000, intervalMs: 200 });
  const stateOf = (userId: string, itemIds: string[], query?: string): Promise<RankingState> =>
    store.readForRanking({ pseudonym: pseudonymizer.pseudonymize(userId).pseudonym, itemIds, ...(query ? { queryDigest: queryDigest(normalizeQuery(query)) } : {}) });

  it('moves a user’s interest vectors towards the category they keep clicking', async () => {
    const user = `u-${randomUUID()}`;
    const session1 = `s1-${randomUUID()}`;
    // History: a few clicks on category 3.
    await publish(Array.from({ length: 6 }, (_, i) => events.click(user, `c3-item${i}`, { sessionId: session1 })));
    await drained();
    const before = (await stateOf(user, [])).profile!;
    const target = categoryCentroid(7, DIMENSION);
    const shortBefore = cosine(before.shortTerm!.values, target);
    const longBefore = cosine(before.longTerm!.values, target);
    expect(cosine(before.longTerm!.values, categoryCentroid(3, DIMENSION))).toBeGreaterThan(0.8);

    // A new session of clicks and views on category 7.
    const session2 = `s2-${randomUUID()}`;
    await publish(Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? events.view(user, `c7-item${i}`, { sessionId: session2 }) : events.click(user, `c7-item${i}`, { sessionId: session2 }))));
    await drained();
    const after = (await stateOf(user, [])).profile!;
    const shortAfter = cosine(after.shortTerm!.values, target);
    const longAfter = cosine(after.longTerm!.values, target);
    // Stated margins: the session vector turns to the new category, the long-term one moves clearly but keeps history.
    expect(shortAfter - shortBefore).toBeGreaterThan(0.6);
    expect(shortAfter).toBeGreaterThan(0.9);
    expect(longAfter - longBefore).toBeGreaterThan(0.4);
    expect(cosine(after.longTerm!.values, categoryCentroid(3, DIMENSION))).toBeGreaterThan(0.2);
  });

  it('holds the exact counters, query-item counts, co-occurrence and recent items of a scripted stream (Kafka and Track)', async () => {
    const [u1, u2] = [`u1-${randomUUID()}`, `u2-${randomUUID()}`];
    const [a, b, c, d] = ['c1-a', 'c1-b', 'c1-c', 'c2-d'].map((id) => `${id}-${randomUUID().slice(0, 6)}`) as [string, string, string, string];
    const [r1, r2] = [`r1-${randomUUID()}`, `r2-${randomUUID()}`];
    const servedAt = timestampFromMs(Date.now());
    // The ranker logs what it served for r1 (features for b only).
    await store.logServedList(r1, encodeServedList([{ requestId: r1, itemId: b, position: 1, modelVersion: 'ranker-v7', features: { bm25: 2.5, ctr: 0.04 }, score: 1.25, clickProbability: 0.3, surface: 'search', servedAt }]), 600);

    const kafkaOutcomes = () => counterByLabel(service.metricsPort, 'feedback_events_total', 'outcome', { source: 'kafka' });
    const outcomesBefore = await kafkaOutcomes();
    const secondClick = events.click(u1, b, { query: 'red shoes', requestId: r1 });
    await publish([
      events.impression(u1, [a, b, c], { query: 'Red Shoes', requestId: r1, position: 0 }),
      secondClick,
      events.view(u1, a),
      events.click(u1, c),
      events.cart(u1, [c]),
      events.purchase(u1, [c, d]),
    ]);
    // u2 arrives over CollectorService.Track, one invalid event among them.
    const tracked = await collector.track({
      events: [
        events.impression(u2, [a, b], { query: 'red  SHOES!', requestId: r2 }),
        events.click(u2, a, { query: 'red shoes', requestId: r2 }),
        events.of(EventType.CLICK, u2, []),
        events.view(u2, b),
        events.purchase(u2, [b]),
        events.purchase(u2, [a], { requestId: r2 }),
      ],
    });
    expect(tracked.accepted).toBe(5);
    expect(tracked.rejected).toEqual([expect.objectContaining({ index: 2, reason: 'item_ids is required for CLICK events' })]);
    await publish([secondClick]); // a redelivered duplicate changes nothing
    await drained();
    // Six published here and five forwarded by Track, applied once each; the redelivery counted as a duplicate.
    const outcomesAfter = await kafkaOutcomes();
    const delta = (outcome: string) => (outcomesAfter[outcome] ?? 0) - (outcomesBefore[outcome] ?? 0);
    expect({ applied: delta('applied'), duplicate: delta('duplicate') }).toEqual({ applied: 11, duplicate: 1 });
    const trackRejections = await readTopic(
      DEAD_LETTER_TOPIC,
      (_, h) => (h[DeadLetterHeaders.sourceTopic] === setup.topics.events && h[DeadLetterHeaders.consumerGroup] === 'collector-track' ? h[DeadLetterHeaders.reason] : undefined),
      1,
    );
    expect(trackRejections).toEqual(['item_ids is required for CLICK events']);

    const state = await stateOf(u1, [a, b, c, d], 'RED shoes');
    const counts = (id: string) => state.items[id]!.last24h;
    expect(counts(a)).toEqual({ impressions: 2, clicks: 1, carts: 0, purchases: 1 });
    expect(counts(b)).toEqual({ impressions: 2, clicks: 1, carts: 0, purchases: 1 });
    expect(counts(c)).toEqual({ impressions: 1, clicks: 1, carts: 1, purchases: 1 });
    expect(counts(d)).toEqual({ impressions: 0, clicks: 0, carts: 0, purchases: 1 });
    expect(state.queryItems).toEqual({
      [a]: expect.objectContaining({ impressions: 2, clicks: 1 }),
      [b]: expect.objectContaining({ impressions: 2, clicks: 1 }),
      [c]: expect.objectContaining({ impressions: 1, clicks: 0 }),
    });
    // Session pairs +1 and basket pairs +3, both directions; u2 bought b then a: purchase-sequence
    // pairs +4 forwards (b → a) and +2 backwards (a → b).
    const neighbours = async (id: string) => Object.fromEntries((await store.neighbours(id, 10)).map((n) => [n.itemId, n.score]));
    expect(await neighbours(a)).toEqual({ [b]: 4, [c]: 1 });
    expect(await neighbours(b)).toEqual({ [a]: 6, [c]: 1 });
    expect(await neighbours(c)).toEqual({ [a]: 1, [b]: 1, [d]: 3 });
    expect(await neighbours(d)).toEqual({ [c]: 3 });
    expect(state.recent).toEqual({ views: [a], clicks: [c, b], carts: [c], purchases: [d, c], session: [d, c, a, b] });
    expect(state.cooccurrence).toEqual({ [a]: 7, [b]: 5, [c]: 5, [d]: 3 });

    // The join windows close (2 s) and the examples come out, with the ranker's features where it logged them.
    const examples = await readTopic(setup.topics.training, (m) => fromBinary(TrainingExampleSchema, m), 5);
    const byKey = (e: TrainingExample) => `${e.requestId === r1 ? 'r1' : 'r2'}:${e.itemId === a ? 'a' : e.itemId === b ? 'b' : 'c'}`;
    const labels = Object.fromEntries(examples.map((e) => [byKey(e), [e.position, e.clicked, e.addedToCart, e.purchased]]));
    expect(labels).toEqual({ 'r1:a': [0, false, false, false], 'r1:b': [1, true, false, false], 'r1:c': [2, false, false, false], 'r2:a': [0, true, false, true], 'r2:b': [1, false, false, false] });
    const logged = examples.find((e) => byKey(e) === 'r1:b')!;
    expect(logged).toMatchObject({ modelVersion: 'ranker-v7', features: { bm25: 2.5, ctr: 0.04 }, score: 1.25, clickProbability: 0.3, surface: 'search', query: 'red shoes', channel: 'web' });
    expect(logged.pseudonymousUserId).toBe(pseudonymizer.pseudonymize(u1).pseudonym);
    for (const e of examples) expect(JSON.stringify(toJson(TrainingExampleSchema, e))).not.toMatch(new RegExp(`${u1}|${u2}`));
  });

  it('forgets a user: no key or value derived from them is left in Redis, a tombstone goes out, and their later events are dropped', async () => {
    const user = `forget-me-${randomUUID()}@example.com`;
    const bystander = `u-${randomUUID()}`;
    const [a, b] = [`c4-a-${randomUUID().slice(0, 6)}`, `c4-b-${randomUUID().slice(0, 6)}`];
    const rid = `r-${randomUUID()}`;
    await publish([
      events.impression(user, [a, b], { requestId: rid, query: 'gift for mum' }),
      events.click(user, a, { requestId: rid }),
      events.cart(user, [a, b], { requestId: rid }),
      events.click(bystander, b),
    ]);
    await drained();
    const pseudonym = pseudonymizer.pseudonymize(user).pseudonym;
    expect((await stateOf(user, [a])).profile).not.toBeNull();

    const response = await collector.forgetUser({ userId: user });
    expect(response.requestedAt).toBeDefined();

    // A SCAN over the whole key space of this test: keys, hash fields, set members and values.
    const leaks: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scanBuffer(cursor, 'MATCH', `${setup.prefix}*`, 'COUNT', 1000);
      cursor = next.toString();
      for (const keyBuffer of keys) {
        const key = keyBuffer.toString('latin1');
        const type = await redis.type(keyBuffer);
        const contents: Buffer[] = [keyBuffer];
        if (type === 'string') contents.push((await redis.getBuffer(keyBuffer))!);
        if (type === 'hash') contents.push(...((await redis.callBuffer('HGETALL', keyBuffer)) as Buffer[]));
        if (type === 'zset') contents.push(...(await redis.zrangeBuffer(keyBuffer, 0, -1)));
        if (type === 'set') contents.push(...(await redis.smembersBuffer(keyBuffer)));
        if (type === 'list') contents.push(...(await redis.lrangeBuffer(keyBuffer, 0, -1)));
        const text = Buffer.concat(contents).toString('latin1');
        if (text.includes(user) || text.includes(pseudonym.slice(3))) leaks.push(key);
      }
    } while (cursor !== '0');
    // Only the set of forget marks (which must hold the pseudonym to drop later events) names it.
    expect(leaks).toEqual([`${setup.prefix}forgotten`]);
    expect(await redis.zscore(`${setup.prefix}forgotten`, pseudonym)).toBe('inf');

    const tombstones = await readTopic(setup.topics.forget, (v) => fromBinary(UserForgottenSchema, v), 1);
    expect(tombstones.map((t) => [t.pseudonymousUserId, t.keyId])).toEqual([[pseudonym, 'k1']]);

    const clicksBefore = (await stateOf(bystander, [a])).items[a]!.last24h.clicks;
    await publish([events.click(user, a), events.purchase(user, [a]), events.click(bystander, a)]);
    await drained();
    const after = await stateOf(user, [a]);
    expect(after.profile).toBeNull();
    expect(after.items[a]!.last24h).toMatchObject({ clicks: clicksBefore + 1, purchases: 0 });
  });

  it('dead-letters 1,000 malformed records mixed into a valid stream, with reasons, and applies every valid event', async () => {
    const item = (i: number) => `c5-m${i % 40}-${setup.id}`;
    const valid: BehaviorEvent[] = [];
    const raw: { key: string; value: Buffer; headers: Record<string, string> }[] = [];
    const binary = (e: BehaviorEvent) => Buffer.from(toBinary(BehaviorEventSchema, e));
    const json = (value: unknown) => Buffer.from(JSON.stringify(value));
    const malformed: { kind: string; key: string; value: Buffer; headers: Record<string, string> }[] = [];
    for (let i = 0; i < 1000; i++) {
      const user = `mal-${i % 17}`;
      const good = events.click(user, item(i));
      const kind = ['truncated', 'json-type', 'unknown-type', 'missing-ids', 'future', 'huge'][i < 995 ? i % 5 : 5]!;
      const proto = { 'content-type': 'application/x-protobuf' };
      const asJson = { 'content-type': 'application/json' };
      if (kind === 'truncated') malformed.push({ kind, key: user, value: binary(good).subarray(0, 9 + (i % 7)), headers: proto });
      if (kind === 'json-type') malformed.push({ kind, key: user, value: json({ ...(toJson(BehaviorEventSchema, good) as object), position: i % 2 ? 'third' : { x: 1 } }), headers: asJson });
      if (kind === 'unknown-type') {
        const e = events.click(user, item(i));
        e.type = 42 as EventType; // a type from a newer producer
        malformed.push({ kind, key: user, value: i % 2 ? binary(e) : json({ ...(toJson(BehaviorEventSchema, good) as object), type: 'EVENT_TYPE_TELEPORT' }), headers: i % 2 ? proto : asJson });
      }
      if (kind === 'missing-ids') malformed.push({ kind, key: user, value: binary(events.click(i % 2 ? '' : user, item(i), { eventId: i % 2 ? 'e-no-user' : '' })), headers: proto });
      if (kind === 'future') malformed.push({ kind, key: user, value: binary(events.click(user, item(i), { occurredAt: timestampFromMs(Date.now() + 3_600_000 * (1 + (i % 48))) })), headers: proto });
      if (kind === 'huge') malformed.push({ kind, key: user, value: Buffer.concat([binary(good), Buffer.alloc(1_000_000 - binary(good).length, 0x41)]), headers: proto });
    }
    for (let i = 0; i < 3000; i++) valid.push(i % 3 === 0 ? events.impression(`ok-${i % 23}`, [item(i), item(i + 1)]) : events.click(`ok-${i % 23}`, item(i)));
    // Schema evolution: fields this version does not know are ignored, in binary and in JSON.
    const evolved = events.click('ok-evolved', item(7));
    raw.push({ key: evolved.userId, value: Buffer.concat([binary(evolved), Buffer.from([0x98, 0x06, 0x01])]), headers: { 'content-type': 'application/x-protobuf' } });
    const evolvedJson = events.click('ok-evolved', item(8));
    raw.push({ key: evolvedJson.userId, value: json({ ...(toJson(BehaviorEventSchema, evolvedJson) as object), loyaltyTier: 'gold' }), headers: { 'content-type': 'application/json' } });

    // Interleave: malformed records land between valid ones in every partition.
    const mixed: { key: string; value: Buffer; headers: Record<string, string> }[] = [...raw];
    let m = 0;
    valid.forEach((e, i) => {
      mixed.push(i % 2 ? { key: e.userId, value: binary(e), headers: { 'content-type': 'application/x-protobuf' } } : { key: e.userId, value: json(toJson(BehaviorEventSchema, e)), headers: { 'content-type': 'application/json' } });
      if (i % 3 === 2 && m < malformed.length) mixed.push(malformed[m++]!);
    });
    while (m < malformed.length) mixed.push(malformed[m++]!);
    // In batches the broker accepts (a 1 MB record travels alone).
    let batch: typeof mixed = [];
    for (const record of mixed) {
      if (record.value.length > 100_000 || batch.length === 200) {
        if (batch.length > 0) await bus.publishRaw(setup.topics.events, batch);
        batch = [];
      }
      if (record.value.length > 100_000) await bus.publishRaw(setup.topics.events, [record]);
      else batch.push(record);
    }
    await bus.publishRaw(setup.topics.events, batch);

    const deadLetters = await readTopic(
      DEAD_LETTER_TOPIC,
      // The consumer's dead letters (Track's own rejections carry the group collector-track).
      (value, headers) =>
        headers[DeadLetterHeaders.sourceTopic] === setup.topics.events && headers[DeadLetterHeaders.consumerGroup] === setup.group
          ? { value, reason: headers[DeadLetterHeaders.reason]! }
          : undefined,
      1000,
      90_000,
    );
    await drained();
    expect(deadLetters).toHaveLength(1000);
    const reasons = deadLetters.map((d) => d.reason);
    const countMatching = (pattern: RegExp) => reasons.filter((r) => pattern.test(r)).length;
    expect(countMatching(/premature EOF|invalid wire type|not a valid shopsense.events.v1.BehaviorEvent \(application\/x-protobuf\)/)).toBe(199);
    expect(countMatching(/cannot decode field shopsense.events.v1.BehaviorEvent.position from JSON/)).toBe(199);
    expect(countMatching(/type 42 is not a known EventType|type is required/)).toBe(199);
    expect(countMatching(/^(event_id|user_id) is required/)).toBe(199);
    expect(countMatching(/occurred_at is more than 300 s in the future/)).toBe(199);
    expect(countMatching(/exceeds the 524288-byte limit/)).toBe(5);
    // Unchanged: every dead letter is byte for byte a record we sent.
    const sent = new Set(malformed.map((r) => r.value.toString('base64')));
    expect(deadLetters.every((d) => sent.has(d.value.toString('base64')))).toBe(true);

    // Every valid event applied exactly once.
    const expected = new Map<string, { impressions: number; clicks: number }>();
    for (const e of [...valid, evolved, evolvedJson]) {
      for (const id of e.type === EventType.IMPRESSION ? e.itemIds : [e.itemIds[0]!]) {
        const entry = expected.get(id) ?? { impressions: 0, clicks: 0 };
        if (e.type === EventType.IMPRESSION) entry.impressions++;
        else entry.clicks++;
        expected.set(id, entry);
      }
    }
    const state = await stateOf('nobody', [...expected.keys()]);
    for (const [id, counts] of expected) expect({ id, ...counts }).toEqual({ id, impressions: state.items[id]!.last24h.impressions, clicks: state.items[id]!.last24h.clicks });
  });

  /** Reads a topic from the start until `count` records came (or the time runs out). */
  async function readTopic<T>(topic: string, decode: (value: Buffer, headers: Record<string, string>) => T | undefined, count: number, timeoutMs = 30_000): Promise<T[]> {
    const out: T[] = [];
    const consumer: Consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(Array.isArray(v) ? v[0] : v)]));
        const decoded = decode(message.value ?? Buffer.alloc(0), headers);
        if (decoded !== undefined) out.push(decoded);
      },
    });
    try {
      await expectEventually(() => expect(out.length).toBeGreaterThanOrEqual(count), { timeoutMs, intervalMs: 200 });
      return out;
    } finally {
      await consumer.disconnect();
    }
  }
});
