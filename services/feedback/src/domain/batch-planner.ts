import { EventType, type BehaviorEvent } from '@shopsense/contracts';
import {
  decodeProfile,
  emptyProfile,
  encodeProfile,
  hash32,
  hourBucket,
  RecentKind,
  type ApplyPlan,
  type DedupRef,
  type ItemCounterDelta,
  type JoinImpression,
  type JoinLabel,
  type LabelKind,
  type PrepareRequest,
  type PrepareResult,
  type Pseudonym,
  type UserProfile,
} from '@shopsense/user-state';
import { basketPairs, pairWith, purchaseSequencePairs, SESSION_PAIR_WEIGHT, type CooccurrenceIncrement } from './cooccurrence';
import { blendInterest, type DecayPolicy } from './interest-vectors';
import { endSession, purchasedRefs, pushRecent, removeRecent, sessionRefs, type RecentBounds } from './recent-items';
import { touchSeen } from './seen-items';

/**
 * Turns a batch of validated events into one ApplyPlan, purely: given the state `prepare` read
 * and the item embeddings, it folds the events in partition order into each user's profile, and
 * aggregates item counters, query-item counts, co-occurrence and join state. Running it again on
 * the same inputs gives the same plan, which is what lets the writer retry after a conflict.
 */

/** A validated event, pseudonymised, with its dedup record and normalised query. */
export interface PlannedEvent {
  event: BehaviorEvent;
  /** Event time, unix seconds (occurred_at, or the record's timestamp when unset). */
  eventTime: number;
  user: Pseudonym;
  dedup: DedupRef;
  /** normalizeQuery(event.query): PII-scrubbed. */
  query: string;
  /** queryDigest(query), or null without a query. */
  queryDigest: string | null;
}

export interface PlannerSettings {
  /** Inactivity (event time) after which a new session starts and the short-term vector restarts. */
  sessionGapSeconds: number;
  shortTerm: DecayPolicy;
  longTerm: DecayPolicy;
  recentBounds: RecentBounds;
  /** Items a profile remembers as seen (exclude_seen); 0 keeps none. */
  seenMax: number;
  joinWindowMs: number;
}

export interface ItemVectors {
  vectors: ReadonlyMap<string, Float32Array>;
  /** hash32 of the embedding model version: vectors of another model are never mixed in. */
  modelTag: number;
}

export type EventOutcome = 'applied' | 'duplicate' | 'forgotten';

export interface PlannedBatch {
  plan: ApplyPlan;
  outcomes: EventOutcome[];
  /** Item embeddings folded into interest vectors. */
  vectorUpdates: number;
  /** Items whose embedding was not available (unknown to retrieval, or retrieval failed). */
  vectorMisses: number;
}

/** How much an engagement moves the interest vectors, by event type. */
export const VECTOR_WEIGHT: Partial<Record<EventType, number>> = {
  [EventType.VIEW]: 1,
  [EventType.CLICK]: 2,
  [EventType.ADD_TO_CART]: 4,
  [EventType.PURCHASE]: 6,
};

const RECENT_KIND: Partial<Record<EventType, RecentKind>> = {
  [EventType.VIEW]: RecentKind.View,
  [EventType.CLICK]: RecentKind.Click,
  [EventType.ADD_TO_CART]: RecentKind.Cart,
  [EventType.PURCHASE]: RecentKind.Purchase,
  [EventType.REMOVE_FROM_CART]: RecentKind.Cart,
};

const LABEL: Partial<Record<EventType, LabelKind>> = {
  [EventType.CLICK]: 'click',
  [EventType.ADD_TO_CART]: 'cart',
  [EventType.PURCHASE]: 'purchase',
};

/** The items an event is about: CLICK and VIEW concern item_ids[0] only (events.proto). */
export function eventItems(event: BehaviorEvent): string[] {
  if (event.type === EventType.CLICK || event.type === EventType.VIEW) return event.itemIds.slice(0, 1);
  return [...new Set(event.itemIds)];
}

/** Events that change the user's profile (recent items, session, vectors). */
export function touchesProfile(event: BehaviorEvent): boolean {
  return RECENT_KIND[event.type] !== undefined;
}

/** Items whose embeddings the batch needs. */
export function vectorItems(events: readonly PlannedEvent[]): string[] {
  const items = new Set<string>();
  for (const e of events) if (VECTOR_WEIGHT[e.event.type] !== undefined) for (const id of eventItems(e.event)) items.add(id);
  return [...items];
}

export function distinctUsers(events: readonly PlannedEvent[]): string[] {
  return [...new Set(events.map((e) => e.user.pseudonym))];
}

/** What to read before planning: the batch's dedup records, users, and the items entering recent lists. */
export function prepareRequest(events: readonly PlannedEvent[]): PrepareRequest {
  const intern = new Set<string>();
  for (const e of events) if (touchesProfile(e.event)) for (const id of eventItems(e.event)) intern.add(id);
  return { dedup: events.map((e) => e.dedup), pseudonyms: distinctUsers(events), internItems: [...intern] };
}

interface UserState {
  profile: UserProfile;
  baseRevision: number | null;
  /** Some event of the user is applied: the apply must check the user was not forgotten meanwhile. */
  applied: boolean;
  changed: boolean;
  forgotten: boolean;
}

export function planBatch(
  events: readonly PlannedEvent[],
  request: PrepareRequest,
  prepared: PrepareResult,
  vectors: ItemVectors | null,
  settings: PlannerSettings,
  nowMs: number,
): PlannedBatch {
  const refOf = new Map<string, number>();
  const idOf = new Map<number, string>();
  request.internItems.forEach((id, i) => {
    refOf.set(id, prepared.refs[i]!);
    idOf.set(prepared.refs[i]!, id);
  });
  const users = new Map<string, UserState>();
  request.pseudonyms.forEach((pseudonym, i) => {
    const stored = prepared.users[i]!;
    const profile = stored.profile ? decodeProfile(stored.profile) : emptyProfile();
    profile.recent.forEach((entry, k) => {
      const id = stored.recentItemIds[k];
      if (id) idOf.set(entry.ref, id);
    });
    users.set(pseudonym, { profile, baseRevision: stored.profile ? profile.revision : null, applied: false, changed: false, forgotten: stored.forgotten });
  });

  const outcomes: EventOutcome[] = [];
  const dedup: DedupRef[] = [];
  const seenInBatch = new Set<string>();
  // Two-level maps (hour → item, query → item) rather than one keyed by a joined string: an
  // impression counts every listed item twice, and building a key string for each lookup showed
  // up in the profile. A batch rarely spans more than an hour or two and a few queries.
  const countersByHour = new Map<number, Map<string, ItemCounterDelta>>();
  const queryItemsByDigest = new Map<string, Map<string, { queryDigest: string; itemId: string; impressions: number; clicks: number }>>();
  const cooccurrence = new Map<string, CooccurrenceIncrement>();
  const joinImpressions: JoinImpression[] = [];
  const joinLabels = new Map<string, JoinLabel>();
  let vectorUpdates = 0;
  let vectorMisses = 0;

  const count = (itemId: string, eventTime: number, metric: 'impressions' | 'clicks' | 'carts' | 'purchases') => {
    const hour = hourBucket(eventTime);
    let counters = countersByHour.get(hour);
    if (!counters) {
      counters = new Map();
      countersByHour.set(hour, counters);
    }
    let delta = counters.get(itemId);
    if (!delta) {
      delta = { itemId, hour, impressions: 0, clicks: 0, carts: 0, purchases: 0 };
      counters.set(itemId, delta);
    }
    delta[metric]++;
  };
  const countQuery = (queryDigest: string, itemId: string, metric: 'impressions' | 'clicks') => {
    let perItem = queryItemsByDigest.get(queryDigest);
    if (!perItem) {
      perItem = new Map();
      queryItemsByDigest.set(queryDigest, perItem);
    }
    let entry = perItem.get(itemId);
    if (!entry) {
      entry = { queryDigest, itemId, impressions: 0, clicks: 0 };
      perItem.set(itemId, entry);
    }
    entry[metric]++;
  };
  const cooccur = (increments: CooccurrenceIncrement[]) => {
    for (const inc of increments) {
      const key = `${inc.itemId}\u0000${inc.neighbourId}`;
      const entry = cooccurrence.get(key);
      if (entry) entry.weight += inc.weight;
      else cooccurrence.set(key, { ...inc });
    }
  };

  events.forEach((planned, index) => {
    const dedupKey = `${planned.dedup.day}:${planned.dedup.shard}:${planned.dedup.field}`;
    if (prepared.seen[index] || seenInBatch.has(dedupKey)) {
      outcomes.push('duplicate');
      return;
    }
    const user = users.get(planned.user.pseudonym)!;
    if (user.forgotten) {
      outcomes.push('forgotten');
      return;
    }
    seenInBatch.add(dedupKey);
    dedup.push(planned.dedup);
    outcomes.push('applied');
    user.applied = true;

    const { event, eventTime } = planned;
    const items = eventItems(event);
    switch (event.type) {
      case EventType.IMPRESSION:
        items.forEach((id) => count(id, eventTime, 'impressions'));
        break;
      case EventType.CLICK:
        items.forEach((id) => count(id, eventTime, 'clicks'));
        break;
      case EventType.ADD_TO_CART:
        items.forEach((id) => count(id, eventTime, 'carts'));
        break;
      case EventType.PURCHASE:
        items.forEach((id) => count(id, eventTime, 'purchases'));
        break;
      default:
        break;
    }
    if (planned.queryDigest) {
      if (event.type === EventType.IMPRESSION) items.forEach((id) => countQuery(planned.queryDigest!, id, 'impressions'));
      if (event.type === EventType.CLICK) items.forEach((id) => countQuery(planned.queryDigest!, id, 'clicks'));
    }

    if (event.requestId !== '') {
      // Fields spelled out rather than spread from a shared base: object spread is a slow path in
      // V8, and this runs for most events of a batch.
      const { requestId } = event;
      const { pseudonym, keyId } = planned.user;
      const dueAtMs = nowMs + settings.joinWindowMs;
      if (event.type === EventType.IMPRESSION) {
        joinImpressions.push({
          requestId,
          pseudonym,
          keyId,
          dueAtMs,
          servedAt: eventTime,
          query: planned.query,
          channel: event.channel,
          experiments: event.experiments.map((e) => `${e.experiment}=${e.variant}`).join('\n'),
          items: event.itemIds.map((itemId, k) => ({ itemId, position: event.position + k })),
        });
      }
      const label = LABEL[event.type];
      if (label) for (const itemId of items) joinLabels.set(`${requestId}\u0000${itemId}\u0000${label}`, { requestId, pseudonym, keyId, dueAtMs, itemId, kind: label });
    }

    const kind = RECENT_KIND[event.type];
    if (kind === undefined) return;
    const profile = user.profile;
    user.changed = true;
    const sessionHash = event.sessionId ? hash32(event.sessionId) : 0;
    const newSession =
      profile.lastEventAt === 0 || (sessionHash !== 0 && sessionHash !== profile.sessionHash) || eventTime - profile.lastEventAt > settings.sessionGapSeconds;
    if (newSession) {
      profile.recent = endSession(profile.recent);
      profile.shortTerm = null;
      profile.sessionHash = sessionHash;
    }
    profile.lastEventAt = Math.max(profile.lastEventAt, eventTime);

    if (event.type === EventType.REMOVE_FROM_CART) {
      for (const id of items) {
        const ref = refOf.get(id);
        if (ref !== undefined) profile.recent = removeRecent(profile.recent, ref, RecentKind.Cart);
      }
      return;
    }

    for (const id of items) touchSeen(profile.seen, refOf.get(id)!, settings.seenMax);

    const weight = VECTOR_WEIGHT[event.type]!;
    if (vectors) {
      if (profile.modelTag !== vectors.modelTag) {
        // Another embedding model: its space is not comparable, start the vectors over.
        profile.shortTerm = null;
        profile.longTerm = null;
        profile.modelTag = vectors.modelTag;
      }
      for (const id of items) {
        const vector = vectors.vectors.get(id);
        if (!vector) {
          vectorMisses++;
          continue;
        }
        const elapsed = eventTime - profile.vectorUpdatedAt;
        // In place: the profile is this batch's own decoded copy.
        profile.shortTerm = blendInterest(profile.shortTerm, vector, weight, elapsed, settings.shortTerm, true);
        profile.longTerm = blendInterest(profile.longTerm, vector, weight, elapsed, settings.longTerm, true);
        profile.vectorUpdatedAt = Math.max(profile.vectorUpdatedAt, eventTime);
        vectorUpdates++;
      }
    } else {
      vectorMisses += items.length;
    }

    const ids = (refs: number[]) => refs.map((r) => idOf.get(r)).filter((id): id is string => id !== undefined);
    if (event.type === EventType.PURCHASE) {
      cooccur(basketPairs(items));
      const earlier = ids(purchasedRefs(profile.recent)).filter((id) => !items.includes(id));
      for (const id of items) cooccur(purchaseSequencePairs(id, earlier));
    } else {
      for (const id of items) {
        const inSession = ids(sessionRefs(profile.recent));
        if (!inSession.includes(id)) cooccur(pairWith(id, inSession, SESSION_PAIR_WEIGHT));
        profile.recent = pushRecent(profile.recent, refOf.get(id)!, kind, settings.recentBounds);
      }
    }
    if (event.type === EventType.PURCHASE) for (const id of items) profile.recent = pushRecent(profile.recent, refOf.get(id)!, kind, settings.recentBounds);
  });

  const plan: ApplyPlan = {
    dedup,
    users: [...users]
      .filter(([, state]) => state.applied)
      .map(([pseudonym, state]) => {
        if (!state.changed) return { pseudonym };
        const next = encodeProfile({ ...state.profile, revision: ((state.baseRevision ?? 0) + 1) >>> 0 });
        return { pseudonym, profile: { expectedRevision: state.baseRevision, next } };
      }),
    itemCounters: [...countersByHour.values()].flatMap((counters) => [...counters.values()]),
    queryItems: [...queryItemsByDigest.values()].flatMap((perItem) => [...perItem.values()]),
    cooccurrence: [...cooccurrence.values()],
    joinImpressions,
    joinLabels: [...joinLabels.values()],
  };
  return { plan, outcomes, vectorUpdates, vectorMisses };
}
