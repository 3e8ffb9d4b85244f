import { AppError, FieldValidator } from '@shopsense/errors';
import type { Logger } from '@shopsense/observability';
import type { CategoryPrediction } from '../domain/category/category-model';
import { NAMED_CATEGORY_CANDIDATES, weighNamedCategories } from '../domain/category/named-categories';
import type { ParsedQueryResult } from '../domain/query-parser';
import { LOCALE_TAG } from '../domain/text/language';
import type { CategoryPredictor } from './category-predictor';
import type { QueryDictionaryStore } from './query-dictionary-store';
import { ThrottledWarning } from './throttled-warning';

export interface UnderstandOptions {
  /** Longest query accepted, in characters (code points). */
  maxQueryChars: number;
  /** Budget of the optional category prediction (one Embed call). */
  categoryTimeoutMs: number;
  /** Time kept back from the caller's deadline to answer in: parsing, encoding, the way back. */
  deadlineReserveMs: number;
  /** Most categories returned. */
  categoryTopK: number;
}

/** What Understand knows of the call it serves. */
export interface UnderstandCall {
  signal?: AbortSignal;
  /** The caller's deadline: the parsed query must reach the caller before it. */
  deadline?: Date;
}

/**
 * How long the category model may take for a call: the configured budget, but never so long that
 * the answer (with its filters and brands, which need no model) would reach the caller after its
 * deadline. Zero or less: do not ask the model at all.
 */
export function categoryBudgetMs(options: Pick<UnderstandOptions, 'categoryTimeoutMs' | 'deadlineReserveMs'>, nowMs: number, deadline?: Date): number {
  if (!deadline) return options.categoryTimeoutMs;
  return Math.min(options.categoryTimeoutMs, deadline.getTime() - nowMs - options.deadlineReserveMs);
}

export interface UnderstandResult extends ParsedQueryResult {
  categories: CategoryPrediction[];
}

export const MAX_LOCALE_HINT_CHARS = 35;

/**
 * The Understand use case: check the limits, parse with the current dictionaries (pure, well
 * under a millisecond), then ask the optional category model. The category model is a
 * nice-to-have on the request path: when it is missing, slow or failing, the parsed query is
 * returned without categories, never an error, and the failure is logged (throttled) and
 * counted. It is asked only for what is left of the caller's deadline (less a reserve to answer
 * in), so a slow model costs the categories, never the filters and brands the rules found.
 *
 * An empty query (or one that normalises to nothing) is valid and gives an empty ParsedQuery:
 * a search box may send "" and the API says it may be empty; callers decide what an empty
 * search shows. Only a query over the length limit, or a malformed locale hint, is rejected.
 */
export class QueryUnderstandingApplicationService {
  private readonly categoryWarning: ThrottledWarning;

  constructor(
    private readonly store: QueryDictionaryStore,
    private readonly categories: CategoryPredictor | undefined,
    private readonly options: UnderstandOptions,
    logger: Logger,
    private readonly onDegraded: (reason: string) => void = () => undefined,
  ) {
    this.categoryWarning = new ThrottledWarning(logger, 'category prediction failed; answering without categories');
  }

  /** Validation and parsing only: what the ≤ 2 ms budget covers. */
  parse(query: string, localeHint: string): ParsedQueryResult {
    validate(query, localeHint, this.options.maxQueryChars);
    return this.store.parser.parse(query, localeHint);
  }

  async understand(query: string, localeHint: string, call: UnderstandCall = {}): Promise<UnderstandResult> {
    const parsed = this.parse(query, localeHint);
    if (!this.categories?.model || !namesProducts(parsed)) return { ...parsed, categories: [] };
    const timeoutMs = categoryBudgetMs(this.options, Date.now(), call.deadline);
    if (timeoutMs <= 0) {
      this.onDegraded('category_prediction_skipped');
      return { ...parsed, categories: [] };
    }
    try {
      const options = call.signal ? { timeoutMs, signal: call.signal } : { timeoutMs };
      // The query as typed, not a cleaned-up form: the ranker embeds exactly this text for
      // retrieval at the same moment, and the embedding service runs the model once for both
      // (in-flight sharing and its query cache). A cleaned-up text (prices, colours removed)
      // classified about as well (eval:qu top-1 91.2 % vs 90.2 % as typed, top-3 95.8 % vs
      // 96.3 %) and cost a second model run on every search.
      // The product word the query ends on weighs in (named-categories.ts): a brand or a
      // colour can pull the whole query's embedding towards another category.
      const predicted = await this.categories.predict(query, { ...options, topK: Math.max(this.options.categoryTopK, NAMED_CATEGORY_CANDIDATES) });
      return { ...parsed, categories: weighNamedCategories(predicted, parsed.namedCategories, this.options.categoryTopK) };
    } catch (error) {
      const reason = error instanceof AppError ? error.code : 'ERROR';
      this.categoryWarning.warn({ reason, error: error instanceof Error ? error.message : String(error) });
      this.onDegraded('category_prediction_failed');
      return { ...parsed, categories: [] };
    }
  }
}

/** Whether the query says anything about the kind of product: "under $50" and "cheap" do not. */
function namesProducts(parsed: ParsedQueryResult): boolean {
  return parsed.residualText !== '' || parsed.filters.brands.length > 0 || Object.keys(parsed.filters.attributes).length > 0;
}

function validate(query: string, localeHint: string, maxQueryChars: number): void {
  // Cheap first: UTF-16 length bounds the code-point count from above.
  const chars = query.length <= maxQueryChars ? query.length : [...query].length;
  new FieldValidator()
    .check(chars <= maxQueryChars, 'query', `must be at most ${maxQueryChars} characters (got ${chars})`)
    .check(localeHint.length <= MAX_LOCALE_HINT_CHARS, 'locale_hint', `must be at most ${MAX_LOCALE_HINT_CHARS} characters (got ${localeHint.length})`)
    .check(localeHint === '' || localeHint.length > MAX_LOCALE_HINT_CHARS || LOCALE_TAG.test(localeHint), 'locale_hint', 'must be a BCP 47 language tag such as "zh-CN" or "en-US", or empty')
    .throwIfInvalid();
}
