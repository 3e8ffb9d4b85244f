import { RecentMap } from './recent-map';

/**
 * Search analytics (AnalyticsService): per query, how often it was searched and found nothing
 * (counted when served), and how often its results were shown, clicked and bought (from the
 * training examples feedback joins). Pure: the counts come in, the lists go out.
 */

/** A UTC day, "2026-12-07". */
export type Day = string;

export const MAX_ANALYTICS_DAYS = 400;

/** Searches on this channel are the system's own (standalone's warm-up): analytics do not count them. */
export const WARM_UP_CHANNEL = 'shopsense-warm-up';

export const dayOf = (ms: number): Day => new Date(ms).toISOString().slice(0, 10);

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether the text is a real calendar day in the form YYYY-MM-DD. */
export function isDay(text: string): boolean {
  const m = DAY.exec(text);
  return m !== null && dayOf(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) === text;
}

/** Every day from `from` to `to`, both included (empty when `to` is before `from`). */
export function daysBetween(from: Day, to: Day): Day[] {
  const days: Day[] = [];
  for (let ms = Date.parse(`${from}T00:00:00Z`); dayOf(ms) <= to && days.length <= MAX_ANALYTICS_DAYS; ms += 86_400_000) days.push(dayOf(ms));
  return days;
}

export interface Engagement {
  shown: number;
  clicked: number;
  converted: number;
}

/** One training example as engagement sees it (one per item shown). */
export interface ShownItem {
  requestId: string;
  /** Pseudonymous user id ('' when unknown). */
  user: string;
  /** Normalised; '' for lists that were not searches. */
  query: string;
  surface: string;
  servedAtMs: number;
  clicked: boolean;
  purchased: boolean;
}

/**
 * Shown, clicked and converted searches per day and query. A search is one request: its first
 * example counts it as shown, the first clicked (bought) item as clicked (converted), so a
 * redelivered example or a second item changes nothing (idempotent while the request is among
 * the last `recentRequests`).
 */
export class SearchEngagement {
  private readonly days = new Map<Day, Map<string, Engagement>>();
  private readonly requests: RecentMap<{ clicked: boolean; purchased: boolean }>;
  /** Per day and query, up to `distinctClickers` different users who clicked one of its results. */
  private readonly clickers = new Map<Day, Map<string, Set<string>>>();

  constructor(
    private readonly distinctClickers = 10,
    recentRequests = 200_000,
  ) {
    this.requests = new RecentMap(recentRequests);
  }

  /** Different users who clicked a result of the query over the days, counted up to the constructor's cap. */
  clickersOf(query: string, days: readonly Day[]): number {
    const users = new Set<string>();
    for (const day of days) {
      for (const user of this.clickers.get(day)?.get(query) ?? []) {
        users.add(user);
        if (users.size >= this.distinctClickers) return users.size;
      }
    }
    return users.size;
  }

  record(item: ShownItem): void {
    if (item.surface !== 'search' || item.query === '') return;
    const before = this.requests.get(item.requestId);
    const now = { clicked: (before?.clicked ?? false) || item.clicked, purchased: (before?.purchased ?? false) || item.purchased };
    this.requests.set(item.requestId, now);
    const day = dayOf(item.servedAtMs);
    let queries = this.days.get(day);
    if (!queries) {
      queries = new Map<string, Engagement>();
      this.days.set(day, queries);
      this.dropDaysBefore(dayOf(item.servedAtMs - MAX_ANALYTICS_DAYS * 86_400_000));
    }
    const counts = queries.get(item.query) ?? { shown: 0, clicked: 0, converted: 0 };
    queries.set(item.query, counts);
    if (!before) counts.shown++;
    if (now.clicked && !before?.clicked) counts.clicked++;
    if (now.purchased && !before?.purchased) counts.converted++;
    if (item.clicked && item.user !== '') {
      const byQuery = this.clickers.get(day) ?? new Map<string, Set<string>>();
      this.clickers.set(day, byQuery);
      const users = byQuery.get(item.query) ?? new Set<string>();
      byQuery.set(item.query, users);
      if (users.size < this.distinctClickers) users.add(item.user);
    }
  }

  /** Per query, summed over the days. */
  over(days: readonly Day[]): Map<string, Engagement> {
    const out = new Map<string, Engagement>();
    for (const day of days) {
      for (const [query, c] of this.days.get(day) ?? []) {
        const sum = out.get(query) ?? { shown: 0, clicked: 0, converted: 0 };
        sum.shown += c.shown;
        sum.clicked += c.clicked;
        sum.converted += c.converted;
        out.set(query, sum);
      }
    }
    return out;
  }

  private dropDaysBefore(oldest: Day): void {
    for (const day of this.days.keys()) if (day < oldest) this.days.delete(day);
    for (const day of this.clickers.keys()) if (day < oldest) this.clickers.delete(day);
  }
}

export interface QueryFigures {
  query: string;
  searches: number;
  zeroResultSearches: number;
  shownSearches: number;
  clickedSearches: number;
  convertedSearches: number;
  clickThroughRate: number;
  conversionRate: number;
}

export interface SearchReport {
  totals: QueryFigures;
  topQueries: QueryFigures[];
  noResultQueries: QueryFigures[];
  noClickQueries: QueryFigures[];
  byClickThrough: QueryFigures[];
}

function figures(query: string, searches: number, zeroResultSearches: number, e: Engagement): QueryFigures {
  const rate = (n: number) => (e.shown > 0 ? n / e.shown : 0);
  return { query, searches, zeroResultSearches, shownSearches: e.shown, clickedSearches: e.clicked, convertedSearches: e.converted, clickThroughRate: rate(e.clicked), conversionRate: rate(e.converted) };
}

const byQuery = (a: QueryFigures, b: QueryFigures) => (a.query < b.query ? -1 : a.query > b.query ? 1 : 0);

/** The lists of AnalyticsService from the period's counts, `limit` queries each. */
export function searchReport(searches: ReadonlyMap<string, { searches: number; zeroResults: number }>, engagement: ReadonlyMap<string, Engagement>, limit: number): SearchReport {
  const none: Engagement = { shown: 0, clicked: 0, converted: 0 };
  const queries = new Set([...searches.keys(), ...engagement.keys()]);
  const rows = [...queries].map((q) => figures(q, searches.get(q)?.searches ?? 0, searches.get(q)?.zeroResults ?? 0, engagement.get(q) ?? none));
  const total = rows.reduce((t, r) => ({ shown: t.shown + r.shownSearches, clicked: t.clicked + r.clickedSearches, converted: t.converted + r.convertedSearches }), none);
  const totals = figures(
    '',
    rows.reduce((n, r) => n + r.searches, 0),
    rows.reduce((n, r) => n + r.zeroResultSearches, 0),
    total,
  );
  const top = (filter: (r: QueryFigures) => boolean, order: (a: QueryFigures, b: QueryFigures) => number) => rows.filter(filter).sort((a, b) => order(a, b) || byQuery(a, b)).slice(0, limit);
  return {
    totals,
    topQueries: top((r) => r.searches > 0, (a, b) => b.searches - a.searches),
    noResultQueries: top((r) => r.zeroResultSearches > 0, (a, b) => b.zeroResultSearches - a.zeroResultSearches),
    noClickQueries: top((r) => r.shownSearches > 0 && r.clickedSearches === 0, (a, b) => b.shownSearches - a.shownSearches),
    byClickThrough: top((r) => r.shownSearches > 0, (a, b) => b.clickThroughRate - a.clickThroughRate || b.shownSearches - a.shownSearches),
  };
}
