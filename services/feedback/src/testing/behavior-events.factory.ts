import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { BehaviorEventSchema, EventType, type BehaviorEvent } from '@shopsense/contracts';

type Overrides = Partial<Omit<BehaviorEvent, '$typeName' | '$unknown'>>;

/** Test data builders for behaviour events (conventions §11). Event time defaults to now. */
export const events = {
  of(type: EventType, userId: string, itemIds: string[], overrides: Overrides = {}): BehaviorEvent {
    return create(BehaviorEventSchema, { eventId: randomUUID(), type, userId, itemIds, occurredAt: timestampFromMs(Date.now()), sessionId: `s-${userId}`, channel: 'web', ...overrides });
  },
  impression: (userId: string, itemIds: string[], overrides: Overrides = {}) => events.of(EventType.IMPRESSION, userId, itemIds, overrides),
  click: (userId: string, itemId: string, overrides: Overrides = {}) => events.of(EventType.CLICK, userId, [itemId], overrides),
  view: (userId: string, itemId: string, overrides: Overrides = {}) => events.of(EventType.VIEW, userId, [itemId], overrides),
  cart: (userId: string, itemIds: string[], overrides: Overrides = {}) => events.of(EventType.ADD_TO_CART, userId, itemIds, overrides),
  purchase: (userId: string, itemIds: string[], overrides: Overrides = {}) => events.of(EventType.PURCHASE, userId, itemIds, { value: 10, currency: 'EUR', ...overrides }),
  search: (userId: string, query: string, overrides: Overrides = {}) => events.of(EventType.SEARCH, userId, [], { query, ...overrides }),
};
