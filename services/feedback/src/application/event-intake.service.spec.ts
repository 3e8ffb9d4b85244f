import { toBinary } from '@bufbuild/protobuf';
import { Registry } from 'prom-client';
import { BehaviorEventSchema, type BehaviorEvent } from '@shopsense/contracts';
import { FORGOTTEN_RECORD_HEADER } from '@shopsense/events';
import { createLogger } from '@shopsense/observability';
import { Pseudonymizer } from '@shopsense/user-state';
import type { EventOutcome, PlannedEvent } from '../domain/batch-planner';
import { events } from '../testing/behavior-events.factory';
import type { DeadLetter, IntakeRecord } from './dead-letter.port';
import { EventIntake, isTransient } from './event-intake.service';
import { FeedbackMetrics } from './feedback-metrics';
import { TransientError, type StateWriter } from './state-writer';

const keyring = { current: 'k1', keys: new Map([['k1', Buffer.alloc(32, 9)]]) };
const record = (value: Buffer | null, offset: number, contentType = 'application/x-protobuf'): IntakeRecord => ({ key: null, value, headers: { 'content-type': contentType }, timestampMs: Date.now(), topic: 't', partition: 0, offset: String(offset) });
const binary = (e: BehaviorEvent) => Buffer.from(toBinary(BehaviorEventSchema, e));

function intakeWith(apply: (events: readonly PlannedEvent[]) => Promise<EventOutcome[]>) {
  const dead: DeadLetter[] = [];
  const writer = { apply } as unknown as StateWriter;
  const metrics = new FeedbackMetrics(new Registry());
  const intake = new EventIntake(new Pseudonymizer(keyring), writer, { send: async (d) => void dead.push(...d), forgetUser: async () => 0 }, { maxAgeSeconds: 86_400, maxFutureSkewSeconds: 300 }, 16, metrics, createLogger('test', 'silent'));
  return { intake, dead, metrics };
}

describe('EventIntake', () => {
  it('dead-letters undecodable and invalid records with their reasons and applies the rest, pseudonymised', async () => {
    const seen: PlannedEvent[] = [];
    const { intake, dead } = intakeWith(async (list) => (seen.push(...list), list.map(() => 'applied' as const)));
    const ok = events.click('alice', 'p1');
    const finished = await intake.processRecords([record(binary(ok), 1), record(Buffer.from('{"userId": 5}'), 2, 'application/json'), record(binary(events.click('', 'p1')), 3), record(null, 4)], 'g', () => true);
    expect(finished).toBe(true);
    expect(dead.map((d) => [d.record.offset, d.stage])).toEqual([
      ['2', 'decode'],
      ['3', 'validate'],
      ['4', 'decode'],
    ]);
    expect(dead[1]!.reason).toBe('user_id is required');
    expect(seen.map((p) => p.event.eventId)).toEqual([ok.eventId]);
    expect(seen[0]!.user.pseudonym).toMatch(/^k1:/);
    expect(seen[0]!.user.pseudonym).not.toContain('alice');
  });

  it('takes the event a record carries (published in this process) as it is, and still validates it', async () => {
    const seen: PlannedEvent[] = [];
    const { intake, dead } = intakeWith(async (list) => (seen.push(...list), list.map(() => 'applied' as const)));
    const carried = events.click('carol', 'p1');
    // The bytes would not decode: only the carried event can have been used.
    const withMessage: IntakeRecord = { ...record(Buffer.from([0xff, 0xff]), 1), message: carried };
    const invalid: IntakeRecord = { ...record(Buffer.from([0xff, 0xff]), 2), message: events.click('', 'p1') };
    expect(await intake.processRecords([withMessage, invalid], 'g', () => true)).toBe(true);
    expect(seen.map((p) => p.event)).toEqual([carried]);
    expect(dead.map((d) => [d.record.offset, d.stage, d.reason])).toEqual([['2', 'validate', 'user_id is required']]);
  });

  it('skips records emptied by ForgetUser, counting them as forgotten rather than dead-lettering them', async () => {
    const seen: PlannedEvent[] = [];
    const { intake, dead, metrics } = intakeWith(async (list) => (seen.push(...list), list.map(() => 'applied' as const)));
    const emptied: IntakeRecord = { ...record(null, 1), headers: { [FORGOTTEN_RECORD_HEADER]: '1' } };
    expect(await intake.processRecords([emptied, record(binary(events.click('bob', 'p1')), 2)], 'g', () => true)).toBe(true);
    expect(dead).toEqual([]);
    expect(seen).toHaveLength(1);
    const counted = (await metrics.events.get()).values.map((v) => [v.labels['outcome'], v.value]);
    expect(counted).toEqual(expect.arrayContaining([['forgotten', 1], ['applied', 1]]));
  });

  it('isolates a poison event by halving the batch, dead-letters it after retries, and applies the others in order', async () => {
    const poison = events.click('u1', 'poison');
    const applied: string[] = [];
    const { intake, dead } = intakeWith(async (list) => {
      if (list.some((p) => p.event.eventId === poison.eventId)) throw new Error('ERR script failed');
      applied.push(...list.map((p) => p.event.itemIds[0]!));
      return list.map(() => 'applied' as const);
    });
    const list = [events.click('u1', 'a'), events.click('u1', 'b'), poison, events.click('u1', 'c'), events.click('u1', 'd')];
    expect(await intake.processRecords(list.map((e, i) => record(binary(e), i)), 'g', () => true)).toBe(true);
    expect(applied).toEqual(['a', 'b', 'c', 'd']);
    expect(dead.map((d) => [d.record.offset, d.stage, d.reason])).toEqual([['2', 'apply', 'could not be applied: ERR script failed']]);
  });

  it('retries outages as long as it runs, and reports a stop without a verdict', async () => {
    let calls = 0;
    const { intake } = intakeWith(async (list) => {
      calls++;
      if (calls < 3) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
      return list.map(() => 'applied' as const);
    });
    expect(await intake.processRecords([record(binary(events.click('u1', 'a')), 0)], 'g', () => true)).toBe(true);
    expect(calls).toBe(3);

    const { intake: down } = intakeWith(async () => {
      throw new TransientError('down');
    });
    let running = true;
    setTimeout(() => (running = false), 300);
    expect(await down.processRecords([record(binary(events.click('u1', 'a')), 0)], 'g', () => running)).toBe(false);
  });

  it('tells outages from poison', () => {
    expect(isTransient(new TransientError('x'))).toBe(true);
    expect(isTransient(Object.assign(new Error('LOADING Redis is loading'), { name: 'ReplyError' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('ERR Error running script'), { name: 'ReplyError' }))).toBe(false);
    expect(isTransient(Object.assign(new Error('x'), { name: 'MaxRetriesPerRequestError' }))).toBe(true);
    expect(isTransient(new Error('Connection is closed.'))).toBe(true);
    expect(isTransient(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false);
  });
});
