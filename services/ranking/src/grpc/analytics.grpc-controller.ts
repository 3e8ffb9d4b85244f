import type { AnalyticsService } from '@shopsense/contracts';
import { FieldValidator } from '@shopsense/errors';
import type { ServiceImplementation } from '@shopsense/grpc';
import type { SearchAnalytics } from '../application/search-analytics';
import { isDay, type QueryFigures } from '../domain';

const MAX_LIMIT = 1_000;

const toStats = (f: QueryFigures) => ({ ...f, searches: BigInt(f.searches), zeroResultSearches: BigInt(f.zeroResultSearches), shownSearches: BigInt(f.shownSearches), clickedSearches: BigInt(f.clickedSearches), convertedSearches: BigInt(f.convertedSearches) });

/** gRPC transport of AnalyticsService: validation, then the report. */
export function analyticsGrpcImplementation(analytics: SearchAnalytics): ServiceImplementation<typeof AnalyticsService> {
  return {
    async getSearchAnalytics(request) {
      const v = new FieldValidator();
      const day = (text: string, field: string) => v.check(text === '' || isDay(text), field, `must be a day as YYYY-MM-DD (got "${text.slice(0, 32)}")`);
      day(request.fromDay, 'from_day');
      day(request.toDay, 'to_day');
      v.range(request.limit, 0, MAX_LIMIT, 'limit');
      v.throwIfInvalid();
      // The period's order and length are checked once the defaults are filled in (report).
      const report = await analytics.report(request.fromDay || undefined, request.toDay || undefined, request.limit || 20);
      return {
        fromDay: report.fromDay,
        toDay: report.toDay,
        totals: toStats(report.totals),
        topQueries: report.topQueries.map(toStats),
        noResultQueries: report.noResultQueries.map(toStats),
        noClickQueries: report.noClickQueries.map(toStats),
        byClickThrough: report.byClickThrough.map(toStats),
      };
    },
  };
}
