import { create } from '@bufbuild/protobuf';
import { FacetRequestSchema, SuggestionMatch, SuggestionSchema, SuggestionSource, type Suggestion } from '@shopsense/contracts';
import type { Logger } from '@shopsense/observability';
import { normalizeQuery } from '@shopsense/user-state';
import type { CandidateSource } from './ranking.ports';
import type { SearchAnalytics } from './search-analytics';

export interface PastQuerySettings {
  /** How far back clicks count. */
  days: number;
  /** Past queries kept for suggestions (the most clicked). */
  maxQueries: number;
  /** How often the list is rebuilt from analytics, and how long a product count holds. */
  refreshMs: number;
  /** Budget of each product-count check (one Retrieve). */
  checkBudgetMs: number;
}

/** Retrieval counts total hits only when a facet is asked for: the cheapest one. */
const COUNT_ONLY = create(FacetRequestSchema, { field: 'in_stock' });

/**
 * What Suggest answers: past queries that start with the prefix first (what shoppers typed and
 * clicked), then the catalog's suggestions in query understanding's order, then past queries
 * matched by an inner word; a text in both lists appears once, where it comes first, with both
 * sources and the catalog's product count.
 */
export function mergeSuggestions(past: readonly Suggestion[], catalog: readonly Suggestion[], limit: number): Suggestion[] {
  const byText = new Map<string, Suggestion>();
  const ordered = [...past.filter((s) => s.match === SuggestionMatch.PREFIX), ...catalog, ...past.filter((s) => s.match !== SuggestionMatch.PREFIX)];
  for (const suggestion of ordered) {
    const seen = byText.get(suggestion.text);
    if (!seen) byText.set(suggestion.text, create(SuggestionSchema, { ...suggestion, sources: [...suggestion.sources] }));
    else {
      for (const source of suggestion.sources) if (!seen.sources.includes(source)) seen.sources.push(source);
      if (!suggestion.sources.includes(SuggestionSource.PAST_QUERIES)) seen.productCount = suggestion.productCount;
    }
  }
  return [...byText.values()].slice(0, limit);
}

interface Checked {
  products: number;
  atMs: number;
}

/**
 * Suggestions from what shoppers searched for and clicked (SearchAnalytics.clickedQueries): the
 * storefront's own vocabulary, ranked by clicked searches. A past query is suggested only while
 * it finds products: each is checked with one Retrieve (its lexical total hits) when it first
 * qualifies and again once its count is older than refreshMs, and a query whose check found
 * nothing (or failed) is left out. Rebuilt in the background at most every refreshMs, when
 * Suggest asks, so an idle replica does nothing.
 */
export class PastQuerySuggestions {
  private entries: { query: string; clicked: number; products: number }[] = [];
  private readonly checked = new Map<string, Checked>();
  private builtAtMs = -Infinity;
  private building: Promise<void> | undefined;

  constructor(
    private readonly analytics: SearchAnalytics,
    private readonly retrieval: CandidateSource,
    private readonly settings: PastQuerySettings,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Past queries that start with the prefix, or with a word that does; most clicked first. */
  complete(prefix: string, limit: number): Suggestion[] {
    this.refreshIfStale();
    const wanted = normalizeQuery(prefix);
    if (wanted === '') return [];
    const out: Suggestion[] = [];
    for (const entry of this.entries) {
      const match = entry.query.startsWith(wanted) ? SuggestionMatch.PREFIX : entry.query.includes(` ${wanted}`) ? SuggestionMatch.INFIX : undefined;
      if (match === undefined) continue;
      out.push(create(SuggestionSchema, { text: entry.query, productCount: entry.products, sources: [SuggestionSource.PAST_QUERIES], match }));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Rebuilds now (tests, and the first call after refreshMs). */
  async rebuild(): Promise<void> {
    const now = this.clock();
    this.builtAtMs = now;
    const candidates = this.analytics.clickedQueries(this.settings.days, this.settings.maxQueries);
    const entries: typeof this.entries = [];
    for (const { query, clicked } of candidates) {
      let checked = this.checked.get(query);
      if (!checked || now - checked.atMs > this.settings.refreshMs) {
        checked = { products: await this.countProducts(query), atMs: now };
        this.checked.set(query, checked);
      }
      if (checked.products > 0) entries.push({ query, clicked, products: checked.products });
    }
    const kept = new Set(candidates.map((c) => c.query));
    for (const query of this.checked.keys()) if (!kept.has(query)) this.checked.delete(query);
    this.entries = entries;
  }

  private refreshIfStale(): void {
    if (this.building || this.clock() - this.builtAtMs < this.settings.refreshMs) return;
    this.building = this.rebuild()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not rebuild the past-query suggestions; the previous ones stay'))
      .finally(() => {
        this.building = undefined;
      });
  }

  /** Products holding every word of the query; 0 when none does or the check failed. */
  private async countProducts(query: string): Promise<number> {
    try {
      const found = await this.retrieval.retrieve({ queryText: query, seedItemIds: [], excludeItemIds: [], limit: 1, skipSources: ['dense'], facets: [COUNT_ONLY] }, { budgetMs: this.settings.checkBudgetMs });
      return found.totalHits?.lexical ? Number(found.totalHits.value) : 0;
    } catch (error) {
      this.logger.warn({ err: error, query }, 'could not count the products of a past query: not suggested until the next check');
      return 0;
    }
  }
}
