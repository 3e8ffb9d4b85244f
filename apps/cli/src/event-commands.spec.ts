import { EventType } from '@shopsense/contracts';
import { parseEventLine } from './event-commands';

describe('parseEventLine', () => {
  const now = new Date('2026-11-28T10:00:00Z');

  it('reads a protobuf-JSON event and keeps the id and time it gives', () => {
    const event = parseEventLine('{"eventId":"e-1","type":"EVENT_TYPE_CLICK","userId":"u","occurredAt":"2026-11-27T09:00:00Z","itemIds":["a"]}', now);
    expect(event).toMatchObject({ eventId: 'e-1', type: EventType.CLICK, userId: 'u', itemIds: ['a'] });
    expect(Number(event.occurredAt!.seconds)).toBe(Date.parse('2026-11-27T09:00:00Z') / 1000);
  });

  it('stamps a missing time with now and derives a missing id from the line, the same for the same line', () => {
    const line = '{"type":"EVENT_TYPE_CLICK","userId":"u","itemIds":["a"]}';
    const first = parseEventLine(line, now);
    expect(Number(first.occurredAt!.seconds)).toBe(now.getTime() / 1000);
    expect(first.eventId).toMatch(/^cli-[0-9a-f]{32}$/);
    expect(parseEventLine(line, new Date()).eventId).toBe(first.eventId);
    expect(parseEventLine('{"type":"EVENT_TYPE_CLICK","userId":"u","itemIds":["b"]}', now).eventId).not.toBe(first.eventId);
  });

  it('leaves a missing time unset when given no clock (history must carry its own times)', () => {
    expect(parseEventLine('{"type":"EVENT_TYPE_CLICK","userId":"u","itemIds":["a"]}', undefined).occurredAt).toBeUndefined();
  });

  it('names what is wrong with a bad line', () => {
    expect(() => parseEventLine('{"type":', now)).toThrow(/^not JSON/);
    expect(() => parseEventLine('{"type":"EVENT_TYPE_NOPE"}', now)).toThrow(/EVENT_TYPE_NOPE/);
    expect(() => parseEventLine('{"userId":"u","colour":"red"}', now)).toThrow(/colour/);
  });
});
