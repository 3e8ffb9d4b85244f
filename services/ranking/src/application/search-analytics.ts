import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { TrainingExample } from '@shopsense/contracts';
import type { SearchCount } from '@shopsense/user-state';
import { FieldValidator } from '@shopsense/errors';
import { clickLabel, dayOf, daysBetween, MAX_ANALYTICS_DAYS, SearchEngagement, searchReport, type Day, type SearchReport } from '../domain';

/** Where the per-day search counts are kept (the user-state store: Redis, or memory standalone). */
export interface SearchCountSource {
  readSearchCounts(days: readonly string[]): Promise<Map<string, SearchCount>>;
}

/**
 * AnalyticsService's figures: searches and zero-result searches from the store every replica
 * counts into, shown/clicked/converted searches from the training examples this process reads.
 */
export class SearchAnalytics {
  private readonly engagement: SearchEngagement;

  /** `minClickers`: different users a query needs before it may be suggested to others. */
  constructor(
    private readonly counts: SearchCountSource,
    private readonly minClickers = 3,
    private readonly clock: () => number = Date.now,
  ) {
    this.engagement = new SearchEngagement(minClickers);
  }

  /**
   * Queries of the last `days` days that led to clicks from at least `minClickers` different
   * users (so no one shopper's query is shown to others), most clicked searches first.
   */
  clickedQueries(days: number, max: number): { query: string; clicked: number }[] {
    const today = this.clock();
    const period = daysBetween(dayOf(today - (days - 1) * 86_400_000), dayOf(today));
    return [...this.engagement.over(period)]
      .filter(([query, e]) => e.clicked > 0 && this.engagement.clickersOf(query, period) >= this.minClickers)
      .map(([query, e]) => ({ query, clicked: e.clicked }))
      .sort((a, b) => b.clicked - a.clicked || (a.query < b.query ? -1 : 1))
      .slice(0, max);
  }

  /** One training example from the topic (idempotent, see SearchEngagement). */
  record(example: TrainingExample): void {
    const servedAt = example.servedAt ?? example.labelledAt;
    if (!servedAt) return;
    this.engagement.record({
      requestId: example.requestId,
      user: example.pseudonymousUserId,
      query: example.query,
      surface: example.surface,
      servedAtMs: timestampMs(servedAt),
      // As experiments count a click: an add-to-cart or a purchase implies one.
      clicked: clickLabel(example),
      purchased: example.purchased,
    });
  }

  /**
   * The period defaults to the last 7 days, today included; INVALID_ARGUMENT when, with the
   * defaults filled in, it ends before it starts or spans more than MAX_ANALYTICS_DAYS.
   */
  async report(fromDay: Day | undefined, toDay: Day | undefined, limit: number): Promise<SearchReport & { fromDay: Day; toDay: Day }> {
    const to = toDay ?? dayOf(this.clock());
    const from = fromDay ?? dayOf(Date.parse(`${to}T00:00:00Z`) - 6 * 86_400_000);
    const v = new FieldValidator();
    v.check(from <= to, fromDay ? 'from_day' : 'to_day', `the period ${from} to ${to} ends before it starts`);
    v.check(Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`) < MAX_ANALYTICS_DAYS * 86_400_000, 'from_day', `the period ${from} to ${to} is longer than ${MAX_ANALYTICS_DAYS} days`);
    v.throwIfInvalid();
    const days = daysBetween(from, to);
    const searches = await this.counts.readSearchCounts(days);
    return { fromDay: from, toDay: to, ...searchReport(searches, this.engagement.over(days), limit) };
  }
}
