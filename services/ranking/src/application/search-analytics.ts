import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { TrainingExample } from '@shopsense/contracts';
import type { SearchCount } from '@shopsense/user-state';
import { clickLabel, dayOf, daysBetween, SearchEngagement, searchReport, type Day, type SearchReport } from '../domain';

/** Where the per-day search counts are kept (the user-state store: Redis, or memory standalone). */
export interface SearchCountSource {
  readSearchCounts(days: readonly string[]): Promise<Map<string, SearchCount>>;
}

/**
 * AnalyticsService's figures: searches and zero-result searches from the store every replica
 * counts into, shown/clicked/converted searches from the training examples this process reads.
 */
export class SearchAnalytics {
  private readonly engagement = new SearchEngagement();

  constructor(
    private readonly counts: SearchCountSource,
    private readonly clock: () => number = Date.now,
  ) {}

  /** One training example from the topic (idempotent, see SearchEngagement). */
  record(example: TrainingExample): void {
    const servedAt = example.servedAt ?? example.labelledAt;
    if (!servedAt) return;
    this.engagement.record({
      requestId: example.requestId,
      query: example.query,
      surface: example.surface,
      servedAtMs: timestampMs(servedAt),
      // As experiments count a click: an add-to-cart or a purchase implies one.
      clicked: clickLabel(example),
      purchased: example.purchased,
    });
  }

  /** The period defaults to the last 7 days, today included. */
  async report(fromDay: Day | undefined, toDay: Day | undefined, limit: number): Promise<SearchReport & { fromDay: Day; toDay: Day }> {
    const to = toDay ?? dayOf(this.clock());
    const from = fromDay ?? dayOf(Date.parse(`${to}T00:00:00Z`) - 6 * 86_400_000);
    const days = daysBetween(from, to);
    const searches = await this.counts.readSearchCounts(days);
    return { fromDay: from, toDay: to, ...searchReport(searches, this.engagement.over(days), limit) };
  }
}
