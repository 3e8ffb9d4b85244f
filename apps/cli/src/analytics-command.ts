import { toJson } from '@bufbuild/protobuf';
import { AnalyticsService, GetSearchAnalyticsResponseSchema, type QueryStats } from '@shopsense/contracts';
import { connect, explainCallError, type ConnectionOptions } from './connection';
import type { Output } from './query-commands';
import { table } from './table';

const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;
const row = (s: QueryStats) => [s.query, String(s.searches), String(s.zeroResultSearches), String(s.shownSearches), percent(s.clickThroughRate), percent(s.conversionRate)];
const HEADER = ['query', 'searches', 'no results', 'shown', 'click-through', 'conversion'];

/** `shopsense analytics`: what shoppers searched for over a period, and what the results did. */
export async function analytics(options: { from?: string; to?: string; limit: number }, connection: ConnectionOptions, out: Output): Promise<void> {
  const client = connect(AnalyticsService, connection);
  try {
    const report = await client.getSearchAnalytics({ fromDay: options.from ?? '', toDay: options.to ?? '', limit: options.limit }).catch((e: unknown) => Promise.reject(explainCallError(e, connection)));
    if (out.json) return out.write(JSON.stringify(toJson(GetSearchAnalyticsResponseSchema, report)));
    const t = report.totals!;
    const section = (title: string, rows: readonly QueryStats[], empty: string) => [`${title}:`, rows.length ? table(HEADER, rows.map(row)) : `  ${empty}`, ''];
    out.write(
      [
        `searches from ${report.fromDay} to ${report.toDay} (UTC): ${t.searches} searches, ${t.zeroResultSearches} found nothing; ${t.shownSearches} shown, click-through ${percent(t.clickThroughRate)}, conversion ${percent(t.conversionRate)}`,
        '',
        ...section('top queries', report.topQueries, 'no searches in this period'),
        ...section('queries with no results', report.noResultQueries, 'every search found something'),
        ...section('queries shown but never clicked', report.noClickQueries, 'none'),
        ...section('by click-through', report.byClickThrough, 'no shown searches yet (the storefront reports them with IMPRESSION events carrying the request_id)'),
      ]
        .join('\n')
        .trimEnd(),
    );
  } finally {
    client.close();
  }
}
