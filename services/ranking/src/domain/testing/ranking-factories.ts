import type { CandidateInput, ItemWindowStats, RankingContext, WindowCounts } from '../features';
import type { LabelledExample } from '../training';

/** Test data builders for the ranking domain: sensible defaults, override what a test is about. */

export const NOW_MS = Date.UTC(2024, 4, 1, 12, 0, 0);
export const DAY_MS = 86_400_000;

export function aContext(overrides: Partial<RankingContext> = {}): RankingContext {
  return { queryText: '', boosts: [], channel: 'web', recentItemIds: [], nowMs: NOW_MS, ...overrides };
}

export function aCandidate(overrides: Partial<CandidateInput> = {}): CandidateInput {
  return { itemId: 'item-1', sources: [], ...overrides };
}

export function counts(overrides: Partial<WindowCounts> = {}): WindowCounts {
  return { impressions: 0, clicks: 0, carts: 0, purchases: 0, ...overrides };
}

export function windows(overrides: Partial<ItemWindowStats> = {}): ItemWindowStats {
  return { lastHour: counts(), last24h: counts(), last7d: counts(), ...overrides };
}

export function anExample(overrides: Partial<LabelledExample> = {}): LabelledExample {
  return { requestId: 'req-1', position: 0, features: {}, clicked: false, ...overrides };
}

/** A served list: one example per relevance label, in served order, with the given features per item. */
export function aServedList(requestId: string, items: { clicked?: boolean; purchased?: boolean; features?: Record<string, number> }[]): LabelledExample[] {
  return items.map((item, position) => anExample({ requestId, position, clicked: item.clicked ?? false, purchased: item.purchased ?? false, features: item.features ?? {} }));
}
