import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { EventType, type BehaviorEvent } from '@shopsense/contracts';
import { dedupRef, decodeProfile, emptyProfile, encodeProfile, hash32, hourBucket, RecentKind, type PrepareResult } from '@shopsense/user-state';
import { events } from '../testing/behavior-events.factory';
import { DEFAULT_PLANNER_SETTINGS } from '../testing/in-memory-oracle';
import { planBatch, prepareRequest, type ItemVectors, type PlannedEvent } from './batch-planner';

const T = 1_780_000_000;
const planned = (event: BehaviorEvent, eventTime = T, user = event.userId): PlannedEvent => ({
  event,
  eventTime,
  user: { keyId: 'k1', pseudonym: `k1:${user}` },
  dedup: dedupRef(event.eventId, eventTime, 16),
  query: event.query.toLowerCase(),
  queryDigest: event.query ? `q:${event.query.toLowerCase()}` : null,
});
const vectors: ItemVectors = {
  modelTag: hash32('m1'),
  vectors: new Map([
    ['a', Float32Array.from([1, 0, 0])],
    ['b', Float32Array.from([0, 1, 0])],
    ['c', Float32Array.from([0, 0, 1])],
  ]),
};

/** What prepare returns for a fresh store (nothing seen, no profiles), unless told otherwise. */
function prepared(list: PlannedEvent[], overrides: Partial<PrepareResult> = {}) {
  const request = prepareRequest(list);
  const result: PrepareResult = {
    seen: list.map(() => false),
    users: request.pseudonyms.map(() => ({ forgotten: false, profile: null, recentItemIds: [] })),
    refs: request.internItems.map((_, i) => i + 1),
    ...overrides,
  };
  return { request, result };
}

const plan = (list: PlannedEvent[], overrides: Partial<PrepareResult> = {}, v: ItemVectors | null = vectors) => {
  const { request, result } = prepared(list, overrides);
  return planBatch(list, request, result, v, DEFAULT_PLANNER_SETTINGS, T * 1000);
};

describe('planBatch', () => {
  it('remembers every item a user engaged with as seen, beyond the recent lists, and not what was only shown or taken out of the cart', () => {
    const at = { occurredAt: timestampFromMs(T * 1000) };
    const bought = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const list = [
      ...bought.map((id) => planned(events.purchase('u1', [id], at))),
      planned(events.view('u1', 'v1', at)),
      planned(events.impression('u1', ['shown'], at)),
      planned(events.of(EventType.REMOVE_FROM_CART, 'u1', ['removed'], at)),
    ];
    const { request, result } = prepared(list);
    const refOf = new Map(request.internItems.map((id, i) => [id, result.refs[i]!]));
    const profile = decodeProfile(planBatch(list, request, result, vectors, DEFAULT_PLANNER_SETTINGS, T * 1000).plan.users[0]!.profile!.next);
    expect(profile.recent.filter((e) => e.kind === RecentKind.Purchase)).toHaveLength(3);
    expect(profile.seen).toEqual([...bought, 'v1'].map((id) => refOf.get(id)));
    const bounded = decodeProfile(planBatch(list, request, result, vectors, { ...DEFAULT_PLANNER_SETTINGS, seenMax: 5 }, T * 1000).plan.users[0]!.profile!.next);
    expect(bounded.seen).toEqual(['p16', 'p17', 'p18', 'p19', 'v1'].map((id) => refOf.get(id)));
  });


  it('aggregates item counters per item and hour, query-item counts, and joins', () => {
    const at = { occurredAt: timestampFromMs(T * 1000) };
    const list = [
      planned(events.impression('u1', ['a', 'b', 'a'], { ...at, query: 'Shoes', requestId: 'r1', position: 3 })),
      planned(events.click('u1', 'b', { ...at, query: 'Shoes', requestId: 'r1' })),
      planned(events.impression('u2', ['b'], at)),
      planned(events.purchase('u1', ['b', 'c'], { ...at, requestId: 'r1' })),
    ];
    const { plan: p, outcomes } = plan(list);
    expect(outcomes).toEqual(['applied', 'applied', 'applied', 'applied']);
    const counters = Object.fromEntries(p.itemCounters.map((c) => [c.itemId, [c.impressions, c.clicks, c.carts, c.purchases, c.hour]]));
    expect(counters).toEqual({ a: [1, 0, 0, 0, hourBucket(T)], b: [2, 1, 0, 1, hourBucket(T)], c: [0, 0, 0, 1, hourBucket(T)] });
    expect(p.queryItems).toEqual([
      { queryDigest: 'q:shoes', itemId: 'a', impressions: 1, clicks: 0 },
      { queryDigest: 'q:shoes', itemId: 'b', impressions: 1, clicks: 1 },
    ]);
    expect(p.joinImpressions).toEqual([expect.objectContaining({ requestId: 'r1', pseudonym: 'k1:u1', items: [{ itemId: 'a', position: 3 }, { itemId: 'b', position: 4 }, { itemId: 'a', position: 5 }], query: 'shoes' })]);
    expect(p.joinLabels.map((l) => `${l.itemId}:${l.kind}`)).toEqual(['b:click', 'b:purchase', 'c:purchase']);
    expect(p.users.map((u) => [u.pseudonym, u.profile !== undefined])).toEqual([
      ['k1:u1', true],
      ['k1:u2', false],
    ]);
  });

  it('applies each event id once: seen before, or repeated within the batch', () => {
    const click = events.click('u1', 'a');
    const list = [planned(click), planned(events.click('u1', 'b')), planned(click)];
    const { plan: p, outcomes } = plan(list, { seen: [false, true, false] });
    expect(outcomes).toEqual(['applied', 'duplicate', 'duplicate']);
    expect(p.dedup).toEqual([list[0]!.dedup]);
    expect(p.itemCounters.map((c) => [c.itemId, c.clicks])).toEqual([['a', 1]]);
  });

  it('drops the events of a forgotten user and writes nothing for them', () => {
    const list = [planned(events.click('gone', 'a')), planned(events.click('u2', 'a'))];
    const { request } = prepared(list);
    const { plan: p, outcomes } = plan(list, { users: request.pseudonyms.map((p) => ({ forgotten: p === 'k1:gone', profile: null, recentItemIds: [] })) });
    expect(outcomes).toEqual(['forgotten', 'applied']);
    expect(p.users.map((u) => u.pseudonym)).toEqual(['k1:u2']);
    expect(p.dedup).toEqual([list[1]!.dedup]);
  });

  it('compare-and-sets the profile on the revision it read, and builds vectors, recent items and session pairs', () => {
    const stored = encodeProfile({ ...emptyProfile(), revision: 41, lastEventAt: T - 10, sessionHash: hash32('s-u1'), modelTag: hash32('m1'), vectorUpdatedAt: T - 10, recent: [{ ref: 7, kind: RecentKind.View, inSession: true }] });
    const list = [planned(events.click('u1', 'a')), planned(events.view('u1', 'b'))];
    const { plan: p } = plan(list, { users: [{ forgotten: false, profile: stored, recentItemIds: ['z'] }] });
    const write = p.users[0]!.profile!;
    expect(write.expectedRevision).toBe(41);
    const next = decodeProfile(write.next);
    expect(next.revision).toBe(42);
    expect(next.recent.map((e) => [e.ref, e.kind, e.inSession])).toEqual([
      [2, RecentKind.View, true],
      [1, RecentKind.Click, true],
      [7, RecentKind.View, true],
    ]);
    expect(next.longTerm!.weight).toBeCloseTo(3, 5);
    expect(p.cooccurrence.map((c) => `${c.itemId}>${c.neighbourId}:${c.weight}`)).toEqual(['a>z:1', 'z>a:1', 'b>a:1', 'a>b:1', 'b>z:1', 'z>b:1']);
  });

  it('starts a new session after the gap: session flags cleared, short-term vector restarted', () => {
    const stored = encodeProfile({
      ...emptyProfile(),
      revision: 1,
      lastEventAt: T - 3 * 3600,
      modelTag: hash32('m1'),
      vectorUpdatedAt: T - 3 * 3600,
      shortTerm: { values: Float32Array.from([1, 0, 0]), weight: 5 },
      longTerm: { values: Float32Array.from([1, 0, 0]), weight: 5 },
      recent: [{ ref: 9, kind: RecentKind.Click, inSession: true }],
    });
    const list = [planned(events.click('u1', 'c', { sessionId: '' }))];
    const { plan: p } = plan(list, { users: [{ forgotten: false, profile: stored, recentItemIds: ['a'] }] });
    const next = decodeProfile(p.users[0]!.profile!.next);
    expect(Array.from(next.shortTerm!.values)).toEqual([0, 0, 1]);
    expect(next.longTerm!.values[0]).toBeGreaterThan(0.5);
    expect(next.recent.map((e) => e.inSession)).toEqual([true, false]);
    expect(p.cooccurrence).toEqual([]);
  });

  it('never mixes vectors of two embedding models, and still counts when vectors are unavailable', () => {
    const stored = encodeProfile({ ...emptyProfile(), revision: 1, lastEventAt: T, modelTag: hash32('old-model'), longTerm: { values: Float32Array.from([0, 1, 0]), weight: 50 } });
    const list = [planned(events.click('u1', 'a'))];
    const upgraded = decodeProfile(plan(list, { users: [{ forgotten: false, profile: stored, recentItemIds: [] }] }).plan.users[0]!.profile!.next);
    expect(Array.from(upgraded.longTerm!.values)).toEqual([1, 0, 0]);
    expect(upgraded.modelTag).toBe(hash32('m1'));

    const without = plan(list, {}, null);
    expect(without.vectorMisses).toBe(1);
    expect(without.plan.itemCounters.map((c) => c.clicks)).toEqual([1]);
    const profile = decodeProfile(without.plan.users[0]!.profile!.next);
    expect(profile.longTerm).toBeNull();
    expect(profile.recent).toHaveLength(1);
  });

  it('pairs a purchase with its basket and with earlier purchases, forwards more strongly and by distance', () => {
    const list = [planned(events.purchase('u1', ['a'])), planned(events.purchase('u1', ['b', 'c']))];
    const { plan: p } = plan(list);
    const pairs = Object.fromEntries(p.cooccurrence.map((c) => [`${c.itemId}>${c.neighbourId}`, c.weight]));
    expect(pairs).toEqual({ 'b>c': 3, 'c>b': 3, 'a>b': 4, 'b>a': 2, 'a>c': 4, 'c>a': 2 });

    const sequence = plan([planned(events.purchase('u2', ['x'])), planned(events.purchase('u2', ['y'])), planned(events.purchase('u2', ['z']))]).plan;
    const weights = Object.fromEntries(sequence.cooccurrence.map((c) => [`${c.itemId}>${c.neighbourId}`, c.weight]));
    expect(weights).toEqual({ 'x>y': 4, 'y>x': 2, 'y>z': 4, 'z>y': 2, 'x>z': 2, 'z>x': 1 });
  });
});
