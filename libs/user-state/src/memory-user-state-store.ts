import { addToWindows, windowTotals, type Counts } from './item-stats';
import { joinItemFields, joinMetaFields, labelField } from './join-state';
import { dedupExpiresAt, StateKeys } from './key-schema';
import { combinePopularity, engagementWeight, popularityDays, popularityExpireAt } from './popularity';
import { cooccurrenceSeeds, rankingState } from './ranking-state';
import { profileLastEventAt, profileRecentRefs, profileRevision, profileSeenRefs } from './user-profile';
import type {
  ApplyPlan,
  ApplyResult,
  ClaimedJoin,
  PeekRequest,
  PeekResult,
  PrepareRequest,
  PrepareResult,
  RankingReadRequest,
  RankingState,
  SearchCount,
  StoreSettings,
  UserStateStore,
} from './user-state-store.port';
import { SEARCH_COUNT_RETENTION_DAYS } from './user-state-store.port';

interface Expiring<T> {
  value: T;
  /** ms since the epoch; Infinity: never. */
  expiresAt: number;
}

/**
 * Byte order of Redis sorted-set ties (equal scores order by member bytes), without encoding
 * either string: trims compare a lot. Two strings order as their first differing code units do
 * when both are below the surrogates (there UTF-16 code units are code points, whose order UTF-8
 * keeps); only from U+D800 up can the orders differ, and only then are the bytes compared.
 */
export const byteCompare = (a: string, b: string): number => {
  const shorter = Math.min(a.length, b.length);
  let i = 0;
  while (i < shorter && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === shorter) return a.length - b.length;
  const x = a.charCodeAt(i);
  const y = b.charCodeAt(i);
  if (x < 0xd800 && y < 0xd800) return x - y;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
};

/**
 * The standalone adapter: the same semantics as the Redis adapter (the shared contract suite
 * checks it), held in maps in this process. TTLs are enforced lazily on access and by
 * `purgeExpired`, which the writer calls periodically. State survives a restart only through a
 * snapshot file (memory-state-snapshot.ts), which the standalone runner writes periodically.
 */
export class MemoryUserStateStore implements UserStateStore {
  readonly keys: StateKeys;
  private readonly profiles = new Map<string, Buffer>();
  private readonly forgotten = new Map<string, number>();
  private readonly dedup = new Map<string, Expiring<Set<string>>>();
  private readonly refById = new Map<string, number>();
  private readonly idByRef = new Map<number, string>();
  private readonly items = new Map<string, Expiring<Record<string, string>>>();
  private readonly queryImpressions = new Map<string, Expiring<Map<string, number>>>();
  private readonly queryClicks = new Map<string, Expiring<Map<string, number>>>();
  private readonly cooc = new Map<string, Expiring<Map<string, number>>>();
  /** Event-time day → item → engagement (popularity.ts). */
  private readonly popular = new Map<string, Expiring<Map<string, number>>>();
  /**
   * Request id → the join's fields (join-state.ts), in an object without a prototype: fields named
   * after items would give an ordinary object a V8 shape of its own at every write (several times
   * slower), and a Map costs about 30% more memory per join than this dictionary-mode object.
   * Joins restored from a snapshot come back as ordinary objects and stay so: converting 900,000
   * of them took 3 s at start, more than the few writes a restored join still gets cost.
   */
  private readonly joins = new Map<string, Expiring<Record<string, string>>>();
  private readonly joinDue = new Map<string, number>();
  private readonly joinOpen = new Set<string>();
  private readonly served = new Map<string, Expiring<Buffer>>();
  /** Search analytics: day → normalised query → counts (snapshotted with the rest). */
  private readonly searchCounts = new Map<string, Map<string, SearchCount>>();

  constructor(
    private readonly settings: StoreSettings,
    private readonly clock: () => number = Date.now,
  ) {
    this.keys = new StateKeys(settings.keyPrefix, settings.profileShards, settings.dedupShards);
  }

  private live<T>(map: Map<string, Expiring<T>>, key: string): T | undefined {
    const entry = map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock()) {
      map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  private isForgotten(pseudonym: string): boolean {
    const until = this.forgotten.get(pseudonym);
    if (until === undefined) return false;
    if (until <= this.clock()) {
      this.forgotten.delete(pseudonym);
      return false;
    }
    return true;
  }

  private dedupKey(day: number, shard: number): string {
    return `${day}:${shard}`;
  }

  async prepare(request: PrepareRequest): Promise<PrepareResult> {
    const { seen } = await this.peek({ dedup: request.dedup, pseudonyms: [] });
    const users = request.pseudonyms.map((p) => {
      const profile = this.profiles.get(p) ?? null;
      const recentItemIds = profile ? profileRecentRefs(profile).map((ref) => this.idByRef.get(ref) ?? null) : [];
      return { forgotten: this.isForgotten(p), profile: profile ? Buffer.from(profile) : null, recentItemIds };
    });
    const refs = request.internItems.map((item) => {
      let ref = this.refById.get(item);
      if (ref === undefined) {
        ref = this.refById.size + 1;
        this.refById.set(item, ref);
        this.idByRef.set(ref, item);
      }
      return ref;
    });
    return { seen, users, refs };
  }

  async peek(request: PeekRequest): Promise<PeekResult> {
    return {
      seen: request.dedup.map((d) => this.live(this.dedup, this.dedupKey(d.day, d.shard))?.has(d.field) ?? false),
      forgotten: request.pseudonyms.map((p) => this.isForgotten(p)),
    };
  }

  async apply(plan: ApplyPlan): Promise<ApplyResult> {
    const now = this.clock();
    const s = this.settings;
    // Preconditions first, nothing written unless all hold (like the Lua script).
    for (const d of plan.dedup) if (this.live(this.dedup, this.dedupKey(d.day, d.shard))?.has(d.field)) return { applied: false, conflict: 'duplicate' };
    for (const u of plan.users) {
      if (this.isForgotten(u.pseudonym)) return { applied: false, conflict: 'forgotten' };
      if (u.profile) {
        const current = this.profiles.get(u.pseudonym);
        const expected = u.profile.expectedRevision;
        if (expected === null ? current !== undefined : current === undefined || profileRevision(current) !== expected) return { applied: false, conflict: 'profile-changed' };
      }
    }

    for (const d of plan.dedup) {
      const key = this.dedupKey(d.day, d.shard);
      let entry = this.dedup.get(key);
      if (!entry || entry.expiresAt <= now) {
        entry = { value: new Set(), expiresAt: 0 };
        this.dedup.set(key, entry);
      }
      entry.value.add(d.field);
      entry.expiresAt = Math.max(entry.expiresAt, dedupExpiresAt(d.day, Math.floor(now / 1000), s.dedupTtlSeconds) * 1000);
    }
    for (const u of plan.users) if (u.profile) this.profiles.set(u.pseudonym, Buffer.from(u.profile.next));

    const ring = (map: Map<string, Expiring<Record<string, string>>>, key: string, ttl: number) => {
      const fields = this.live(map, key) ?? {};
      map.set(key, { value: fields, expiresAt: now + ttl * 1000 });
      return fields;
    };
    const touchedDays = new Set<number>();
    for (const c of plan.itemCounters) {
      const counts = { impressions: c.impressions, clicks: c.clicks, carts: c.carts, purchases: c.purchases };
      addToWindows(ring(this.items, c.itemId, s.itemWindowsTtlSeconds), c.hour, counts);
      const engagement = engagementWeight(c);
      if (engagement > 0) {
        const day = Math.floor(c.hour / 24);
        let entry = this.popular.get(String(day));
        if (!entry || entry.expiresAt <= now) {
          entry = { value: new Map(), expiresAt: popularityExpireAt(day) * 1000 };
          this.popular.set(String(day), entry);
        }
        incr(entry.value, c.itemId, engagement);
        touchedDays.add(day);
      }
    }
    for (const day of touchedDays) trim(this.popular.get(String(day))!.value, s.popularMax);

    const zset = (map: Map<string, Expiring<Map<string, number>>>, key: string) => {
      let scores = this.live(map, key);
      if (!scores) {
        scores = new Map();
        map.set(key, { value: scores, expiresAt: Infinity });
      }
      return scores;
    };
    const touchedQueries = new Set<string>();
    for (const q of plan.queryItems) {
      if (q.impressions > 0) incr(zset(this.queryImpressions, q.queryDigest), q.itemId, q.impressions);
      if (q.clicks > 0) incr(zset(this.queryClicks, q.queryDigest), q.itemId, q.clicks);
      touchedQueries.add(q.queryDigest);
    }
    for (const digest of touchedQueries) {
      const impressions = zset(this.queryImpressions, digest);
      const clicks = zset(this.queryClicks, digest);
      for (const dropped of trim(impressions, s.queryItemsMax)) clicks.delete(dropped);
      trim(clicks, s.queryItemsMax);
      for (const map of [this.queryImpressions, this.queryClicks]) {
        const entry = map.get(digest)!;
        if (entry.value.size === 0) map.delete(digest);
        else entry.expiresAt = now + s.queryItemsTtlSeconds * 1000;
      }
    }
    const touchedItems = new Set<string>();
    for (const c of plan.cooccurrence) {
      incr(zset(this.cooc, c.itemId), c.neighbourId, c.weight);
      touchedItems.add(c.itemId);
    }
    for (const item of touchedItems) {
      const entry = this.cooc.get(item)!;
      trim(entry.value, s.cooccurrenceMax);
      entry.expiresAt = now + s.cooccurrenceTtlSeconds * 1000;
    }

    const join = (requestId: string) => {
      const fields = this.live(this.joins, requestId) ?? (Object.create(null) as Record<string, string>);
      this.joins.set(requestId, { value: fields, expiresAt: now + s.joinTtlSeconds * 1000 });
      return fields;
    };
    for (const j of plan.joinImpressions) {
      const fields = join(j.requestId);
      fields['u'] = j.pseudonym;
      const items = joinItemFields(j);
      for (let i = 0; i < items.length; i += 2) fields[String(items[i])] = String(items[i + 1]);
      if (fields['t'] === undefined) {
        fields['t'] = String(j.servedAt);
        const meta = joinMetaFields(j);
        for (let i = 0; i < meta.length; i += 2) fields[meta[i]!] = meta[i + 1]!;
      }
      if (!this.joinDue.has(j.requestId)) this.joinDue.set(j.requestId, j.dueAtMs);
      this.joinOpen.add(`${j.pseudonym}|${j.requestId}`);
    }
    for (const j of plan.joinLabels) {
      const fields = join(j.requestId);
      fields['u'] = j.pseudonym;
      fields[labelField(j)] = '1';
      if (!this.joinDue.has(j.requestId)) this.joinDue.set(j.requestId, j.dueAtMs);
      this.joinOpen.add(`${j.pseudonym}|${j.requestId}`);
    }
    return { applied: true };
  }

  async forget(pseudonyms: readonly string[]): Promise<void> {
    for (const p of pseudonyms) {
      this.profiles.delete(p);
      this.forgotten.set(p, this.settings.forgottenTtlSeconds > 0 ? this.clock() + this.settings.forgottenTtlSeconds * 1000 : Infinity);
      for (const member of [...this.joinOpen]) {
        if (!member.startsWith(`${p}|`)) continue;
        const requestId = member.slice(p.length + 1);
        this.joins.delete(requestId);
        this.served.delete(requestId);
        this.joinDue.delete(requestId);
        this.joinOpen.delete(member);
      }
    }
  }

  async unforget(pseudonyms: readonly string[]): Promise<void> {
    for (const p of pseudonyms) this.forgotten.delete(p);
  }

  async claimDueJoins(nowMs: number, limit: number, leaseMs: number): Promise<ClaimedJoin[]> {
    const due = [...this.joinDue].filter(([, at]) => at <= nowMs).sort((a, b) => a[1] - b[1] || byteCompare(a[0], b[0])).slice(0, limit);
    return due.map(([requestId]) => {
      this.joinDue.set(requestId, nowMs + leaseMs);
      const served = this.live(this.served, requestId);
      return { requestId, fields: { ...(this.live(this.joins, requestId) ?? {}) }, served: served ? Buffer.from(served) : null };
    });
  }

  async completeJoins(requestIds: readonly string[]): Promise<void> {
    for (const requestId of requestIds) {
      const user = this.live(this.joins, requestId)?.['u'];
      if (user !== undefined) this.joinOpen.delete(`${user}|${requestId}`);
      this.joinDue.delete(requestId);
      this.joins.delete(requestId);
      this.served.delete(requestId);
    }
  }

  async logServedList(requestId: string, servedList: Uint8Array, ttlSeconds: number): Promise<void> {
    this.served.set(requestId, { value: Buffer.from(servedList), expiresAt: this.clock() + ttlSeconds * 1000 });
  }

  async countSearch(day: string, query: string, found: boolean): Promise<void> {
    let counts = this.searchCounts.get(day);
    if (!counts) {
      counts = new Map<string, SearchCount>();
      this.searchCounts.set(day, counts);
      // A new day: days past the retention go, as Redis expires them.
      const oldest = new Date(this.clock() - SEARCH_COUNT_RETENTION_DAYS * 86_400_000).toISOString().slice(0, 10);
      for (const kept of this.searchCounts.keys()) if (kept < oldest) this.searchCounts.delete(kept);
    }
    const count = counts.get(query) ?? { searches: 0, zeroResults: 0 };
    counts.set(query, count);
    count.searches++;
    if (!found) count.zeroResults++;
  }

  async readSearchCounts(days: readonly string[]): Promise<Map<string, SearchCount>> {
    const out = new Map<string, SearchCount>();
    for (const day of days) {
      for (const [query, count] of this.searchCounts.get(day) ?? []) {
        const sum = out.get(query) ?? { searches: 0, zeroResults: 0 };
        sum.searches += count.searches;
        sum.zeroResults += count.zeroResults;
        out.set(query, sum);
      }
    }
    return out;
  }

  async readForRanking(request: RankingReadRequest): Promise<RankingState> {
    const now = request.now ?? Math.floor(this.clock() / 1000);
    const profile = this.profiles.get(request.pseudonym) ?? null;
    const recentItemIds = profile ? profileRecentRefs(profile).map((ref) => this.idByRef.get(ref) ?? null) : [];
    const ids = [...request.itemIds];
    const windows = ids.map((id) => {
      const w = windowTotals(this.live(this.items, id) ?? {}, now);
      return [w.lastHour, w.last24h, w.last7d] as [Counts, Counts, Counts];
    });
    const seeds = cooccurrenceSeeds(recentItemIds, request.cooccurrenceSeeds ?? 10);
    const cooccurrence = ids.map((id) => seeds.reduce((sum, seed) => sum + (this.live(this.cooc, seed)?.get(id) ?? 0), 0));
    const wanted = request.candidates;
    const neighbours = wanted ? cooccurrenceSeeds(wanted.seedItemIds && wanted.seedItemIds.length > 0 ? wanted.seedItemIds : recentItemIds, wanted.seeds).map((seedId) => ({ seedId, items: this.topNeighbours(seedId, wanted.neighboursPerSeed) })) : undefined;
    let popular: { itemId: string; score: number }[] | undefined;
    if (wanted) {
      const days = popularityDays(Math.floor(now / 86_400));
      const sets = days.map(({ day }) => [...(this.live(this.popular, String(day)) ?? new Map<string, number>())].map(([itemId, score]) => ({ itemId, score })));
      popular = combinePopularity(sets, days.map((d) => d.weight), wanted.popular);
    }
    const qi = request.queryDigest ? this.live(this.queryImpressions, request.queryDigest) : undefined;
    const qc = request.queryDigest ? this.live(this.queryClicks, request.queryDigest) : undefined;
    return rankingState({
      profile: profile ? Buffer.from(profile) : null,
      recentItemIds,
      itemIds: ids,
      windows,
      queryImpressions: request.queryDigest ? ids.map((id) => qi?.get(id) ?? null) : null,
      queryClicks: request.queryDigest ? ids.map((id) => qc?.get(id) ?? null) : null,
      cooccurrence,
      ...(neighbours ? { neighbours } : {}),
      ...(popular ? { popular } : {}),
      ...(request.seen ? { seenItemIds: profile ? profileSeenRefs(profile).map((ref) => this.idByRef.get(ref) ?? null) : [] } : {}),
    });
  }

  async neighbours(itemId: string, limit: number): Promise<{ itemId: string; score: number }[]> {
    return this.topNeighbours(itemId, limit);
  }

  private topNeighbours(itemId: string, limit: number): { itemId: string; score: number }[] {
    const scores = this.live(this.cooc, itemId);
    if (!scores) return [];
    return [...scores]
      .sort((a, b) => b[1] - a[1] || byteCompare(b[0], a[0]))
      .slice(0, limit)
      .map(([id, score]) => ({ itemId: id, score }));
  }

  async evictStaleProfiles(cutoffSeconds: number): Promise<number> {
    let dropped = 0;
    for (const [p, blob] of this.profiles) {
      if (profileLastEventAt(blob) < cutoffSeconds) {
        this.profiles.delete(p);
        dropped++;
      }
    }
    return dropped;
  }

  /** Drops every expired entry (the Redis adapter gets this from Redis itself). */
  purgeExpired(): void {
    const now = this.clock();
    for (const map of [this.dedup, this.items, this.queryImpressions, this.queryClicks, this.cooc, this.popular, this.joins, this.served] as Map<string, Expiring<unknown>>[]) {
      for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
    }
    for (const [p, until] of this.forgotten) if (until <= now) this.forgotten.delete(p);
  }

  /** Counts of what is held, for tests and metrics. */
  stats(): Record<string, number> {
    return { profiles: this.profiles.size, dedupShards: this.dedup.size, items: this.items.size, queries: this.queryImpressions.size, cooccurrence: this.cooc.size, joins: this.joins.size };
  }

  /**
   * Every map and set this store holds, by field name: what a snapshot saves and restores. Found
   * by type rather than listed, so state added to the store later is saved without another edit.
   */
  stateFields(): Record<string, Map<unknown, unknown> | Set<unknown>> {
    return Object.fromEntries(Object.entries(this).filter(([, value]) => value instanceof Map || value instanceof Set));
  }

  async close(): Promise<void> {
    // Nothing is held outside this process.
  }
}

function incr(scores: Map<string, number>, member: string, by: number): void {
  scores.set(member, (scores.get(member) ?? 0) + by);
}

/** Redis's order of sorted-set members: by score, ties by member bytes. */
const lowerInZset = (a: readonly [string, number], b: readonly [string, number]) => a[1] < b[1] || (a[1] === b[1] && byteCompare(a[0], b[0]) < 0);

/** Keeps the `max` highest scores (ties: Redis order, lowest member bytes drop first); returns the dropped members, lowest first. */
function trim(scores: Map<string, number>, max: number): string[] {
  const excess = scores.size - max;
  if (excess <= 0) return [];
  // A batch usually pushes a set a few members over its bound: those few lowest are found in one
  // pass, keeping them sorted (most members are above the highest of them); a sort is for more.
  if (excess <= 32) {
    const lowest: [string, number][] = [];
    for (const entry of scores) {
      if (lowest.length === excess && !lowerInZset(entry, lowest[excess - 1]!)) continue;
      let at = lowest.length;
      while (at > 0 && lowerInZset(entry, lowest[at - 1]!)) at--;
      lowest.splice(at, 0, entry);
      if (lowest.length > excess) lowest.pop();
    }
    for (const [member] of lowest) scores.delete(member);
    return lowest.map(([member]) => member);
  }
  const ascending = [...scores].sort((a, b) => a[1] - b[1] || byteCompare(a[0], b[0]));
  const dropped = ascending.slice(0, scores.size - max).map(([member]) => member);
  for (const member of dropped) scores.delete(member);
  return dropped;
}
