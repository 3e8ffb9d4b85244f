import { create, toBinary } from '@bufbuild/protobuf';
import { BehaviorEventSchema, EventType } from '@shopsense/contracts';
import { decodeRecord, encodeRecord, JSON_CONTENT_TYPE, MAX_RECORD_BYTES, PROTOBUF_CONTENT_TYPE } from './codec';

const event = create(BehaviorEventSchema, { eventId: 'e1', type: EventType.CLICK, userId: 'u1', itemIds: ['p1'] });

describe('record codec', () => {
  it('round-trips protobuf binary and JSON', () => {
    for (const format of ['binary', 'json'] as const) {
      const { value, contentType } = encodeRecord(BehaviorEventSchema, event, format);
      const decoded = decodeRecord(BehaviorEventSchema, value, contentType);
      expect(decoded.ok && decoded.message.eventId).toBe('e1');
      expect(decoded.ok && decoded.message.type).toBe(EventType.CLICK);
    }
  });

  it('treats a record without content-type as protobuf binary', () => {
    const decoded = decodeRecord(BehaviorEventSchema, Buffer.from(toBinary(BehaviorEventSchema, event)), undefined);
    expect(decoded.ok).toBe(true);
  });

  it('tolerates unknown JSON fields (a newer producer)', () => {
    const json = Buffer.from(JSON.stringify({ eventId: 'e2', type: 'EVENT_TYPE_PURCHASE', userId: 'u', brandNewField: 42 }));
    const decoded = decodeRecord(BehaviorEventSchema, json, JSON_CONTENT_TYPE);
    expect(decoded.ok && decoded.message.type).toBe(EventType.PURCHASE);
  });

  it.each([
    ['a JSON field of the wrong type', Buffer.from(JSON.stringify({ eventId: 'e', position: 'first' })), JSON_CONTENT_TYPE, /position/],
    ['text that is not JSON', Buffer.from('{nope'), JSON_CONTENT_TYPE, /not JSON/],
    ['truncated protobuf', Buffer.from(toBinary(BehaviorEventSchema, event)).subarray(0, 5), PROTOBUF_CONTENT_TYPE, /not a valid shopsense.events.v1.BehaviorEvent/],
    ['an unknown content type', Buffer.from('x'), 'text/csv', /unsupported content-type/],
    ['an empty value', Buffer.alloc(0), PROTOBUF_CONTENT_TYPE, /empty/],
    ['an oversized value', Buffer.alloc(MAX_RECORD_BYTES + 1), PROTOBUF_CONTENT_TYPE, /exceeds/],
  ])('rejects %s with a readable reason', (_name, value, contentType, reason) => {
    const decoded = decodeRecord(BehaviorEventSchema, value, contentType);
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.reason).toMatch(reason);
  });

  it('never quotes a content-type header it does not support into the reason', () => {
    const decoded = decodeRecord(BehaviorEventSchema, Buffer.from('x'), 'text/plain; owner=alice@example.com');
    expect(!decoded.ok && decoded.reason).toMatch(/unsupported content-type \(a value of 35 characters; use /);
    expect(!decoded.ok && decoded.reason).not.toMatch(/alice|text\/plain/);
  });
});
