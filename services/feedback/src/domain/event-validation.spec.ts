import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { EventType } from '@shopsense/contracts';
import { events } from '../testing/behavior-events.factory';
import { importLimits, validateEvent } from './event-validation';

const NOW = 1_780_000_000;
const limits = { maxFutureSkewSeconds: 300, maxAgeSeconds: 7 * 86_400 };
const at = (seconds: number) => ({ occurredAt: timestampFromMs(seconds * 1000) });
const check = (event: ReturnType<typeof events.click>) => validateEvent(event, NOW, NOW - 10, limits);

describe('validateEvent', () => {
  it('accepts a well-formed event and takes its time from occurred_at', () => {
    expect(check(events.click('u1', 'p1', at(NOW - 60)))).toEqual({ ok: true, eventTime: NOW - 60 });
  });

  it('falls back to the record time when occurred_at is unset', () => {
    expect(check(events.click('u1', 'p1', { occurredAt: undefined }))).toEqual({ ok: true, eventTime: NOW - 10 });
  });

  it.each([
    ['no event id', events.click('u1', 'p1', { ...at(NOW), eventId: '' }), 'event_id is required'],
    ['a long event id', events.click('u1', 'p1', { ...at(NOW), eventId: 'e'.repeat(129) }), 'event_id must be at most 128 characters (got 129)'],
    ['no user id', events.click('', 'p1', at(NOW)), 'user_id is required'],
    ['no type', events.of(EventType.UNSPECIFIED, 'u1', ['p1'], at(NOW)), 'type is required (unset, or a name this version does not know)'],
    ['an unknown type', events.of(99 as EventType, 'u1', ['p1'], at(NOW)), 'type 99 is not a known EventType'],
    ['a click without items', events.of(EventType.CLICK, 'u1', [], at(NOW)), 'item_ids is required for CLICK events'],
    ['an empty item id', events.cart('u1', ['p1', ' '], at(NOW)), 'item_ids[1] must be 1 to 256 characters'],
    ['too many items', events.impression('u1', Array.from({ length: 201 }, (_, i) => `p${i}`), at(NOW)), 'item_ids must hold at most 200 ids (got 201)'],
    ['a long query', events.search('u1', 'q'.repeat(513), at(NOW)), 'query must be at most 512 characters (got 513)'],
    ['a negative position', events.click('u1', 'p1', { ...at(NOW), position: -1 }), 'position must be >= 0'],
    ['a negative value', events.purchase('u1', ['p1'], { ...at(NOW), value: -5 }), 'value must be a finite number >= 0'],
    ['a time far in the future', events.click('u1', 'p1', at(NOW + 301)), 'occurred_at is more than 300 s in the future'],
    ['a time beyond the dedup window', events.click('u1', 'p1', at(NOW - 7 * 86_400 - 1)), 'occurred_at is more than 604800 s in the past'],
  ])('rejects %s', (_, event, reason) => {
    expect(check(event)).toEqual({ ok: false, reason });
  });

  it('accepts a search without items and lists every problem at once, never quoting values', () => {
    expect(check(events.search('u1', 'red shoes', at(NOW))).ok).toBe(true);
    const result = check(events.of(EventType.CLICK, '', [], { eventId: '', occurredAt: timestampFromMs((NOW + 9999) * 1000), userId: '' }));
    expect(result).toEqual({ ok: false, reason: 'event_id is required; user_id is required; item_ids is required for CLICK events; occurred_at is more than 300 s in the future' });
    const secret = check(events.click('alice@example.com', 'p1', { ...at(NOW), sessionId: 'x'.repeat(300) }));
    expect(secret.ok || secret.reason.includes('alice')).toBe(false);
  });

  it('takes an ISO 4217 currency and refuses anything else', () => {
    expect(check(events.purchase('u1', ['p1'], { ...at(NOW), value: 10, currency: 'EUR' })).ok).toBe(true);
    for (const currency of ['💰', 'usd', 'DOLLARS']) {
      expect(check(events.purchase('u1', ['p1'], { ...at(NOW), value: 10, currency }))).toEqual({ ok: false, reason: 'currency must be an ISO 4217 code like USD' });
    }
  });

  describe('with the import limits (history through ImportEvents)', () => {
    const history = importLimits(limits);
    const year = 365 * 86_400;

    it('accepts an event of any age, keeping its own time', () => {
      expect(validateEvent(events.click('u1', 'p1', at(NOW - 3 * year)), NOW, NOW, history)).toEqual({ ok: true, eventTime: NOW - 3 * year });
      expect(validateEvent(events.click('u1', 'p1', at(NOW - 3 * year)), NOW, NOW, limits)).toMatchObject({ ok: false, reason: expect.stringContaining('in the past') });
    });

    it('requires occurred_at, and still refuses the future', () => {
      expect(validateEvent(events.click('u1', 'p1', { occurredAt: undefined }), NOW, NOW, history)).toEqual({ ok: false, reason: 'occurred_at is required for imported events' });
      expect(validateEvent(events.click('u1', 'p1', at(NOW + 3_600)), NOW, NOW, history)).toEqual({ ok: false, reason: 'occurred_at is more than 300 s in the future' });
    });
  });
});
