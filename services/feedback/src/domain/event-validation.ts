import { EventType, type BehaviorEvent } from '@shopsense/contracts';

/**
 * The one validation of a behaviour event, shared by the Kafka intake and CollectorService.Track
 * (the rules of events.proto, plus time bounds). Reasons never quote field values: a value may
 * be personal data, and reasons end up in dead-letter headers and logs.
 */
export interface ValidationLimits {
  /** How far in the future occurred_at may be (client clocks drift). */
  maxFutureSkewSeconds: number;
  /** How old occurred_at may be (Infinity for history sent through ImportEvents). */
  maxAgeSeconds: number;
  /** Refuse events without occurred_at (history: the time they are sent means nothing). */
  requireOccurredAt?: boolean;
}

/** History (ImportEvents): any age, occurred_at required, the same bound on the future. */
export function importLimits(live: ValidationLimits): ValidationLimits {
  return { ...live, maxAgeSeconds: Infinity, requireOccurredAt: true };
}

export const MAX_EVENT_ID_CHARS = 128;
export const MAX_STRING_CHARS = 256;
export const MAX_QUERY_CHARS = 512;
export const MAX_ITEM_IDS = 200;
export const MAX_EXPERIMENTS = 32;

const KNOWN_TYPES = new Set<number>([
  EventType.SEARCH,
  EventType.IMPRESSION,
  EventType.CLICK,
  EventType.ADD_TO_CART,
  EventType.PURCHASE,
  EventType.VIEW,
  EventType.REMOVE_FROM_CART,
]);

/** Types whose meaning depends on item_ids (see EventType in events.proto). */
const ITEM_TYPES = new Set<number>([EventType.IMPRESSION, EventType.CLICK, EventType.ADD_TO_CART, EventType.PURCHASE, EventType.VIEW, EventType.REMOVE_FROM_CART]);

export type Validation = { ok: true; eventTime: number } | { ok: false; reason: string };

/**
 * @param nowSeconds the validator's clock
 * @param fallbackTimeSeconds event time when occurred_at is unset: the Kafka record's timestamp
 *   (stable across redeliveries) or the time Track received it
 */
export function validateEvent(event: BehaviorEvent, nowSeconds: number, fallbackTimeSeconds: number, limits: ValidationLimits): Validation {
  const problems: string[] = [];
  const text = (value: string, field: string, max = MAX_STRING_CHARS) => {
    if (value.length > max) problems.push(`${field} must be at most ${max} characters (got ${value.length})`);
  };

  if (event.eventId.trim() === '') problems.push('event_id is required');
  else text(event.eventId, 'event_id', MAX_EVENT_ID_CHARS);
  if (event.userId.trim() === '') problems.push('user_id is required');
  else text(event.userId, 'user_id');
  if (event.type === EventType.UNSPECIFIED) problems.push('type is required (unset, or a name this version does not know)');
  else if (!KNOWN_TYPES.has(event.type)) problems.push(`type ${event.type} is not a known EventType`);
  text(event.sessionId, 'session_id');
  text(event.requestId, 'request_id');
  text(event.channel, 'channel');
  // ISO 4217 shape (three capital letters), as the catalog's products: "💰" or "dollars" are refused.
  if (event.currency !== '' && !/^[A-Z]{3}$/.test(event.currency)) problems.push('currency must be an ISO 4217 code like USD');
  text(event.query, 'query', MAX_QUERY_CHARS);

  if (event.itemIds.length > MAX_ITEM_IDS) problems.push(`item_ids must hold at most ${MAX_ITEM_IDS} ids (got ${event.itemIds.length})`);
  if (ITEM_TYPES.has(event.type) && event.itemIds.length === 0) problems.push(`item_ids is required for ${EventType[event.type]} events`);
  const badItem = event.itemIds.findIndex((id) => id.trim() === '' || id.length > MAX_STRING_CHARS);
  if (badItem >= 0) problems.push(`item_ids[${badItem}] must be 1 to ${MAX_STRING_CHARS} characters`);

  if (!Number.isInteger(event.position) || event.position < 0) problems.push('position must be >= 0');
  if (!Number.isFinite(event.value) || event.value < 0) problems.push('value must be a finite number >= 0');
  if (event.experiments.length > MAX_EXPERIMENTS) problems.push(`experiments must hold at most ${MAX_EXPERIMENTS} entries`);
  event.experiments.forEach((e, i) => {
    if (e.experiment.length > 128 || e.variant.length > 128) problems.push(`experiments[${i}] names must be at most 128 characters`);
  });

  let eventTime = fallbackTimeSeconds;
  if (!event.occurredAt && limits.requireOccurredAt) problems.push('occurred_at is required for imported events');
  if (event.occurredAt) {
    const { seconds, nanos } = event.occurredAt;
    if (nanos < 0 || nanos > 999_999_999) problems.push('occurred_at.nanos must be 0 to 999999999');
    eventTime = Number(seconds) + nanos / 1e9;
  }
  if (!Number.isFinite(eventTime)) problems.push('occurred_at is not a valid time');
  else if (eventTime > nowSeconds + limits.maxFutureSkewSeconds) problems.push(`occurred_at is more than ${limits.maxFutureSkewSeconds} s in the future`);
  else if (eventTime < nowSeconds - limits.maxAgeSeconds) problems.push(`occurred_at is more than ${limits.maxAgeSeconds} s in the past`);

  return problems.length > 0 ? { ok: false, reason: problems.join('; ') } : { ok: true, eventTime: Math.floor(eventTime) };
}
