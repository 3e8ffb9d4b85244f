import { randomUUID } from 'node:crypto';
import { create, toBinary } from '@bufbuild/protobuf';
import Redis from 'ioredis';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { BehaviorEventSchema, EventType } from '@shopsense/contracts';
import { createLogger } from '@shopsense/observability';
import { expectEventually, spawnTs } from '@shopsense/testing';
import { DeadLetterHeaders, done } from './event-bus';
import { KafkaEventBus } from './kafka-event-bus';
import { DEAD_LETTER_TOPIC, Topics, type TopicDefinition } from './topic-registry';
import type { BehaviorEvent } from '@shopsense/contracts';

const brokers = process.env['KAFKA_BROKERS']!.split(',');
const logger = createLogger('events-test', 'silent');
const kafka = new Kafka({ clientId: 'events-test', brokers, logLevel: logLevel.NOTHING });

async function createTestTopic(): Promise<TopicDefinition<typeof BehaviorEventSchema>> {
  const name = `test.events.${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: name, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  return { ...Topics.behaviorEvents, name };
}

/** Reads the dead-letter topic from the start and keeps the records that came from `sourceTopic`. */
async function watchDeadLetters(sourceTopic: string) {
  const records: { value: Buffer | null; reason: string }[] = [];
  const consumer: Consumer = kafka.consumer({ groupId: `dlq-reader-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: DEAD_LETTER_TOPIC, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.headers?.[DeadLetterHeaders.sourceTopic]?.toString() !== sourceTopic) return;
      records.push({ value: message.value, reason: message.headers[DeadLetterHeaders.reason]!.toString() });
    },
  });
  return { records, stop: () => consumer.disconnect() };
}

const behaviorEvent = (eventId: string, userId = 'u1') => create(BehaviorEventSchema, { eventId, userId, type: EventType.CLICK, itemIds: ['p1'] });

describe('KafkaEventBus against the real broker', () => {
  let bus: KafkaEventBus;
  beforeEach(() => {
    bus = new KafkaEventBus({ brokers, clientId: 'events-test' }, logger);
  });
  afterEach(async () => {
    await bus.close();
  });

  it('produces and consumes a protobuf BehaviorEvent', async () => {
    const topic = await createTestTopic();
    const received: BehaviorEvent[] = [];
    await bus.subscribe(topic, { groupId: `g-${randomUUID()}`, handler: async (event) => (received.push(event), done) });
    await bus.publish(topic, [{ key: 'u1', message: behaviorEvent('e-1') }]);
    await expectEventually(() => expect(received.map((e) => e.eventId)).toEqual(['e-1']), { timeoutMs: 30_000 });
    expect(received[0]!.type).toBe(EventType.CLICK);
  });

  it('dead-letters a malformed protobuf and a JSON event with a wrong field type, and keeps consuming', async () => {
    const topic = await createTestTopic();
    const deadLetters = await watchDeadLetters(topic.name);
    const received: string[] = [];
    await bus.subscribe(topic, { groupId: `g-${randomUUID()}`, handler: async (event) => (received.push(event.eventId), done) });

    const truncated = Buffer.from(toBinary(BehaviorEventSchema, behaviorEvent('e-truncated'))).subarray(0, 7);
    const wrongType = Buffer.from(JSON.stringify({ eventId: 'e-json', userId: 'u1', position: 'third' }));
    await bus.publishRaw(topic.name, [
      { key: 'u1', value: truncated, headers: { 'content-type': 'application/x-protobuf' } },
      { key: 'u1', value: wrongType, headers: { 'content-type': 'application/json' } },
    ]);
    await bus.publish(topic, [{ key: 'u1', message: behaviorEvent('e-after') }], 'json');

    await expectEventually(() => expect(received).toEqual(['e-after']), { timeoutMs: 30_000 });
    await expectEventually(() => expect(deadLetters.records).toHaveLength(2), { timeoutMs: 30_000 });
    const [first, second] = deadLetters.records;
    expect(first!.reason).toMatch(/not a valid shopsense\.events\.v1\.BehaviorEvent/);
    expect(first!.value).toEqual(truncated); // unchanged
    expect(second!.reason).toMatch(/position/);
    expect(second!.value?.toString()).toBe(wrongType.toString());
    await deadLetters.stop();
  });

  it('redelivers an event whose consumer was SIGKILLed after its handler ran but before the commit, and the idempotent handler applies it once', async () => {
    const topic = await createTestTopic();
    const group = `crash-${randomUUID()}`;
    const prefix = `crash-test:${randomUUID()}`;
    const env = { TOPIC: topic.name, GROUP: group, PREFIX: prefix, KAFKA_BROKERS: brokers.join(','), REDIS_URL: process.env['REDIS_URL']! };
    const redis = new Redis(process.env['REDIS_URL']!);
    try {
      await bus.publish(topic, [{ key: 'u-crash', message: behaviorEvent('e-crash', 'u-crash') }]);

      const first = spawnTs('libs/events/src/testing/idempotent-consumer.fixture.ts', { ...env, BLOCK_AFTER_APPLY: '1' });
      await first.waitForLine(/"handled":"e-crash","firstTime":true/, 60_000);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      expect(await redis.get(`${prefix}:count:u-crash`)).toBe('1');

      const second = spawnTs('libs/events/src/testing/idempotent-consumer.fixture.ts', env);
      // The uncommitted event comes again; the handler sees it was applied already.
      await second.waitForLine(/"handled":"e-crash","firstTime":false/, 60_000);
      second.child.kill('SIGTERM');
      await second.exited;
      expect(await redis.get(`${prefix}:count:u-crash`)).toBe('1');
    } finally {
      redis.disconnect();
    }
  });
});
