import type { Logger } from '@shopsense/observability';
import type { CatalogProduct } from '../domain/catalog/catalog-snapshot';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { suggestionIndexOf, suggestionPhraseCounter } from '../domain/suggest/build-suggestion-index';
import { SuggestionIndex, type PinyinReader, type Suggestion } from '../domain/suggest/suggestion-index';
import { normalizeQuery } from '../domain/text/normalize-query';
import type { TextAnalyzer } from '../domain/text/text-analyzer';

/** Suggestions per call when the caller does not say. */
export const DEFAULT_SUGGESTIONS = 10;
/** Products counted per turn of the event loop during a rebuild (about 30 ms of work), so calls keep being answered. */
const PRODUCTS_PER_TURN = 500;

/**
 * Completions as the shopper types, from the catalog's own vocabulary. The index is rebuilt
 * from the whole catalog after each dictionary rebuild (the same debounced schedule), a slice of
 * products per turn of the event loop, and replaces the previous one in a single assignment: a
 * call always reads one consistent index, calls are answered during a rebuild, and a deleted
 * product's phrases disappear with the next rebuild. A rebuild started while another runs
 * supersedes it.
 */
export class QuerySuggestions {
  private index = new SuggestionIndex([], { pinyin: { syllables: () => [] }, wordStarts: () => [] });
  private builtFromProducts = 0;
  private generation = 0;

  constructor(
    private readonly analyzer: TextAnalyzer,
    private readonly pinyin: PinyinReader,
    private readonly logger: Logger,
  ) {}

  /** Phrases the current index suggests from. */
  get phrases(): number {
    return this.index.size;
  }

  /** Products the current index was built from. */
  get products(): number {
    return this.builtFromProducts;
  }

  /**
   * Resolves true once the new index serves, false when a later rebuild (or close) superseded
   * this one or it failed (logged; the previous index keeps serving). Never rejects: it runs in
   * the background of a catalog change.
   */
  async rebuild(products: readonly CatalogProduct[]): Promise<boolean> {
    const generation = ++this.generation;
    const started = performance.now();
    try {
      const build = { analyzer: this.analyzer, pinyin: this.pinyin };
      const counter = suggestionPhraseCounter(build);
      for (let i = 0; i < products.length; i++) {
        counter.add(products[i]);
        if ((i + 1) % PRODUCTS_PER_TURN === 0) {
          await nextTurn();
          if (generation !== this.generation) return false;
        }
      }
      this.index = suggestionIndexOf(counter.phrases(), build);
      this.builtFromProducts = products.length;
      this.logger.info({ products: products.length, phrases: this.index.size, ms: Math.round(performance.now() - started) }, 'suggestion index rebuilt');
      return true;
    } catch (error) {
      this.logger.error({ err: error }, 'suggestion index rebuild failed; the previous index keeps serving');
      return false;
    }
  }

  /** Stops a rebuild in progress (at its next turn of the event loop). */
  close(): void {
    this.generation++;
  }

  /** Up to `limit` completions of what was typed, best first; none for a prefix with nothing to search. */
  suggest(prefix: string, limit = DEFAULT_SUGGESTIONS): Suggestion[] {
    return this.index.complete(normalizeQuery(prefix), limit);
  }
}
