import type Redis from 'ioredis';
import { dayBucket, hourBucket, type Counts } from './item-stats';
import { dedupExpiresAt, shardOf, StateKeys, type DedupRef } from './key-schema';
import { joinItemFields, joinMetaFields, labelField } from './join-state';
import { popularityDays, POPULARITY_DAYS } from './popularity';
import { rankingState } from './ranking-state';
import { APPLY, CLAIM_JOINS, COMPLETE_JOINS, EVICT_PROFILES, FORGET, PREPARE, READ_FOR_RANKING } from './redis-scripts';
import type {
  ApplyConflict,
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

type ScriptFn = (...args: (string | Buffer | number)[]) => Promise<unknown>;
interface ScriptedRedis {
  ssPrepareBuffer: ScriptFn;
  ssApply: ScriptFn;
  ssForget: ScriptFn;
  ssClaimJoinsBuffer: ScriptFn;
  ssCompleteJoins: ScriptFn;
  ssEvictProfiles: ScriptFn;
  ssReadForRankingBuffer: ScriptFn;
}

/** Item id → reference, bounded; a Map keeps insertion order, so the oldest entry goes first. */
class RefCache {
  private readonly entries = new Map<string, number>();
  constructor(private readonly capacity: number) {}
  get(item: string): number | undefined {
    return this.entries.get(item);
  }
  set(item: string, ref: number): void {
    this.entries.set(item, ref);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}

/** Dedup refs grouped by their hash (`day:shard`), with each field's index in the input. */
function groupDedup(refs: readonly DedupRef[]): Map<string, { fields: string[]; indexes: number[] }> {
  const groups = new Map<string, { fields: string[]; indexes: number[] }>();
  refs.forEach((d, index) => {
    const key = `${d.day}:${d.shard}`;
    let group = groups.get(key);
    if (!group) {
      group = { fields: [], indexes: [] };
      groups.set(key, group);
    }
    group.fields.push(d.field);
    group.indexes.push(index);
  });
  return groups;
}

/** Per dedup ref, in request order: whether it was found (`found(group, j)`: the j-th field of the group-th hash). */
function seenFlags(groups: ReturnType<typeof groupDedup>, count: number, found: (group: number, j: number) => boolean): boolean[] {
  const seen: boolean[] = new Array(count).fill(false);
  [...groups.values()].forEach((g, i) => g.indexes.forEach((index, j) => (seen[index] = found(i, j))));
  return seen;
}

/** One section of the Lua scripts' JSON argument: entries flattened into one array. */
type PlanArray = (string | number | readonly (string | number)[])[];

const str = (value: unknown): string => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value));
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(str(value)));

/**
 * The Redis adapter: every multi-key operation is one Lua script (redis-scripts.ts), so each
 * is atomic and costs one round trip. Scripts are sent by SHA (ioredis reloads them after a
 * restart of Redis).
 */
export class RedisUserStateStore implements UserStateStore {
  readonly keys: StateKeys;
  private readonly redis: Redis & ScriptedRedis;
  private evictCursor = { shard: 0, cursor: '0' };
  private readonly refs = new RefCache(200_000);
  /** What every apply call passes along: bounds, TTLs and key prefixes (keys travel as their varying part). */
  private readonly applySettings: Record<string, string | number>;

  constructor(
    redis: Redis,
    private readonly settings: StoreSettings,
    private readonly options: { ownsConnection?: boolean } = {},
  ) {
    this.keys = new StateKeys(settings.keyPrefix, settings.profileShards, settings.dedupShards);
    const scripted = redis as Redis & ScriptedRedis;
    const define = (name: string, lua: string, numberOfKeys = 0) => {
      if (!(name in scripted)) redis.defineCommand(name, { numberOfKeys, lua });
    };
    define('ssPrepare', PREPARE);
    define('ssApply', APPLY);
    define('ssForget', FORGET);
    define('ssClaimJoins', CLAIM_JOINS);
    define('ssCompleteJoins', COMPLETE_JOINS);
    define('ssEvictProfiles', EVICT_PROFILES, 1);
    define('ssReadForRanking', READ_FOR_RANKING);
    this.redis = scripted;
    const k = this.keys;
    this.applySettings = {
      it: settings.itemWindowsTtlSeconds,
      qm: settings.queryItemsMax,
      qt: settings.queryItemsTtlSeconds,
      cm: settings.cooccurrenceMax,
      ct: settings.cooccurrenceTtlSeconds,
      pm: settings.popularMax,
      pd: POPULARITY_DAYS,
      pp: `${k.prefix}pop:`,
      jt: settings.joinTtlSeconds,
      due: k.joinDue,
      open: k.joinOpen,
      fk: k.forgotten,
      dp: k.dedup(0, 0).replace(/0:0$/, ''),
      up: k.profileShardByIndex(0).replace(/0$/, ''),
      ip: k.item(''),
      qp: k.queryImpressions('').replace(/:i$/, ''),
      cp: k.cooccurrence(''),
      jp: k.join(''),
    };
  }

  async prepare(request: PrepareRequest): Promise<PrepareResult> {
    const k = this.keys;
    // An item's reference never changes once assigned, so known ones are answered from memory.
    const intern = request.internItems.filter((item) => this.refs.get(item) === undefined);
    const groups = groupDedup(request.dedup);
    const json = JSON.stringify({
      d: [...groups].flatMap(([key, g]) => [k.dedup(...key.split(':').map(Number) as [number, number]), g.fields]),
      p: request.pseudonyms,
      u: request.pseudonyms.map((p) => k.profileShard(p)),
      fk: k.forgotten,
      now: Date.now(),
      i: intern,
      sk: k.itemRefSequence,
      ik: k.itemRefById,
      rk: k.itemIdByRef,
    });
    const [found, users, refs] = (await this.redis.ssPrepareBuffer(json)) as [number[][], [number, Buffer, (Buffer | null)[]][], number[]];
    intern.forEach((item, i) => this.refs.set(item, Number(refs[i])));
    return {
      seen: seenFlags(groups, request.dedup.length, (group, j) => found[group]![j] === 1),
      users: users.map(([forgotten, blob, ids]) => ({
        forgotten: forgotten === 1,
        profile: blob.length > 0 ? blob : null,
        recentItemIds: ids.map((id) => (id === null ? null : id.toString('utf8'))),
      })),
      refs: request.internItems.map((item) => this.refs.get(item)!),
    };
  }

  async peek(request: PeekRequest): Promise<PeekResult> {
    const groups = groupDedup(request.dedup);
    const pipeline = this.redis.pipeline();
    for (const [key, g] of groups) pipeline.hmget(this.keys.dedup(...(key.split(':').map(Number) as [number, number])), ...g.fields);
    if (request.pseudonyms.length > 0) pipeline.zmscore(this.keys.forgotten, ...request.pseudonyms);
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error);
    if (failed) throw failed[0];
    const seen = seenFlags(groups, request.dedup.length, (group, j) => (replies[group]![1] as (string | null)[])[j] !== null);
    // Scores are expiry times in ms ('inf': never), as forgotten_flags reads them in Lua.
    const scores = request.pseudonyms.length > 0 ? (replies[groups.size]![1] as (string | null)[]) : [];
    const now = Date.now();
    return { seen, forgotten: scores.map((score) => score !== null && (score === 'inf' || Number(score) > now)) };
  }

  async apply(plan: ApplyPlan): Promise<ApplyResult> {
    const s = this.settings;
    // Flat arrays filled by push loops, not flatMap: a batch has thousands of entries, and flatMap
    // allocates an array for each (a CPU profile showed it costing more than the JSON itself).
    const d: PlanArray = [];
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (const [key, g] of groupDedup(plan.dedup)) d.push(key, g.fields, dedupExpiresAt(Number(key.split(':')[0]), nowSeconds, s.dedupTtlSeconds));
    const blobs: Buffer[] = [];
    const u: PlanArray = [];
    for (const user of plan.users) {
      const index = user.profile ? blobs.push(user.profile.next) : 0;
      u.push(shardOf(user.pseudonym, s.profileShards), user.pseudonym, user.profile ? (user.profile.expectedRevision ?? -1) : -2, index);
    }
    const ic: PlanArray = [];
    for (const c of plan.itemCounters) ic.push(c.itemId, c.hour, c.impressions, c.clicks, c.carts, c.purchases);
    const qi: PlanArray = [];
    for (const q of plan.queryItems) qi.push(q.queryDigest, q.itemId, q.impressions, q.clicks);
    const co: PlanArray = [];
    for (const c of plan.cooccurrence) co.push(c.itemId, c.neighbourId, c.weight);
    const ji: PlanArray = [];
    for (const j of plan.joinImpressions) ji.push(j.requestId, j.pseudonym, j.dueAtMs, j.servedAt, joinMetaFields(j), joinItemFields(j));
    const jl: PlanArray = [];
    for (const j of plan.joinLabels) jl.push(j.requestId, j.pseudonym, j.dueAtMs, labelField(j));
    const json = JSON.stringify({ now: Date.now(), d, u, ic, qi, co, ji, jl, s: this.applySettings });
    const result = (await this.redis.ssApply(json, ...blobs)) as [number, string?];
    return result[0] === 1 ? { applied: true } : { applied: false, conflict: result[1] as ApplyConflict };
  }

  async forget(pseudonyms: readonly string[]): Promise<void> {
    const k = this.keys;
    const ttl = this.settings.forgottenTtlSeconds;
    await this.redis.ssForget(
      JSON.stringify({
        p: pseudonyms,
        u: pseudonyms.map((p) => k.profileShard(p)),
        fk: k.forgotten,
        exp: ttl > 0 ? String(Date.now() + ttl * 1000) : '+inf',
        open: k.joinOpen,
        due: k.joinDue,
        jp: k.join(''),
        sp: k.served(''),
      }),
    );
  }

  async unforget(pseudonyms: readonly string[]): Promise<void> {
    if (pseudonyms.length > 0) await this.redis.zrem(this.keys.forgotten, ...pseudonyms);
  }

  async claimDueJoins(nowMs: number, limit: number, leaseMs: number): Promise<ClaimedJoin[]> {
    const k = this.keys;
    const rows = (await this.redis.ssClaimJoinsBuffer(JSON.stringify({ due: k.joinDue, now: nowMs, limit, lease: leaseMs, jp: k.join(''), sp: k.served('') }))) as [Buffer, Buffer[], Buffer][];
    return rows.map(([rid, flat, served]) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) fields[flat[i]!.toString('utf8')] = flat[i + 1]!.toString('utf8');
      return { requestId: rid.toString('utf8'), fields, served: served.length > 0 ? served : null };
    });
  }

  async completeJoins(requestIds: readonly string[]): Promise<void> {
    if (requestIds.length === 0) return;
    const k = this.keys;
    await this.redis.ssCompleteJoins(JSON.stringify({ rids: requestIds, open: k.joinOpen, due: k.joinDue, jp: k.join(''), sp: k.served('') }));
  }

  async logServedList(requestId: string, servedList: Uint8Array, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.keys.served(requestId), Buffer.from(servedList), 'EX', ttlSeconds);
  }

  async countSearch(day: string, query: string, found: boolean): Promise<void> {
    // One key per day and kind: every command touches one key, so this works on a Redis Cluster too.
    const ttl = SEARCH_COUNT_RETENTION_DAYS * 86_400;
    const keys = found ? [this.keys.searches(day)] : [this.keys.searches(day), this.keys.zeroResultSearches(day)];
    await Promise.all(keys.map((key) => this.redis.multi().hincrby(key, query, 1).expire(key, ttl).exec()));
  }

  async readSearchCounts(days: readonly string[]): Promise<Map<string, SearchCount>> {
    const counts = new Map<string, SearchCount>();
    const [searches, zero] = await Promise.all([Promise.all(days.map((d) => this.redis.hgetall(this.keys.searches(d)))), Promise.all(days.map((d) => this.redis.hgetall(this.keys.zeroResultSearches(d))))]);
    const add = (hashes: Record<string, string>[], field: keyof SearchCount) => {
      for (const hash of hashes) {
        for (const [query, n] of Object.entries(hash)) {
          const count = counts.get(query) ?? { searches: 0, zeroResults: 0 };
          count[field] += Number(n);
          counts.set(query, count);
        }
      }
    };
    add(searches, 'searches');
    add(zero, 'zeroResults');
    return counts;
  }

  async readForRanking(request: RankingReadRequest): Promise<RankingState> {
    const k = this.keys;
    const now = request.now ?? Math.floor(Date.now() / 1000);
    const ids = [...request.itemIds];
    const json = JSON.stringify({
      p: [k.profileShard(request.pseudonym), request.pseudonym],
      rk: k.itemIdByRef,
      ip: k.item(''),
      cp: `${k.prefix}co:`,
      ids,
      q: request.queryDigest ? [k.queryImpressions(request.queryDigest), k.queryClicks(request.queryDigest)] : false,
      hour: hourBucket(now),
      day: dayBucket(now),
      seeds: request.cooccurrenceSeeds ?? 10,
      cand: request.candidates ? { seeds: request.candidates.seeds, per: request.candidates.neighboursPerSeed, popular: request.candidates.popular, ...(request.candidates.seedItemIds && request.candidates.seedItemIds.length > 0 ? { ids: request.candidates.seedItemIds } : {}) } : false,
      pop: request.candidates ? popularityDays(dayBucket(now)).flatMap(({ day, weight }) => [k.popularity(day), weight]) : [],
      seen: request.seen === true,
    });
    const [blob, recent, windows, qi, qc, co, nb, pop, seen] = (await this.redis.ssReadForRankingBuffer(json)) as [Buffer, (Buffer | null)[], number[][], (Buffer | null)[], (Buffer | null)[], Buffer[], [Buffer, Buffer[]][], Buffer[], (Buffer | null)[]];
    const pairs = (flat: Buffer[]) => {
      const out: { itemId: string; score: number }[] = [];
      for (let i = 0; i < flat.length; i += 2) out.push({ itemId: str(flat[i]), score: Number(str(flat[i + 1])) });
      return out;
    };
    const counts = (w: number[], base: number): Counts => ({ impressions: w[base]!, clicks: w[base + 1]!, carts: w[base + 2]!, purchases: w[base + 3]! });
    return rankingState({
      profile: blob.length > 0 ? blob : null,
      recentItemIds: recent.map((id) => (id === null ? null : id.toString('utf8'))),
      itemIds: ids,
      windows: windows.map((w) => [counts(w, 0), counts(w, 4), counts(w, 8)]),
      queryImpressions: request.queryDigest ? qi.map(numOrNull) : null,
      queryClicks: request.queryDigest ? qc.map(numOrNull) : null,
      cooccurrence: co.map((c) => Number(str(c))),
      ...(request.candidates ? { neighbours: nb.map(([seed, flat]) => ({ seedId: str(seed), items: pairs(flat) })), popular: pairs(pop) } : {}),
      ...(request.seen ? { seenItemIds: seen.map((id) => (id === null ? null : id.toString('utf8'))) } : {}),
    });
  }

  async neighbours(itemId: string, limit: number): Promise<{ itemId: string; score: number }[]> {
    const flat = await this.redis.zrevrange(this.keys.cooccurrence(itemId), 0, limit - 1, 'WITHSCORES');
    const out: { itemId: string; score: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ itemId: flat[i]!, score: Number(flat[i + 1]) });
    return out;
  }

  async evictStaleProfiles(cutoffSeconds: number, shards: number): Promise<number> {
    // Expired forget marks are ignored by every check; this only reclaims their memory.
    await this.redis.zremrangebyscore(this.keys.forgotten, '-inf', Date.now());
    let dropped = 0;
    let visited = 0;
    while (visited < shards) {
      const key = this.keys.profileShardByIndex(this.evictCursor.shard);
      const [next, count] = (await this.redis.ssEvictProfiles(key, this.evictCursor.cursor, cutoffSeconds)) as [string, number];
      dropped += Number(count);
      if (str(next) === '0') {
        this.evictCursor = { shard: (this.evictCursor.shard + 1) % this.settings.profileShards, cursor: '0' };
        visited++;
      } else {
        this.evictCursor.cursor = str(next);
      }
    }
    return dropped;
  }

  async close(): Promise<void> {
    if (this.options.ownsConnection) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
