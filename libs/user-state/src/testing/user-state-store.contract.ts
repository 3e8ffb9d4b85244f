/**
 * The contract every UserStateStore adapter must meet (conventions §2), run against the
 * in-memory adapter by the unit tier and against a real Redis by the integration tier.
 */
import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { TrainingExampleSchema } from '@shopsense/contracts';
import { dayBucket, hourBucket, zeroCounts } from '../item-stats';
import { decodeJoin } from '../join-state';
import { dedupRef } from '../key-schema';
import { decodeServedList, encodeServedList } from '../served-list';
import { decodeProfile, emptyProfile, encodeProfile, RecentKind, type UserProfile } from '../user-profile';
import { DEFAULT_STORE_SETTINGS, type ApplyPlan, type StoreSettings, type UserStateStore } from '../user-state-store.port';

export interface StoreUnderTest {
  store: UserStateStore;
  /** Deletes whatever the test wrote. */
  cleanup(): Promise<void>;
}

/** Mid-hour of the current hour: recent enough that dedup records and TTLs are live, and window arithmetic is exact. */
export const CONTRACT_NOW = Math.floor(Date.now() / 3_600_000) * 3600 + 1800;

export function contractSettings(overrides: Partial<StoreSettings> = {}): StoreSettings {
  return { ...DEFAULT_STORE_SETTINGS, keyPrefix: `test:${randomUUID()}:`, profileShards: 8, dedupShards: 16, queryItemsMax: 3, cooccurrenceMax: 3, ...overrides };
}

const emptyPlan = (): ApplyPlan => ({ dedup: [], users: [], itemCounters: [], queryItems: [], cooccurrence: [], joinImpressions: [], joinLabels: [] });

function profile(overrides: Partial<UserProfile> = {}): UserProfile {
  const v = new Float32Array(8).fill(0);
  v[0] = 1;
  return { ...emptyProfile(), revision: 1, lastEventAt: CONTRACT_NOW, vectorUpdatedAt: CONTRACT_NOW, shortTerm: { values: v, weight: 2 }, longTerm: { values: v, weight: 5 }, ...overrides };
}

export function describeUserStateStoreContract(adapter: string, open: (settings: StoreSettings) => Promise<StoreUnderTest>): void {
  describe(`UserStateStore contract: ${adapter}`, () => {
    let subject: StoreUnderTest;
    let store: UserStateStore;
    const start = async (overrides: Partial<StoreSettings> = {}) => {
      subject = await open(contractSettings(overrides));
      store = subject.store;
    };
    afterEach(async () => {
      await subject?.cleanup();
    });

    it('interns item ids to stable, distinct references', async () => {
      await start();
      const first = await store.prepare({ dedup: [], pseudonyms: [], internItems: ['a', 'b', 'a'] });
      expect(first.refs[0]).toBe(first.refs[2]);
      expect(first.refs[0]).not.toBe(first.refs[1]);
      const again = await store.prepare({ dedup: [], pseudonyms: [], internItems: ['b'] });
      expect(again.refs).toEqual([first.refs[1]]);
    });

    it('writes dedup records with the state, and refuses the whole plan if any event was seen', async () => {
      await start();
      const e1 = dedupRef('e1', CONTRACT_NOW, 16);
      const e2 = dedupRef('e2', CONTRACT_NOW, 16);
      const counters = { itemId: 'i1', hour: hourBucket(CONTRACT_NOW), impressions: 1, clicks: 0, carts: 0, purchases: 0 };
      expect(await store.apply({ ...emptyPlan(), dedup: [e1], itemCounters: [counters] })).toEqual({ applied: true });
      expect((await store.prepare({ dedup: [e1, e2], pseudonyms: [], internItems: [] })).seen).toEqual([true, false]);

      expect(await store.apply({ ...emptyPlan(), dedup: [e2, e1], itemCounters: [counters] })).toEqual({ applied: false, conflict: 'duplicate' });
      expect((await store.prepare({ dedup: [e2], pseudonyms: [], internItems: [] })).seen).toEqual([false]);
      const state = await store.readForRanking({ pseudonym: 'k1:nobody', itemIds: ['i1'], now: CONTRACT_NOW });
      expect(state.items['i1']!.last24h.impressions).toBe(1);
    });

    it('keeps the dedup record of an event from long ago (imported history) for the TTL from when it was written', async () => {
      await start();
      const old = dedupRef('history-1', Math.floor(Date.now() / 1000) - 400 * 86_400, 16);
      expect(await store.apply({ ...emptyPlan(), dedup: [old] })).toEqual({ applied: true });
      expect((await store.prepare({ dedup: [old], pseudonyms: [], internItems: [] })).seen).toEqual([true]);
      expect(await store.apply({ ...emptyPlan(), dedup: [old] })).toEqual({ applied: false, conflict: 'duplicate' });
    });

    it('peeks at applied events and forgotten users without writing anything', async () => {
      await start();
      const applied = dedupRef('peek-applied', CONTRACT_NOW, 16);
      const fresh = dedupRef('peek-fresh', CONTRACT_NOW, 16);
      const elsewhere = dedupRef('peek-other-day', CONTRACT_NOW - 86_400, 16);
      expect(await store.apply({ ...emptyPlan(), dedup: [applied] })).toEqual({ applied: true });
      await store.forget(['k1:peek-gone']);
      expect(await store.peek({ dedup: [fresh, applied, elsewhere], pseudonyms: ['k1:peek-gone', 'k1:peek-here'] })).toEqual({ seen: [false, true, false], forgotten: [true, false] });
      expect(await store.peek({ dedup: [], pseudonyms: [] })).toEqual({ seen: [], forgotten: [] });
      // Nothing was reserved: the fresh event still applies.
      expect(await store.apply({ ...emptyPlan(), dedup: [fresh] })).toEqual({ applied: true });
    });

    it('compare-and-sets profiles by revision and writes nothing on a conflict', async () => {
      await start();
      const user = 'k1:user-cas';
      const v1 = encodeProfile(profile({ revision: 1 }));
      expect(await store.apply({ ...emptyPlan(), users: [{ pseudonym: user, profile: { expectedRevision: null, next: v1 } }] })).toEqual({ applied: true });
      const created = await store.apply({ ...emptyPlan(), dedup: [dedupRef('x', CONTRACT_NOW, 16)], users: [{ pseudonym: user, profile: { expectedRevision: null, next: v1 } }] });
      expect(created).toEqual({ applied: false, conflict: 'profile-changed' });
      expect((await store.prepare({ dedup: [dedupRef('x', CONTRACT_NOW, 16)], pseudonyms: [], internItems: [] })).seen).toEqual([false]);

      const v2 = encodeProfile(profile({ revision: 2, lastEventAt: CONTRACT_NOW + 5 }));
      expect(await store.apply({ ...emptyPlan(), users: [{ pseudonym: user, profile: { expectedRevision: 7, next: v2 } }] })).toEqual({ applied: false, conflict: 'profile-changed' });
      expect(await store.apply({ ...emptyPlan(), users: [{ pseudonym: user, profile: { expectedRevision: 1, next: v2 } }] })).toEqual({ applied: true });
      const prepared = await store.prepare({ dedup: [], pseudonyms: [user, 'k1:someone-else'], internItems: [] });
      expect(decodeProfile(prepared.users[0]!.profile!).lastEventAt).toBe(CONTRACT_NOW + 5);
      expect(prepared.users[1]).toEqual({ forgotten: false, profile: null, recentItemIds: [] });
    });

    it('forgets a user: profile and open joins deleted, later plans for the user refused until unforgotten', async () => {
      await start();
      const user = 'k1:user-forget';
      const other = 'k1:user-keep';
      const write = (p: string, revision: number | null) => ({ pseudonym: p, profile: { expectedRevision: revision, next: encodeProfile(profile()) } });
      const impression = (p: string, rid: string) => ({ requestId: rid, pseudonym: p, keyId: 'k1', dueAtMs: 1, servedAt: CONTRACT_NOW, query: '', channel: 'web', experiments: '', items: [{ itemId: 'i1', position: 0 }] });
      await store.apply({ ...emptyPlan(), users: [write(user, null), write(other, null)], joinImpressions: [impression(user, 'r-forget'), impression(other, 'r-keep')] });
      await store.logServedList('r-forget', encodeServedList([{ requestId: 'r-forget', itemId: 'i1' }]), 600);

      await store.forget([user]);
      await store.forget([user]); // idempotent
      const prepared = await store.prepare({ dedup: [], pseudonyms: [user, other], internItems: [] });
      expect(prepared.users[0]).toMatchObject({ forgotten: true, profile: null });
      expect(prepared.users[1]!.forgotten).toBe(false);
      expect(prepared.users[1]!.profile).not.toBeNull();
      expect(await store.apply({ ...emptyPlan(), users: [{ pseudonym: user }] })).toEqual({ applied: false, conflict: 'forgotten' });
      const claimed = await store.claimDueJoins(Date.now(), 10, 60_000);
      expect(claimed.map((c) => c.requestId)).toEqual(['r-keep']);

      await store.unforget([user]);
      expect(await store.apply({ ...emptyPlan(), users: [write(user, null)] })).toEqual({ applied: true });
    });

    it('counts items in hourly and daily windows, folding recycled hours into days, whatever the order of arrival', async () => {
      await start();
      const now = CONTRACT_NOW;
      const metrics = ['impressions', 'clicks', 'carts', 'purchases'] as const;
      // A deterministic scatter of events over the last week, in shuffled order, over a few batches.
      const events = Array.from({ length: 400 }, (_, i) => ({ age: (i * 7919) % (7 * 86400 - 3600), metric: metrics[i % 4]! }));
      const expected = { lastHour: zeroCounts(), last24h: zeroCounts(), last7d: zeroCounts() };
      for (let b = 0; b < events.length; b += 100) {
        const counters = events.slice(b, b + 100).map(({ age, metric }) => {
          const t = now - age;
          if (hourBucket(t) === hourBucket(now)) expected.lastHour[metric]++;
          if (hourBucket(t) > hourBucket(now) - 24) expected.last24h[metric]++;
          if (dayBucket(t) > dayBucket(now) - 7) expected.last7d[metric]++;
          return { itemId: 'i1', hour: hourBucket(t), impressions: 0, clicks: 0, carts: 0, purchases: 0, [metric]: 1 };
        });
        await store.apply({ ...emptyPlan(), itemCounters: counters });
      }
      await store.apply({ ...emptyPlan(), itemCounters: [{ itemId: 'i1', hour: hourBucket(now), impressions: 10, clicks: 2, carts: 0, purchases: 0 }] });
      expected.lastHour.impressions += 10;
      expected.lastHour.clicks += 2;
      expected.last24h.impressions += 10;
      expected.last24h.clicks += 2;
      expected.last7d.impressions += 10;
      expected.last7d.clicks += 2;
      const state = await store.readForRanking({ pseudonym: 'k1:x', itemIds: ['i1', 'unknown'], now });
      const { lastHour, last24h, last7d } = state.items['i1']!;
      expect({ lastHour, last24h, last7d }).toEqual(expected);
      expect(state.items['unknown']!.last7d).toEqual(zeroCounts());
      expect(state.items['i1']!.ctr).toBeCloseTo((expected.last7d.clicks + 0.02 * 50) / (expected.last7d.impressions + 50), 10);
    });

    it('keeps query-item counts for the top items of a query, dropping the clicks of items it drops', async () => {
      await start({ queryItemsMax: 3 });
      const q = 'digest-1';
      await store.apply({
        ...emptyPlan(),
        queryItems: [
          { queryDigest: q, itemId: 'a', impressions: 10, clicks: 3 },
          { queryDigest: q, itemId: 'b', impressions: 8, clicks: 0 },
          { queryDigest: q, itemId: 'c', impressions: 6, clicks: 1 },
        ],
      });
      await store.apply({ ...emptyPlan(), queryItems: [{ queryDigest: q, itemId: 'd', impressions: 7, clicks: 0 }] });
      const state = await store.readForRanking({ pseudonym: 'k1:x', itemIds: ['a', 'b', 'c', 'd'], queryDigest: q, now: CONTRACT_NOW });
      expect(Object.keys(state.queryItems).sort()).toEqual(['a', 'b', 'd']);
      expect(state.queryItems['a']).toMatchObject({ impressions: 10, clicks: 3 });
      const none = await store.readForRanking({ pseudonym: 'k1:x', itemIds: ['a'], now: CONTRACT_NOW });
      expect(none.queryItems).toEqual({});
    });

    it('keeps the top co-occurring items per item and sums them over the user’s recent items', async () => {
      await start({ cooccurrenceMax: 3 });
      await store.apply({
        ...emptyPlan(),
        cooccurrence: [
          { itemId: 'a', neighbourId: 'b', weight: 3 },
          { itemId: 'a', neighbourId: 'c', weight: 1 },
          { itemId: 'a', neighbourId: 'd', weight: 2 },
          { itemId: 'a', neighbourId: 'e', weight: 5 },
          { itemId: 'f', neighbourId: 'b', weight: 4 },
        ],
      });
      await store.apply({ ...emptyPlan(), cooccurrence: [{ itemId: 'a', neighbourId: 'b', weight: 1 }] });
      expect(await store.neighbours('a', 10)).toEqual([
        { itemId: 'e', score: 5 },
        { itemId: 'b', score: 4 },
        { itemId: 'd', score: 2 },
      ]);
      expect(await store.neighbours('a', 1)).toEqual([{ itemId: 'e', score: 5 }]);

      const { refs } = await store.prepare({ dedup: [], pseudonyms: [], internItems: ['a', 'f'] });
      const user = 'k1:user-co';
      const recent = [
        { ref: refs[0]!, kind: RecentKind.Click, inSession: true },
        { ref: refs[1]!, kind: RecentKind.View, inSession: false },
        { ref: refs[0]!, kind: RecentKind.View, inSession: false },
      ];
      await store.apply({ ...emptyPlan(), users: [{ pseudonym: user, profile: { expectedRevision: null, next: encodeProfile(profile({ recent })) } }] });
      const state = await store.readForRanking({ pseudonym: user, itemIds: ['b', 'e', 'z'], now: CONTRACT_NOW });
      expect(state.cooccurrence).toEqual({ b: 8, e: 5 });
      expect(state.recent).toEqual({ views: ['f', 'a'], clicks: ['a'], carts: [], purchases: [], session: ['a'] });
      expect(state.profile!.longTerm!.weight).toBeCloseTo(5, 5);
      expect(state.profile!.shortTerm!.values[0]).toBeCloseTo(1, 2);
      const prepared = await store.prepare({ dedup: [], pseudonyms: [user], internItems: [] });
      expect(prepared.users[0]!.recentItemIds).toEqual(['a', 'f', 'a']);
    });

    it('resolves the profile’s seen items on request, most recently touched first', async () => {
      await start();
      const ids = Array.from({ length: 250 }, (_, i) => `seen-${i}`);
      const { refs } = await store.prepare({ dedup: [], pseudonyms: [], internItems: ids });
      const user = 'k1:user-seen';
      await store.apply({ ...emptyPlan(), users: [{ pseudonym: user, profile: { expectedRevision: null, next: encodeProfile(profile({ seen: refs })) } }] });
      expect((await store.readForRanking({ pseudonym: user, itemIds: [], seen: true, now: CONTRACT_NOW })).seen).toEqual([...ids].reverse());
      expect((await store.readForRanking({ pseudonym: user, itemIds: [], now: CONTRACT_NOW })).seen).toBeUndefined();
      expect((await store.readForRanking({ pseudonym: 'k1:nobody', itemIds: [], seen: true, now: CONTRACT_NOW })).seen).toEqual([]);
    });

    it('reads each recent seed’s neighbours and the popular items of the last days with the ranking state', async () => {
      await start({ popularMax: 3 });
      const hour = hourBucket(CONTRACT_NOW);
      const counter = (itemId: string, hoursAgo: number, counts: { clicks?: number; carts?: number; purchases?: number; impressions?: number }) => ({
        itemId,
        hour: hour - hoursAgo,
        impressions: counts.impressions ?? 0,
        clicks: counts.clicks ?? 0,
        carts: counts.carts ?? 0,
        purchases: counts.purchases ?? 0,
      });
      await store.apply({
        ...emptyPlan(),
        itemCounters: [
          counter('p1', 0, { purchases: 1 }), // 4 today
          counter('p2', 0, { clicks: 2, carts: 1 }), // 4 today
          counter('p3', 0, { clicks: 1 }), // 1 today
          counter('p4', 0, { impressions: 50 }), // impressions are not engagement
          counter('p5', 72, { purchases: 4 }), // 16, three days ago: half weight
        ],
        cooccurrence: [
          { itemId: 'a', neighbourId: 'x', weight: 2 },
          { itemId: 'a', neighbourId: 'y', weight: 5 },
          { itemId: 'b', neighbourId: 'x', weight: 1 },
        ],
      });
      // A fourth item of today: the day keeps its top three.
      await store.apply({ ...emptyPlan(), itemCounters: [counter('p6', 0, { carts: 1 })] });

      const { refs } = await store.prepare({ dedup: [], pseudonyms: [], internItems: ['a', 'b', 'c'] });
      const user = 'k1:user-candidates';
      const recent = [
        { ref: refs[1]!, kind: RecentKind.Purchase, inSession: false },
        { ref: refs[0]!, kind: RecentKind.Purchase, inSession: false },
        { ref: refs[1]!, kind: RecentKind.View, inSession: false },
        { ref: refs[2]!, kind: RecentKind.View, inSession: false },
      ];
      await store.apply({ ...emptyPlan(), users: [{ pseudonym: user, profile: { expectedRevision: null, next: encodeProfile(profile({ recent })) } }] });

      const state = await store.readForRanking({ pseudonym: user, itemIds: [], now: CONTRACT_NOW, candidates: { seeds: 2, neighboursPerSeed: 1, popular: 3 } });
      expect(state.recentOrder).toEqual(['b', 'a', 'c']);
      expect(state.neighbours).toEqual([
        { seedId: 'b', items: [{ itemId: 'x', score: 1 }] },
        { seedId: 'a', items: [{ itemId: 'y', score: 5 }] },
      ]);
      expect(state.popular!.map((p) => p.itemId)).toEqual(['p5', 'p1', 'p2']);
      expect(state.popular![0]!.score).toBeCloseTo(8, 6);
      expect(state.popular![1]!.score).toBeCloseTo(4, 6);

      // Anchors replace the recent items as seeds.
      const anchored = await store.readForRanking({ pseudonym: user, itemIds: [], now: CONTRACT_NOW, candidates: { seeds: 5, neighboursPerSeed: 5, popular: 0, seedItemIds: ['a'] } });
      expect(anchored.neighbours).toEqual([{ seedId: 'a', items: [{ itemId: 'y', score: 5 }, { itemId: 'x', score: 2 }] }]);
      expect(anchored.popular).toEqual([]);

      // Without the request, neither is read.
      const plain = await store.readForRanking({ pseudonym: user, itemIds: [], now: CONTRACT_NOW });
      expect(plain.neighbours).toBeUndefined();
      expect(plain.popular).toBeUndefined();
      // An unknown user still gets the popular items (cold start).
      const cold = await store.readForRanking({ pseudonym: 'k1:nobody', itemIds: [], now: CONTRACT_NOW, candidates: { seeds: 5, neighboursPerSeed: 5, popular: 1 } });
      expect(cold.neighbours).toEqual([]);
      expect(cold.popular!.map((p) => p.itemId)).toEqual(['p5']);
    });

    it('joins impressions with labels and hands each closed window out once, with the served log', async () => {
      await start();
      const user = 'k1:user-join';
      const due = Date.now() + 1_000;
      await store.apply({
        ...emptyPlan(),
        joinImpressions: [{ requestId: 'r1', pseudonym: user, keyId: 'k1', dueAtMs: due, servedAt: CONTRACT_NOW, query: 'red shoes', channel: 'web', experiments: 'exp=a', items: [{ itemId: 'i1', position: 0 }, { itemId: 'i2', position: 1 }] }],
      });
      await store.apply({
        ...emptyPlan(),
        joinImpressions: [{ requestId: 'r1', pseudonym: user, keyId: 'k1', dueAtMs: due + 99_999, servedAt: CONTRACT_NOW + 9, query: 'other', channel: 'ios', experiments: '', items: [{ itemId: 'i3', position: 2 }] }],
        joinLabels: [
          { requestId: 'r1', pseudonym: user, keyId: 'k1', dueAtMs: due, itemId: 'i2', kind: 'click' },
          { requestId: 'r1', pseudonym: user, keyId: 'k1', dueAtMs: due, itemId: 'i2', kind: 'purchase' },
        ],
      });
      const served = encodeServedList([{ requestId: 'r1', itemId: 'i2', position: 1, modelVersion: 'm1', features: { bm25: 1.5 }, score: 0.7, servedAt: timestampFromMs(CONTRACT_NOW * 1000) }]);
      await store.logServedList('r1', served, 600);

      expect(await store.claimDueJoins(due - 1, 10, 5_000)).toEqual([]);
      const [claimed, ...rest] = await store.claimDueJoins(due, 10, 5_000);
      expect(rest).toEqual([]);
      expect(claimed!.requestId).toBe('r1');
      const join = decodeJoin(claimed!.fields);
      expect(join.pseudonym).toBe(user);
      expect(join.meta).toEqual({ keyId: 'k1', servedAt: CONTRACT_NOW, query: 'red shoes', channel: 'web', experiments: 'exp=a' });
      expect([...join.impressions]).toEqual([
        ['i1', 0],
        ['i2', 1],
        ['i3', 2],
      ]);
      expect([...join.labels].sort()).toEqual(['c:i2', 'p:i2']);
      expect(decodeServedList(claimed!.served!)).toEqual([create(TrainingExampleSchema, { requestId: 'r1', itemId: 'i2', position: 1, modelVersion: 'm1', features: { bm25: 1.5 }, score: 0.7, servedAt: timestampFromMs(CONTRACT_NOW * 1000) })]);
      // Leased: not handed out again until the lease runs out.
      expect(await store.claimDueJoins(due + 4_000, 10, 5_000)).toEqual([]);
      expect((await store.claimDueJoins(due + 5_000, 10, 5_000)).map((c) => c.requestId)).toEqual(['r1']);
      await store.completeJoins(['r1']);
      expect(await store.claimDueJoins(due + 60_000, 10, 5_000)).toEqual([]);
    });

    it('counts searches and searches that found nothing per day and query, and sums the days asked for', async () => {
      await start();
      await store.countSearch('2026-12-06', 'red shoes', true);
      await store.countSearch('2026-12-07', 'red shoes', false);
      await store.countSearch('2026-12-07', 'red shoes', true);
      await store.countSearch('2026-12-07', '跑鞋', false);
      await store.countSearch('2026-12-08', 'mug', true);
      expect(Object.fromEntries(await store.readSearchCounts(['2026-12-06', '2026-12-07']))).toEqual({
        'red shoes': { searches: 3, zeroResults: 1 },
        跑鞋: { searches: 1, zeroResults: 1 },
      });
      expect(Object.fromEntries(await store.readSearchCounts(['2026-12-08']))).toEqual({ mug: { searches: 1, zeroResults: 0 } });
      expect((await store.readSearchCounts(['2026-11-01'])).size).toBe(0);
    });

    it('evicts profiles whose latest event is older than the cutoff', async () => {
      await start({ profileShards: 4 });
      const users = Array.from({ length: 20 }, (_, i) => `k1:user-evict-${i}`);
      await store.apply({
        ...emptyPlan(),
        users: users.map((p, i) => ({ pseudonym: p, profile: { expectedRevision: null, next: encodeProfile(profile({ lastEventAt: i % 2 === 0 ? CONTRACT_NOW - 1000 : CONTRACT_NOW })) } })),
      });
      expect(await store.evictStaleProfiles(CONTRACT_NOW - 10, 4)).toBe(10);
      const prepared = await store.prepare({ dedup: [], pseudonyms: users, internItems: [] });
      expect(prepared.users.map((u) => u.profile !== null)).toEqual(users.map((_, i) => i % 2 === 1));
    });
  });
}
