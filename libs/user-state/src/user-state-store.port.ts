import type { DedupRef } from './key-schema';
import type { ItemStats } from './item-stats';
import type { UserProfile } from './user-profile';

/**
 * The user/item state port (conventions §2): written by feedback, read by ranking (and the
 * co-occurrence neighbours by retrieval). Two adapters: Redis (cluster mode) and in memory
 * (standalone); one contract suite runs against both.
 *
 * The write side is shaped for exactly-once-in-effect ingestion of event batches:
 *   1. `prepare` reads what a batch needs (which events were seen, which users are forgotten,
 *      their profiles) and interns the batch's item ids;
 *   2. the writer computes the new state purely;
 *   3. `apply` writes it all atomically, but only if nothing it read has changed since (no
 *      dedup record appeared, no profile revision moved, no user was forgotten). Otherwise it
 *      writes nothing and says why, and the writer starts again from 1.
 * State and dedup records are written in the same atomic step, so a crash anywhere either
 * leaves the batch fully applied (redelivery finds it seen) or not at all.
 */
/** How often a query was searched, and how often it found nothing. */
export interface SearchCount {
  searches: number;
  zeroResults: number;
}

/** How long per-day search counts are kept (then Redis expires them). */
export const SEARCH_COUNT_RETENTION_DAYS = 400;

export interface UserStateStore {
  prepare(request: PrepareRequest): Promise<PrepareResult>;
  apply(plan: ApplyPlan): Promise<ApplyResult>;
  /**
   * Reads only: which events were applied already and which users are forgotten, for Track to
   * count them apart before publishing. Advisory (nothing is held), so the intake checks again.
   */
  peek(request: PeekRequest): Promise<PeekResult>;

  /** Deletes every profile and open join of the pseudonyms and marks them forgotten (idempotent). */
  forget(pseudonyms: readonly string[]): Promise<void>;
  /** Removes a forgotten mark: the operator's re-consent (no public API calls it). */
  unforget(pseudonyms: readonly string[]): Promise<void>;

  /** Joins whose window closed by `nowMs`, leased for `leaseMs` so that two sweepers do not both emit them. */
  claimDueJoins(nowMs: number, limit: number, leaseMs: number): Promise<ClaimedJoin[]>;
  /** Deletes the join state of emitted requests. */
  completeJoins(requestIds: readonly string[]): Promise<void>;

  /** Ranking: the features it logged for a served list, kept until the join window closes. */
  logServedList(requestId: string, servedList: Uint8Array, ttlSeconds: number): Promise<void>;

  /**
   * Ranking: counts one served search for search analytics, per UTC day ("2026-12-07") and
   * normalised query, and whether it found nothing. Kept SEARCH_COUNT_RETENTION_DAYS.
   */
  countSearch(day: string, query: string, found: boolean): Promise<void>;
  /** Ranking: the searches and the searches that found nothing, per query, summed over `days`. */
  readSearchCounts(days: readonly string[]): Promise<Map<string, SearchCount>>;

  /** Ranking: everything it needs about a user and candidate items, in one round trip. */
  readForRanking(request: RankingReadRequest): Promise<RankingState>;
  /** Retrieval: an item's strongest co-occurring items. */
  neighbours(itemId: string, limit: number): Promise<{ itemId: string; score: number }[]>;

  /**
   * Drops profiles whose latest event is older than `cutoffSeconds`, visiting up to `shards`
   * profile hashes from where the previous call stopped, and expired forget marks. Returns how
   * many profiles were dropped.
   */
  evictStaleProfiles(cutoffSeconds: number, shards: number): Promise<number>;

  close(): Promise<void>;
}

/** Retention and bounds, the writer's side of the configuration. Layout constants live in code. */
export interface StoreSettings {
  keyPrefix: string;
  profileShards: number;
  dedupShards: number;
  /** A dedup record lives until its event-time day ends plus this, and at least this long after it is written (must exceed the redelivery window). */
  dedupTtlSeconds: number;
  /** 0: a forgotten mark never expires. */
  forgottenTtlSeconds: number;
  /** TTL of an item's counters, refreshed whenever an hour's field opens (must exceed 7 days). */
  itemWindowsTtlSeconds: number;
  queryItemsMax: number;
  queryItemsTtlSeconds: number;
  cooccurrenceMax: number;
  cooccurrenceTtlSeconds: number;
  /** Items kept per day in the popularity sets (popularity.ts); each set expires a week after its day. */
  popularMax: number;
  /** TTL of a join's state: a safety net beyond the join window, for when no sweeper runs. */
  joinTtlSeconds: number;
}

export const DEFAULT_STORE_SETTINGS: StoreSettings = {
  keyPrefix: 'ss:',
  profileShards: 4096,
  dedupShards: 64,
  dedupTtlSeconds: 7 * 86400,
  forgottenTtlSeconds: 0,
  itemWindowsTtlSeconds: 8 * 86400,
  queryItemsMax: 100,
  queryItemsTtlSeconds: 30 * 86400,
  cooccurrenceMax: 50,
  cooccurrenceTtlSeconds: 90 * 86400,
  popularMax: 500,
  joinTtlSeconds: 2 * 3600,
};

export interface PrepareRequest {
  dedup: readonly DedupRef[];
  pseudonyms: readonly string[];
  /** Item ids that need a reference (they will enter a recent list); unknown ones get a new one. */
  internItems: readonly string[];
}

export interface PeekRequest {
  dedup: readonly DedupRef[];
  pseudonyms: readonly string[];
}

export interface PeekResult {
  /** Per dedup ref: an event with this id was applied already. */
  seen: boolean[];
  /** Per pseudonym: the user is forgotten. */
  forgotten: boolean[];
}

export interface PreparedUser {
  forgotten: boolean;
  /** The encoded profile as stored (see user-profile.ts), or null for a new user. */
  profile: Buffer | null;
  /** The item ids of the profile's recent entries, in order (null where a reference is unknown). */
  recentItemIds: (string | null)[];
}

export interface PrepareResult {
  /** Per dedup ref: an event with this id was applied already. */
  seen: boolean[];
  users: PreparedUser[];
  /** Per intern item: its reference. */
  refs: number[];
}

export interface ItemCounterDelta {
  itemId: string;
  /** Event-time hour (hours since the epoch). */
  hour: number;
  impressions: number;
  clicks: number;
  carts: number;
  purchases: number;
}

export interface UserWrite {
  pseudonym: string;
  /** Compare-and-set of the profile: `expectedRevision` null means "must not exist yet". Absent: the profile is not written. */
  profile?: { expectedRevision: number | null; next: Buffer };
}

export interface JoinImpression {
  requestId: string;
  pseudonym: string;
  keyId: string;
  /** When the join window closes (ms); the first impression of a request sets it. */
  dueAtMs: number;
  servedAt: number;
  /** PII-scrubbed normalised query ('' for recommendations). */
  query: string;
  channel: string;
  /** `experiment=variant` pairs joined by '\n'. */
  experiments: string;
  items: { itemId: string; position: number }[];
}

export type LabelKind = 'click' | 'cart' | 'purchase';

export interface JoinLabel {
  requestId: string;
  pseudonym: string;
  keyId: string;
  dueAtMs: number;
  itemId: string;
  kind: LabelKind;
}

/** One batch's state changes, applied atomically or not at all. */
export interface ApplyPlan {
  /** Dedup records of the batch's events: all must be absent; all are written. */
  dedup: DedupRef[];
  /** Every user of the batch: none may be forgotten; profiles are compare-and-set. */
  users: UserWrite[];
  itemCounters: ItemCounterDelta[];
  queryItems: { queryDigest: string; itemId: string; impressions: number; clicks: number }[];
  cooccurrence: { itemId: string; neighbourId: string; weight: number }[];
  joinImpressions: JoinImpression[];
  joinLabels: JoinLabel[];
}

export type ApplyConflict = 'duplicate' | 'forgotten' | 'profile-changed';
export type ApplyResult = { applied: true } | { applied: false; conflict: ApplyConflict };

export interface ClaimedJoin {
  requestId: string;
  /** The join hash as stored; decodeJoin (join-state.ts) reads it. */
  fields: Record<string, string>;
  /** What the ranker logged for the request, if anything. */
  served: Buffer | null;
}

export interface RankingReadRequest {
  pseudonym: string;
  itemIds: readonly string[];
  /** queryDigest(normalizeQuery(query)), for query-item CTRs. */
  queryDigest?: string;
  /** Reader's clock (unix seconds) for the windows; default now. */
  now?: number;
  /** Co-occurrence scores are summed over at most this many of the user's most recent items (default 10). */
  cooccurrenceSeeds?: number;
  /**
   * Candidate sources read in the same round trip (Recommend): the top `neighboursPerSeed`
   * co-occurring items of each of the user's `seeds` most recent distinct items, and the
   * `popular` most popular items of the last days. `seedItemIds` replaces the recent items as the
   * seeds (the anchors of an item or cart page). Absent: neither is read.
   */
  candidates?: { seeds: number; neighboursPerSeed: number; popular: number; seedItemIds?: readonly string[] };
  /** Also resolve the profile's seen items (Recommend with exclude_seen). */
  seen?: boolean;
}

export interface RecentItems {
  views: string[];
  clicks: string[];
  carts: string[];
  purchases: string[];
  /** Items of the current session, most recent first. */
  session: string[];
}

export interface RankingState {
  /** The decoded profile (vectors dequantized), or null for an unknown user. */
  profile: UserProfile | null;
  recent: RecentItems;
  items: Record<string, ItemStats>;
  /** Per item, for the request's query. Empty without a query. */
  queryItems: Record<string, { impressions: number; clicks: number; ctr: number }>;
  /** Per item: Σ over the user's recent items r of co-occurrence(r → item). */
  cooccurrence: Record<string, number>;
  /** The user's recent items of every kind, distinct, most recent first. */
  recentOrder?: string[];
  /** With `candidates`: each seed (most recent first) and its strongest co-occurring items, best first. */
  neighbours?: { seedId: string; items: { itemId: string; score: number }[] }[];
  /** With `candidates`: the most popular items of the last days (popularity.ts), best first. */
  popular?: { itemId: string; score: number }[];
  /** With `seen`: every item the user engaged with (bounded, see FEEDBACK_SEEN_ITEMS_MAX), most recently touched first. */
  seen?: string[];
}
