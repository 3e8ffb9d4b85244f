import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BehaviorEventSchema } from '@shopsense/contracts';
import { decodeRecord } from '@shopsense/events';
import { validateEvent } from './domain/event-validation';

/** Every protobuf-JSON example in docs/events.md decodes and passes validation (as of its own time). */
describe('docs/events.md examples', () => {
  const doc = readFileSync(join(__dirname, '../../../docs/events.md'), 'utf8');
  const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);

  it('has one example per event type', () => {
    expect(examples.length).toBe(7);
  });

  it.each(examples.map((e, i) => [i, e]))('example %d is a valid BehaviorEvent', (_, json) => {
    const decoded = decodeRecord(BehaviorEventSchema, Buffer.from(json), 'application/json');
    if (!decoded.ok) throw new Error(decoded.reason);
    const at = Number(decoded.message.occurredAt!.seconds);
    expect(validateEvent(decoded.message, at + 60, at, { maxAgeSeconds: 7 * 86_400, maxFutureSkewSeconds: 300 })).toEqual({ ok: true, eventTime: at });
  });
});
