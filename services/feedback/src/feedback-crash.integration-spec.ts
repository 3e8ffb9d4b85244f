/**
 * Exactly once in effect, under fire: 40k events (2% of them published twice) stream into a
 * 6-partition topic while the consumer process is SIGKILLed at random points at least five times
 * and restarted; in the second test the broker itself restarts mid-stream. Afterwards every item
 * counter and query-item count equals the total counted straight from the events, and every
 * profile and co-occurrence list equals what the same events give when processed once, in
 * order, without a crash (the in-memory oracle).
 *
 * The broker is down longer than the consumer's stall timeout, so the consumer is replaced while
 * the broker is away (the supervision kafkajs lacks: left alone it can give up on a consumer for
 * good after an outage and leave the process running with nothing consumed).
 *
 * The third streams while retrieval answers later than the consumer's deadline: batches wait for
 * their item vectors instead of being applied without them.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import type { Admin } from 'kafkajs';
import type { BehaviorEvent } from '@shopsense/contracts';
import { KafkaEventBus, Topics } from '@shopsense/events';
import { createLogger } from '@shopsense/observability';
import { counterByLabel, deleteKeysWithPrefix, expectEventually, WORKSPACE_ROOT, type StartedServiceProcess } from '@shopsense/testing';
import {
  cosine,
  decodeProfile,
  DEFAULT_STORE_SETTINGS,
  normalizeQuery,
  parseHmacKeyring,
  Pseudonymizer,
  queryDigest,
  RedisUserStateStore,
  type UserStateStore,
} from '@shopsense/user-state';
import { expectedCounts, generateClickstream } from './testing/clickstream.workload';
import { FakeRetrievalServer } from './testing/fake-retrieval.server';
import { createTopics, feedbackSetup, lagOf, redisUrl, startFeedback, testKafka, type FeedbackTestSetup } from './testing/feedback-harness';
import { oracleState } from './testing/in-memory-oracle';

/**
 * Sized to the behaviour: five kills, each after another 1,000–6,000 committed records, take at
 * most ~31k records, so 40k keep every kill mid-stream (the test asserts it); the broker outage
 * needs production still running when the broker stops. With 100k events the suite took 134 s
 * here against 101 s, and showed nothing more; bench:feedback streams 200k.
 */
const EVENTS = Number(process.env['FEEDBACK_CRASH_EVENTS'] ?? 40_000);
/** Longer than FEEDBACK_KAFKA_STALL_TIMEOUT_MS in the harness (15 s). */
const BROKER_OUTAGE_MS = 25_000;
const DIMENSION = 32;
/** Enough for every one of the 800 items to be looked up (the consumer caches vectors once found). */
const SLOW_RETRIEVAL_EVENTS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const run = promisify(execFile);

jest.setTimeout(600_000);

describe('feedback consumer: exactly once in effect across crashes and broker restarts', () => {
  let retrieval: FakeRetrievalServer;
  let admin: Admin;
  let redis: Redis;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    retrieval = new FakeRetrievalServer(DIMENSION);
    const address = await retrieval.start();
    process.env['FEEDBACK_TEST_RETRIEVAL'] = address;
    admin = testKafka().admin();
    await admin.connect();
    redis = new Redis(redisUrl());
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await admin?.disconnect();
    redis?.disconnect();
    await retrieval?.stop();
  });

  async function prepare(events = EVENTS, env: Record<string, string> = {}): Promise<{ setup: FeedbackTestSetup; list: BehaviorEvent[]; bus: KafkaEventBus }> {
    // Bounds high enough that no top-N trimming happens, so the state is independent of how
    // partitions interleave and can be compared exactly with the oracle.
    const setup = feedbackSetup(process.env['FEEDBACK_TEST_RETRIEVAL']!, { FEEDBACK_COOCCURRENCE_MAX: '1000', FEEDBACK_QUERY_ITEMS_MAX: '1000', FEEDBACK_BATCH_SIZE: '500', ...env });
    await createTopics(admin, { [setup.topics.events]: 6, [setup.topics.training]: 1, [setup.topics.forget]: 1 });
    const bus = new KafkaEventBus({ brokers: setup.env['KAFKA_BROKERS']!.split(','), clientId: 'crash-test-producer' }, createLogger('crash-test', 'silent'));
    cleanups.push(
      () => bus.close(),
      () => admin.deleteTopics({ topics: Object.values(setup.topics) }),
      () => deleteKeysWithPrefix(redis, setup.prefix),
    );
    const list = generateClickstream({
      events,
      users: 3_000,
      items: 800,
      categories: 16,
      queries: 40,
      startMs: Date.now() - events * 10,
      stepMs: 10,
      duplicateRate: 0.02,
      seed: 7,
      runId: setup.id,
    });
    return { setup, list, bus };
  }

  /** Publishes in chunks, retrying a chunk until the broker takes it (duplicates are fine: dedup). */
  async function produce(bus: KafkaEventBus, topic: string, list: BehaviorEvent[], chunk: number, pauseMs: number): Promise<void> {
    const definition = { ...Topics.behaviorEvents, name: topic };
    for (let i = 0; i < list.length; i += chunk) {
      const records = list.slice(i, i + chunk).map((e) => ({ key: e.userId, message: e }));
      for (let attempt = 0; ; attempt++) {
        try {
          await bus.publish(definition, records);
          break;
        } catch (error) {
          if (attempt > 60) throw error;
          await sleep(1_000);
        }
      }
      if (pauseMs > 0) await sleep(pauseMs);
    }
  }

  /**
   * Waits until the group has committed every record. If it never does, the failure carries the
   * consumer's own warnings and errors: CI keeps nothing else of the child process.
   */
  async function expectDrained(setup: FeedbackTestSetup, consumer: StartedServiceProcess): Promise<void> {
    try {
      await expectEventually(async () => expect(await lagOf(admin, setup.group, setup.topics.events)).toBe(0), { timeoutMs: 300_000, intervalMs: 500 });
    } catch (error) {
      const problems = consumer
        .output()
        .split('\n')
        .filter((line) => /"level":"(warn|error|fatal)"/.test(line))
        .slice(-40)
        .map((line) => line.slice(0, 600));
      throw new Error(`${(error as Error).message}\nthe consumer's last warnings and errors:\n${problems.join('\n')}`);
    }
  }

  async function verify(setup: FeedbackTestSetup, list: BehaviorEvent[]): Promise<void> {
    const keyring = parseHmacKeyring(readFileSync(setup.env['FEEDBACK_HMAC_KEYS_FILE']!, 'utf8'));
    const settings = { ...DEFAULT_STORE_SETTINGS, keyPrefix: setup.prefix, profileShards: 16, dedupShards: 64, cooccurrenceMax: 1000, queryItemsMax: 1000 };
    const actual: UserStateStore = new RedisUserStateStore(redis, settings);
    const oracle = await oracleState(list, keyring, DIMENSION, settings);
    const expected = expectedCounts(list, normalizeQuery);
    const now = Math.floor(Date.now() / 1000);
    const items = [...expected.items.keys()];

    // 1. Item counters: the totals counted from the events, exactly.
    const state = await actual.readForRanking({ pseudonym: 'k1:nobody', itemIds: items, now });
    const mismatches = items.filter((id) => JSON.stringify(state.items[id]!.last7d) !== JSON.stringify(expected.items.get(id)));
    expect(mismatches.slice(0, 5).map((id) => ({ id, actual: state.items[id]!.last7d, expected: expected.items.get(id) }))).toEqual([]);
    const total = (metric: 'impressions' | 'clicks' | 'carts' | 'purchases') => items.reduce((n, id) => n + state.items[id]!.last7d[metric], 0);
    const expectedTotal = (metric: 'impressions' | 'clicks' | 'carts' | 'purchases') => [...expected.items.values()].reduce((n, c) => n + c[metric], 0);
    expect([total('impressions'), total('clicks'), total('carts'), total('purchases')]).toEqual([expectedTotal('impressions'), expectedTotal('clicks'), expectedTotal('carts'), expectedTotal('purchases')]);

    // 2. Query-item counts, exactly.
    for (const [query, perItem] of expected.queryItems) {
      const ids = [...perItem.keys()];
      const q = await actual.readForRanking({ pseudonym: 'k1:nobody', itemIds: ids, queryDigest: queryDigest(query), now });
      expect(ids.map((id) => [id, q.queryItems[id]?.impressions ?? 0, q.queryItems[id]?.clicks ?? 0])).toEqual(ids.map((id) => [id, ...perItem.get(id)!]));
    }

    // 3. Co-occurrence lists equal the oracle's.
    for (const id of items) expect([id, await actual.neighbours(id, 2000)]).toEqual([id, await oracle.neighbours(id, 2000)]);

    // 4. Profiles: the same recent items, sessions and event times; vectors equal up to int8 re-quantisation.
    const pseudonymizer = new Pseudonymizer(keyring);
    const users = [...new Set(list.map((e) => e.userId))].map((u) => pseudonymizer.pseudonymize(u).pseudonym);
    for (let i = 0; i < users.length; i += 500) {
      const request = { dedup: [], pseudonyms: users.slice(i, i + 500), internItems: [] };
      const [mine, theirs] = await Promise.all([actual.prepare(request), oracle.prepare(request)]);
      mine.users.forEach((m, k) => {
        const o = theirs.users[k]!;
        expect(m.profile === null).toBe(o.profile === null);
        if (!m.profile || !o.profile) return;
        const [pm, po] = [decodeProfile(m.profile), decodeProfile(o.profile)];
        const shape = (p: typeof pm, ids: (string | null)[]) => ({ lastEventAt: p.lastEventAt, sessionHash: p.sessionHash, recent: p.recent.map((e, j) => [ids[j], e.kind, e.inSession]) });
        expect(shape(pm, m.recentItemIds)).toEqual(shape(po, o.recentItemIds));
        for (const key of ['shortTerm', 'longTerm'] as const) {
          expect(pm[key] === null).toBe(po[key] === null);
          if (pm[key] && po[key]) {
            expect(cosine(pm[key]!.values, po[key]!.values)).toBeGreaterThan(0.995);
            expect(pm[key]!.weight).toBeCloseTo(po[key]!.weight, 2);
          }
        }
      });
    }
  }

  it(`applies ${EVENTS} events exactly once while the consumer is SIGKILLed at random points at least 5 times`, async () => {
    const { setup, list, bus } = await prepare();
    let consumer: StartedServiceProcess = await startFeedback(setup);
    cleanups.push(async () => consumer.child.kill('SIGKILL'));
    // The stream is produced while the consumer is being killed. Each kill comes at a random
    // point of progress: after the group has committed another 1,000 to 6,000 records since the
    // (re)start, so it always interrupts a consumer that is mid-stream.
    const producing = produce(bus, setup.topics.events, list, 5_000, 0);
    const kills: { committedSinceStart: number; lag: number }[] = [];
    const committed = async () => (await admin.fetchOffsets({ groupId: setup.group, topics: [setup.topics.events] }))[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    while (kills.length < 5) {
      const start = await committed();
      const threshold = 1_000 + Math.floor(Math.random() * 5_000);
      await expectEventually(async () => expect((await committed()) - start).toBeGreaterThanOrEqual(threshold), { timeoutMs: 120_000, intervalMs: 50 });
      const lag = await lagOf(admin, setup.group, setup.topics.events);
      consumer.child.kill('SIGKILL');
      expect(await consumer.exited).toBe('SIGKILL');
      kills.push({ committedSinceStart: (await committed()) - start, lag });
      consumer = await startFeedback(setup);
    }
    await producing;
    await expectDrained(setup, consumer);
    // Every kill hit a consumer with work in flight (uncommitted or unread records).
    expect(kills.filter((k) => k.lag > 0)).toHaveLength(kills.length);
    consumer.child.kill('SIGTERM');
    expect(await consumer.exited).toBe(0);
    await verify(setup, list);
  });

  it(`applies ${EVENTS} events exactly once across a broker outage mid-stream, replacing the stalled consumer`, async () => {
    const { setup, list, bus } = await prepare();
    const consumer = await startFeedback(setup);
    cleanups.push(async () => consumer.child.kill('SIGKILL'));
    const producing = produce(bus, setup.topics.events, list, 2_500, 400);
    await expectEventually(async () => expect(await lagOf(admin, setup.group, setup.topics.events)).toBeGreaterThan(0), { timeoutMs: 30_000 });
    await sleep(2_000);
    const kafka = (command: string) => run('bash', ['deploy/local/kafka.sh', command], { cwd: WORKSPACE_ROOT, env: process.env, timeout: 240_000 });
    await kafka('stop');
    await sleep(BROKER_OUTAGE_MS);
    await kafka('start');
    await producing;
    await expectDrained(setup, consumer);
    expect(consumer.child.exitCode).toBeNull(); // it rode out the outage
    // Nothing moved for longer than the stall timeout, so the consumer was replaced at least once.
    const restarts = await counterByLabel(consumer.metricsPort, 'feedback_consumer_restarts_total', 'reason');
    expect(Object.values(restarts).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    consumer.child.kill('SIGTERM');
    expect(await consumer.exited).toBe(0);
    await verify(setup, list);
  });

  it('applies every interest-vector update while retrieval answers slower than the consumer waits', async () => {
    // Retrieval answers 800 ms late against a 300 ms deadline: no lookup can succeed until the
    // consumer lengthens its deadline. Applying the batch without its vectors would leave
    // interest-vector weights short of the oracle's (seen on a busy machine: 36.99 against 40.99).
    const { setup, list, bus } = await prepare(SLOW_RETRIEVAL_EVENTS, { UPSTREAM_TIMEOUT_MS: '300' });
    retrieval.delayMs = 800;
    try {
      const consumer = await startFeedback(setup);
      cleanups.push(async () => consumer.child.kill('SIGKILL'));
      await produce(bus, setup.topics.events, list, 2_500, 0);
      await expectDrained(setup, consumer);
      const vectorUpdates = await counterByLabel(consumer.metricsPort, 'feedback_vector_updates_total', 'result');
      expect(vectorUpdates['delayed']).toBeGreaterThan(0); // the slow answers were really waited for
      consumer.child.kill('SIGTERM');
      expect(await consumer.exited).toBe(0);
    } finally {
      retrieval.delayMs = 0;
    }
    await verify(setup, list);
  });
});
