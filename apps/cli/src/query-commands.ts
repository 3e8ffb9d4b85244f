import { randomUUID } from 'node:crypto';
import { create, toJson, type JsonValue, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import {
  BehaviorEventSchema,
  CollectorService,
  Degradation,
  EventType,
  FiltersSchema,
  Language,
  RankingService,
  RecommendRequestSchema,
  RankResponseSchema,
  RecommendResponseSchema,
  SearchResponseSchema,
  SortOrder,
  type ExperimentAssignment,
  type Filters,
  type ParsedQuery,
  type RankedItem,
  type RecommendRequest,
  type FacetResult,
  type HitCount,
  type RelaxedFilter,
} from '@shopsense/contracts';
import { CliError, connect, explainCallError, type ConnectionOptions } from './connection';
import { fixed, table } from './table';

export interface Output {
  json: boolean;
  write(text: string): void;
}

export interface FilterOptions {
  category?: string | undefined;
  brand?: string[] | undefined;
  minPrice?: number | undefined;
  maxPrice?: number | undefined;
  inStock?: boolean | undefined;
}

export function filtersFrom(options: FilterOptions): Filters | undefined {
  const given = options.category || options.brand?.length || options.minPrice !== undefined || options.maxPrice !== undefined || options.inStock !== undefined;
  if (!given) return undefined;
  return create(FiltersSchema, {
    categoryPath: options.category ?? '',
    brands: options.brand ?? [],
    ...(options.minPrice !== undefined || options.maxPrice !== undefined ? { price: { ...(options.minPrice !== undefined ? { min: options.minPrice } : {}), ...(options.maxPrice !== undefined ? { max: options.maxPrice } : {}) } } : {}),
    ...(options.inStock !== undefined ? { inStock: options.inStock } : {}),
  });
}

function describeFilters(filters: Filters | undefined): string {
  if (!filters) return '';
  const parts: string[] = [];
  if (filters.categoryPath) parts.push(`category=${filters.categoryPath}`);
  if (filters.brands.length) parts.push(`brand=${filters.brands.join('|')}`);
  if (filters.price?.min !== undefined) parts.push(`price>=${filters.price.min}`);
  if (filters.price?.max !== undefined) parts.push(`price<=${filters.price.max}`);
  if (filters.inStock !== undefined) parts.push(`in_stock=${filters.inStock}`);
  for (const [k, v] of Object.entries(filters.attributes)) parts.push(`${k}=${v}`);
  return parts.join(', ');
}

function describeQuery(parsed: ParsedQuery | undefined): string[] {
  if (!parsed) return [];
  const lines = [`query: "${parsed.original}" (${Language[parsed.language]?.replace('LANGUAGE_', '').toLowerCase() ?? 'unknown'})`];
  if (parsed.correctedQuery) lines.push(`  corrected to: "${parsed.correctedQuery}"`);
  const filters = describeFilters(parsed.filters);
  if (filters) lines.push(`  understood filters: ${filters}`);
  if (parsed.categories.length) lines.push(`  categories: ${parsed.categories.map((c) => `${c.categoryPath} (${fixed(c.probability, 2)})`).join('; ')}`);
  if (parsed.residualText && parsed.residualText !== parsed.normalized) lines.push(`  searched text: "${parsed.residualText}"`);
  return lines;
}

/** Facet counts, one line per facet: "brand: Nike 12 · Anta 9". */
function describeFacets(facets: readonly FacetResult[], total: HitCount | undefined): string[] {
  if (facets.length === 0) return [];
  const header = total ? (total.lexical ? `${total.value} products match` : `no product holds every word; ${total.value} results by meaning`) : '';
  return ['', header, ...facets.map((f) => `  ${f.field}: ${f.values.map((v) => `${f.field === 'category_path' ? v.value : v.displayName} ${v.count}`).join(' · ') || 'none'}${f.distinctValues > f.values.length ? ` · … (${f.distinctValues} in all)` : ''}`)];
}

/** The query's filters Search gave up because no product passes them all. */
function describeRelaxed(relaxed: readonly RelaxedFilter[]): string[] {
  if (relaxed.length === 0) return [];
  return [`  no product has everything the query asked for; left out: ${relaxed.map((r) => `${r.field.replace('attributes.', '')} ${r.value}`).join(', ')}`];
}

function itemsTable(items: RankedItem[], explain: boolean): string {
  const rows = items.map((i) => [i.position + 1, i.itemId, i.product?.title ?? '', i.product?.brand ?? '', i.product ? `${i.product.price} ${i.product.currency}` : '', fixed(i.clickProbability), i.sources.join('+')]);
  const text = table(['#', 'item', 'title', 'brand', 'price', 'p(click)', 'sources'], rows);
  if (!explain) return text;
  const why = items.map((i) => {
    const top = [...i.contributions].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution)).slice(0, 4);
    return `  ${i.position + 1}. ${i.itemId}: ${i.reasons.join('; ') || 'no readable reason'}${top.length ? `\n     score ${fixed(i.score)} = ${top.map((c) => `${c.feature} ${c.contribution >= 0 ? '+' : ''}${fixed(c.contribution)}`).join(', ')}${i.contributions.length > top.length ? ', …' : ''}` : ''}`;
  });
  return `${text}\n\nwhy:\n${why.join('\n')}`;
}

function footer(response: { requestId: string; modelVersion: string; degraded: Degradation[]; experiments: { experiment: string; variant: string }[] }): string {
  const lines = [`request ${response.requestId} · model ${response.modelVersion || 'none (retrieval order)'}`];
  if (response.experiments.length) lines.push(`experiments: ${response.experiments.map((e) => `${e.experiment}=${e.variant}`).join(', ')}`);
  if (response.degraded.length) lines.push(`degraded: ${response.degraded.map((d) => Degradation[d]?.replace('DEGRADATION_', '').toLowerCase()).join(', ')}`);
  return lines.join('\n');
}

interface Served {
  requestId: string;
  items: RankedItem[];
  experiments: ExperimentAssignment[];
}

/**
 * `--impressions`: tracks the shown list as one IMPRESSION event of the user, as a storefront does
 * when it renders the list; experiments count exposures from these. Returns the line to print.
 */
async function trackImpression(user: string, served: Served, query: string, connection: ConnectionOptions): Promise<string> {
  if (served.items.length === 0) return 'no impression tracked: nothing was shown';
  const client = connect(CollectorService, connection);
  try {
    const event = create(BehaviorEventSchema, {
      eventId: randomUUID(),
      type: EventType.IMPRESSION,
      userId: user,
      requestId: served.requestId,
      itemIds: served.items.map((i) => i.itemId),
      position: served.items[0]!.position,
      query,
      channel: 'cli',
      experiments: served.experiments,
      occurredAt: timestampNow(),
    });
    const result = await client.track({ events: [event] }).catch((e: unknown) => Promise.reject(explainCallError(e, connection)));
    if (result.rejected.length > 0) throw new CliError(`the impression was rejected: ${result.rejected[0]!.reason}`);
    if (result.forgotten > 0) return `no impression tracked: ${user} has been forgotten, so their events are dropped`;
    return `impression of ${served.items.length} items tracked for ${user}`;
  } finally {
    client.close();
  }
}

export async function search(
  query: string,
  options: FilterOptions & { user?: string | undefined; limit: number; explain: boolean; page?: string | undefined; impressions?: boolean; facets?: string[]; sort?: SortOrder },
  connection: ConnectionOptions,
  out: Output,
): Promise<void> {
  const client = connect(RankingService, connection);
  try {
    const filters = filtersFrom(options);
    const facets = (options.facets ?? []).map((field) => ({ field }));
    const response = await client.search({ query, userId: options.user ?? '', pageSize: options.limit, explain: options.explain, pageToken: options.page ?? '', facets, sort: options.sort ?? SortOrder.UNSPECIFIED, ...(filters ? { filters } : {}) }).catch((e: unknown) => Promise.reject(explainCallError(e, connection)));
    const tracked = options.impressions && options.user ? await trackImpression(options.user, response, query, connection) : undefined;
    if (out.json) return out.write(JSON.stringify(toJson(SearchResponseSchema, response) as JsonValue));
    out.write(
      [...describeQuery(response.parsedQuery), ...describeRelaxed(response.relaxedFilters), '', response.items.length ? itemsTable(response.items, options.explain) : 'no results', ...describeFacets(response.facets, response.totalHits), '', footer(response), ...(response.nextPageToken ? [`more: --page ${response.nextPageToken}`] : []), ...(tracked ? [tracked] : [])].join('\n'),
    );
  } finally {
    client.close();
  }
}

/**
 * The Recommend request for the CLI's options. The context goes through `create` with the rest:
 * a plain `{ itemId }` assigned to the oneof afterwards is not an ItemContext message, and
 * serialising it failed ("cannot use field … ItemContext.item_id with message undefined").
 */
export function recommendRequest(options: { user?: string | undefined; item?: string | undefined; cart?: string[] | undefined; limit: number; explain: boolean; excludeSeen: boolean }, filters: Filters | undefined): RecommendRequest {
  const context: MessageInitShape<typeof RecommendRequestSchema>['context'] = options.item
    ? { case: 'item', value: { itemId: options.item } }
    : options.cart?.length
      ? { case: 'cart', value: { itemIds: options.cart } }
      : { case: 'home', value: {} };
  return create(RecommendRequestSchema, { userId: options.user ?? '', limit: options.limit, explain: options.explain, excludeSeen: options.excludeSeen, context, ...(filters ? { filters } : {}) });
}

export async function recommend(
  options: FilterOptions & { user?: string | undefined; item?: string | undefined; cart?: string[] | undefined; limit: number; explain: boolean; excludeSeen: boolean; impressions?: boolean },
  connection: ConnectionOptions,
  out: Output,
): Promise<void> {
  const client = connect(RankingService, connection);
  try {
    const filters = filtersFrom(options);
    const request = recommendRequest(options, filters);
    const response = await client.recommend(request).catch((e: unknown) => Promise.reject(explainCallError(e, connection)));
    const tracked = options.impressions && options.user ? await trackImpression(options.user, response, '', connection) : undefined;
    if (out.json) return out.write(JSON.stringify(toJson(RecommendResponseSchema, response) as JsonValue));
    out.write([response.items.length ? itemsTable(response.items, options.explain) : 'nothing to recommend yet (no history for this user and no popular items)', '', footer(response), ...(tracked ? [tracked] : [])].join('\n'));
  } finally {
    client.close();
  }
}

export async function rank(itemIds: string[], options: { user?: string | undefined; query?: string | undefined; explain: boolean }, connection: ConnectionOptions, out: Output): Promise<void> {
  const client = connect(RankingService, connection);
  try {
    const response = await client.rank({ itemIds, userId: options.user ?? '', explain: options.explain, ...(options.query ? { query: options.query } : {}) }).catch((e: unknown) => Promise.reject(explainCallError(e, connection)));
    if (out.json) return out.write(JSON.stringify(toJson(RankResponseSchema, response) as JsonValue));
    out.write([itemsTable(response.items, options.explain), '', footer(response)].join('\n'));
  } finally {
    client.close();
  }
}
