import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { create, fromBinary } from '@bufbuild/protobuf';
import { BehaviorEventSchema, type BehaviorEvent } from '@shopsense/contracts';
import { createLogger } from '@shopsense/observability';
import { expectEventually } from '@shopsense/testing';
import { deadLetter, done, FORGOTTEN_RECORD_HEADER, retry, type HandlerOutcome } from './event-bus';
import { InProcessEventBus, type BatchRecord } from './in-process-event-bus';
import { Topics } from './topic-registry';

function setup(deadLetterMaxBytes?: number) {
  const deadLetterFile = join(mkdtempSync(join(tmpdir(), 'bus-')), 'data', 'dead-letters.jsonl');
  const bus = new InProcessEventBus({ deadLetterFile, logger: createLogger('test', 'silent'), ...(deadLetterMaxBytes ? { deadLetterMaxBytes } : {}) });
  return { bus, deadLetterFile };
}

/** Dead-letters every record of `users` (one each) through a group that refuses them all. */
async function deadLetterEach(bus: InProcessEventBus, deadLetterFile: string, users: string[]): Promise<void> {
  await bus.subscribe(Topics.behaviorEvents, { groupId: 'refuse', handler: async () => deadLetter('refused') });
  await bus.publish(Topics.behaviorEvents, users.map((user, i) => ({ key: user, message: create(BehaviorEventSchema, { eventId: `e${i}`, userId: user }) })));
  await expectEventually(() => expect(existsSync(deadLetterFile) ? readFileSync(deadLetterFile, 'utf8').trim().split('\n').length : 0).toBe(users.length));
}

const event = (eventId: string) => ({ key: 'u1', message: create(BehaviorEventSchema, { eventId, userId: 'u1' }) });

describe('InProcessEventBus', () => {
  it('delivers every record to each group, in order', async () => {
    const { bus } = setup();
    const a: string[] = [];
    const b: string[] = [];
    await bus.subscribe(Topics.behaviorEvents, { groupId: 'a', handler: async (m) => (a.push(m.eventId), done) });
    await bus.publish(Topics.behaviorEvents, [event('1'), event('2')]);
    await bus.subscribe(Topics.behaviorEvents, { groupId: 'b', handler: async (m) => (b.push(m.eventId), done) });
    await bus.publish(Topics.behaviorEvents, [event('3')], 'json');
    await expectEventually(() => expect([a, b]).toEqual([['1', '2', '3'], ['1', '2', '3']]));
    await bus.close();
  });

  it('dead-letters undecodable records and explicit rejections to the file, and keeps going', async () => {
    const { bus, deadLetterFile } = setup();
    const seen: string[] = [];
    await bus.subscribe(Topics.behaviorEvents, {
      groupId: 'g',
      handler: async (m: BehaviorEvent): Promise<HandlerOutcome> => {
        seen.push(m.eventId);
        return m.eventId === 'bad' ? deadLetter('missing user') : done;
      },
    });
    await bus.publishRaw(Topics.behaviorEvents.name, [{ key: 'u', value: Buffer.from('{"position": "x"}'), headers: { 'content-type': 'application/json' } }]);
    await bus.publish(Topics.behaviorEvents, [event('bad'), event('good')]);
    await expectEventually(() => expect(seen).toEqual(['bad', 'good']));
    const lines = readFileSync(deadLetterFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0].headers['x-dlq-reason']).toMatch(/position/);
    expect(Buffer.from(lines[0].value_base64, 'base64').toString()).toBe('{"position": "x"}');
    expect(lines[1].headers['x-dlq-reason']).toBe('missing user');
    await bus.close();
  });

  it('retries a transient failure until it succeeds, and dead-letters a handler that keeps throwing', async () => {
    const { bus, deadLetterFile } = setup();
    let attempts = 0;
    const processed: string[] = [];
    await bus.subscribe(Topics.behaviorEvents, {
      groupId: 'g',
      maxAttempts: 2,
      handler: async (m) => {
        if (m.eventId === 'flaky' && ++attempts < 3) return retry('store down');
        if (m.eventId === 'poison') throw new Error('boom');
        processed.push(m.eventId);
        return done;
      },
    });
    await bus.publish(Topics.behaviorEvents, [event('flaky'), event('poison'), event('after')]);
    await expectEventually(() => expect(processed).toEqual(['flaky', 'after']));
    expect(attempts).toBe(3);
    expect(readFileSync(deadLetterFile, 'utf8')).toContain('handler failed 2 time(s): boom');
    await bus.close();
  });

  it('keeps dead letters readable by this user only, and forgets a user\'s (keyed by user id) on request', async () => {
    const { bus, deadLetterFile } = setup();
    await deadLetterEach(bus, deadLetterFile, ['alice', 'bob', 'alice']);
    expect(statSync(deadLetterFile).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(deadLetterFile)).mode & 0o777).toBe(0o700);
    expect(await bus.forgetDeadLetters('alice')).toBe(2);
    const left = readFileSync(deadLetterFile, 'utf8');
    expect(left).not.toContain('alice');
    expect(left.trim().split('\n').map((l) => JSON.parse(l).key)).toEqual(['bob']);
    expect(statSync(deadLetterFile).mode & 0o777).toBe(0o600);
    expect(await bus.forgetDeadLetters('nobody')).toBe(0);
    await bus.close();
  });

  it('drops the oldest half of the dead letters when the file passes its size limit', async () => {
    const { bus, deadLetterFile } = setup(2_000);
    const users = Array.from({ length: 12 }, (_, i) => `user-${String(i).padStart(2, '0')}`);
    await bus.subscribe(Topics.behaviorEvents, { groupId: 'refuse', handler: async () => deadLetter('refused') });
    await bus.publish(Topics.behaviorEvents, users.map((user, i) => ({ key: user, message: create(BehaviorEventSchema, { eventId: `e${i}`, userId: user }) })));
    await expectEventually(() => expect(readFileSync(deadLetterFile, 'utf8')).toContain('user-11'));
    const keys = readFileSync(deadLetterFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l).key as string);
    expect(statSync(deadLetterFile).size).toBeLessThanOrEqual(2_000);
    expect(keys.at(-1)).toBe('user-11'); // the newest kept, the oldest gone
    expect(keys).not.toContain('user-00');
    expect(keys).toEqual([...keys].sort());
    await bus.close();
  });

  describe('durable topics and batch subscriptions', () => {
    const TOPIC = Topics.behaviorEvents.name;
    const durableBus = (dir: string) => new InProcessEventBus({ deadLetterFile: join(dir, 'dead-letters.jsonl'), logger: createLogger('test', 'silent'), durable: { dir: join(dir, 'log'), topics: [TOPIC] } });
    const ids = (records: readonly { value: Buffer | null }[]) => records.map((r) => fromBinary(BehaviorEventSchema, r.value!).eventId);

    it('refuses to publish to a durable topic before its log is open', async () => {
      const bus = durableBus(mkdtempSync(join(tmpdir(), 'bus-durable-')));
      await expect(bus.publish(Topics.behaviorEvents, [event('1')])).rejects.toThrow(/durable: open\(\) the bus/);
    });

    it('hands a batch consumer what arrived while it worked, and moves its position only past finished batches', async () => {
      const bus = durableBus(mkdtempSync(join(tmpdir(), 'bus-durable-')));
      await bus.open();
      const batches: string[][] = [];
      let release!: () => void;
      const firstBatchHeld = new Promise<void>((resolve) => (release = resolve));
      await bus.subscribeBatches(TOPIC, {
        groupId: 'g',
        maxRecords: 3,
        handler: async (records) => {
          batches.push(ids(records));
          if (batches.length === 1) await firstBatchHeld;
          return true;
        },
      });
      await bus.publish(Topics.behaviorEvents, [event('1')]);
      await expectEventually(() => expect(batches).toHaveLength(1));
      await bus.publish(Topics.behaviorEvents, ['2', '3', '4', '5'].map(event));
      expect(bus.committedOffset(TOPIC, 'g')).toBe(0);
      expect(bus.lag(TOPIC, 'g')).toBe(5);
      release();
      await expectEventually(() => expect(bus.committedOffset(TOPIC, 'g')).toBe(5));
      expect(batches).toEqual([['1'], ['2', '3', '4'], ['5']]);
      expect(bus.lag(TOPIC, 'g')).toBe(0);
      await bus.close();
    });

    it('retries a batch whose handler throws, and redelivers one it gave back while stopping', async () => {
      const bus = durableBus(mkdtempSync(join(tmpdir(), 'bus-durable-')));
      await bus.open();
      const calls: string[][] = [];
      const subscription = await bus.subscribeBatches(TOPIC, {
        groupId: 'g',
        maxRecords: 10,
        handler: async (records) => {
          calls.push(ids(records));
          if (calls.length === 1) throw new Error('store down');
          return calls.length < 3;
        },
      });
      await bus.publish(Topics.behaviorEvents, [event('1')]);
      await expectEventually(() => expect(calls).toHaveLength(2));
      expect(bus.committedOffset(TOPIC, 'g')).toBe(1);
      await bus.publish(Topics.behaviorEvents, [event('2')]);
      await expectEventually(() => expect(calls).toHaveLength(3));
      await subscription.stop();
      expect(calls).toEqual([['1'], ['1'], ['2']]);
      expect(bus.committedOffset(TOPIC, 'g')).toBe(1); // '2' was given back: the next subscription starts at it
      await bus.close();
    });

    it('hands a batch consumer the message a record was published with, and none for records read back from the log', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bus-durable-'));
      const bus = durableBus(dir);
      await bus.open();
      const published = ['1', '2'].map(event);
      await bus.publish(Topics.behaviorEvents, published);
      const first: BatchRecord[] = [];
      await bus.subscribeBatches(TOPIC, { groupId: 'g', maxRecords: 10, handler: async (records) => (first.push(...records), true) });
      await expectEventually(() => expect(first).toHaveLength(2));
      expect(first.map((r) => r.message)).toEqual(published.map((r) => r.message));
      expect(first[0]!.message).toBe(published[0]!.message);
      // Once handled, the records kept for other readers hold their bytes only.
      await expectEventually(() => expect(bus.committedOffset(TOPIC, 'g')).toBe(2));
      const later: BatchRecord[] = [];
      await bus.subscribeBatches(TOPIC, { groupId: 'later', maxRecords: 10, handler: async (records) => (later.push(...records), true) });
      await expectEventually(() => expect(ids(later)).toEqual(['1', '2']));
      expect(later.every((r) => r.message === undefined)).toBe(true);
      await bus.close();

      const reopened = durableBus(dir);
      await reopened.open();
      const replayed: BatchRecord[] = [];
      await reopened.subscribeBatches(TOPIC, { groupId: 'other', maxRecords: 10, handler: async (records) => (replayed.push(...records), true) });
      await expectEventually(() => expect(ids(replayed)).toEqual(['1', '2']));
      expect(replayed.every((r) => r.message === undefined)).toBe(true);
      await reopened.close();
    });

    it("empties a forgotten key's records in memory and on disk, at the same offsets", async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bus-durable-'));
      const bus = durableBus(dir);
      await bus.open();
      await bus.publish(Topics.behaviorEvents, [{ key: 'alice', message: create(BehaviorEventSchema, { eventId: 'a1', userId: 'alice' }) }, event('2')]);
      expect(await bus.forgetRecords('alice')).toBe(1);
      const seen: { key: string | null; headers: Record<string, string> }[] = [];
      await bus.subscribeBatches(TOPIC, { groupId: 'g', maxRecords: 10, handler: async (records) => (seen.push(...records.map((r) => ({ key: r.key, headers: r.headers }))), true) });
      await expectEventually(() => expect(seen).toHaveLength(2));
      expect(seen[0]).toEqual({ key: null, headers: { [FORGOTTEN_RECORD_HEADER]: '1' } });
      expect(seen[1]!.key).toBe('u1');
      await bus.close();
      for (const name of readdirSync(join(dir, 'log', TOPIC))) expect(readFileSync(join(dir, 'log', TOPIC, name)).includes('alice')).toBe(false);
    });

    it('keeps acknowledged records across a restart, resumes a group at the position it is told, and drops what is below it', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bus-durable-'));
      const before = durableBus(dir);
      expect(await before.open()).toEqual([{ topic: TOPIC, records: 0, firstOffset: 0, tornBytes: 0 }]);
      await before.publish(Topics.behaviorEvents, ['1', '2', '3'].map(event));
      // No close: the process dies here. The position 2 was saved with the consumer's state elsewhere.
      const after = durableBus(dir);
      after.seek(TOPIC, 'g', 2);
      expect(await after.open()).toEqual([{ topic: TOPIC, records: 3, firstOffset: 0, tornBytes: 0 }]);
      expect(after.lag(TOPIC, 'g')).toBe(1);
      const seen: string[] = [];
      await after.subscribeBatches(TOPIC, { groupId: 'g', maxRecords: 10, handler: async (records) => (seen.push(...ids(records)), true) });
      await expectEventually(() => expect(seen).toEqual(['3']));
      await after.publish(Topics.behaviorEvents, [event('4')]);
      await expectEventually(() => expect(after.committedOffset(TOPIC, 'g')).toBe(4));
      await after.dropLogBefore(TOPIC, 4);
      await after.close();

      const third = durableBus(dir);
      expect(await third.open()).toEqual([{ topic: TOPIC, records: 0, firstOffset: 4, tornBytes: 0 }]);
      await third.publish(Topics.behaviorEvents, [event('5')]);
      const replayed: string[] = [];
      await third.subscribeBatches(TOPIC, { groupId: 'g', maxRecords: 10, handler: async (records) => (replayed.push(...ids(records)), true) });
      await expectEventually(() => expect(replayed).toEqual(['5']));
      expect(third.committedOffset(TOPIC, 'g')).toBe(5);
      await third.close();
    });
  });
});
