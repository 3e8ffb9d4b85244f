import { itemStats, smoothedRate, type Counts, type CtrPrior, DEFAULT_CTR_PRIOR } from './item-stats';
import type { RankingState, RecentItems } from './user-state-store.port';
import { decodeProfile, RecentKind, type UserProfile } from './user-profile';

/** The raw answer of a ranking read, as both adapters produce it; `rankingState` gives it meaning. */
export interface RawRankingRead {
  profile: Buffer | null;
  /** Item ids of the profile's recent entries (null: unknown reference). */
  recentItemIds: (string | null)[];
  itemIds: readonly string[];
  /** Per item: last hour, last 24 h, last 7 days counts. */
  windows: [Counts, Counts, Counts][];
  queryImpressions: (number | null)[] | null;
  queryClicks: (number | null)[] | null;
  cooccurrence: number[];
  /** Candidate sources, when the request asked for them. */
  neighbours?: { seedId: string; items: { itemId: string; score: number }[] }[];
  popular?: { itemId: string; score: number }[];
  /** Item ids of the profile's seen items, as stored (least recently touched first; null: unknown reference). */
  seenItemIds?: (string | null)[];
}

export function rankingState(raw: RawRankingRead, ctrPrior: CtrPrior = DEFAULT_CTR_PRIOR): RankingState {
  const profile: UserProfile | null = raw.profile ? decodeProfile(raw.profile) : null;
  const recent: RecentItems = { views: [], clicks: [], carts: [], purchases: [], session: [] };
  profile?.recent.forEach((entry, i) => {
    const id = raw.recentItemIds[i];
    if (!id) return;
    const list = entry.kind === RecentKind.View ? recent.views : entry.kind === RecentKind.Click ? recent.clicks : entry.kind === RecentKind.Cart ? recent.carts : recent.purchases;
    list.push(id);
    if (entry.inSession && !recent.session.includes(id)) recent.session.push(id);
  });
  const recentOrder = cooccurrenceSeeds(raw.recentItemIds, Number.POSITIVE_INFINITY);
  const state: RankingState = { profile, recent, items: {}, queryItems: {}, cooccurrence: {}, recentOrder };
  if (raw.neighbours) state.neighbours = raw.neighbours;
  if (raw.popular) state.popular = raw.popular;
  if (raw.seenItemIds) state.seen = raw.seenItemIds.filter((id): id is string => id !== null).reverse();
  raw.itemIds.forEach((itemId, i) => {
    const [lastHour, last24h, last7d] = raw.windows[i]!;
    state.items[itemId] = itemStats({ lastHour, last24h, last7d }, ctrPrior);
    if (raw.queryImpressions && raw.queryClicks) {
      const impressions = raw.queryImpressions[i] ?? 0;
      const clicks = raw.queryClicks[i] ?? 0;
      if (impressions > 0 || clicks > 0) state.queryItems[itemId] = { impressions, clicks, ctr: smoothedRate(clicks, impressions, ctrPrior) };
    }
    const co = raw.cooccurrence[i] ?? 0;
    if (co > 0) state.cooccurrence[itemId] = co;
  });
  return state;
}

/** The distinct item ids of a profile's recent entries, most recent first: the co-occurrence seeds. */
export function cooccurrenceSeeds(recentItemIds: readonly (string | null)[], limit: number): string[] {
  const seeds: string[] = [];
  for (const id of recentItemIds) {
    if (id && !seeds.includes(id)) seeds.push(id);
    if (seeds.length >= limit) break;
  }
  return seeds;
}
