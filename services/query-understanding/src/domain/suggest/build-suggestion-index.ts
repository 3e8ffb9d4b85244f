import type { CatalogProduct } from '../catalog/catalog-snapshot';
import { normalizeQuery } from '../text/normalize-query';
import type { TextAnalyzer } from '../text/text-analyzer';
import { SuggestionIndex, type PinyinReader } from './suggestion-index';
import { PhraseCounter, type SuggestionPhrase } from './suggestion-phrases';

export interface SuggestionBuild {
  analyzer: TextAnalyzer;
  pinyin: PinyinReader;
  /** Longest title phrase suggested, in words. */
  maxWords?: number;
  /** Products a title phrase must appear in to be suggested. */
  minTitleProducts?: number;
}

/** A counter of a catalog's phrases that reads text exactly as queries are read. */
export function suggestionPhraseCounter(build: SuggestionBuild): PhraseCounter {
  const tokenize = (text: string) => {
    const normalized = normalizeQuery(text);
    return { normalized, tokens: build.analyzer.tokenize(normalized) };
  };
  return new PhraseCounter({ tokenize, maxWords: build.maxWords ?? 3, minTitleProducts: build.minTitleProducts ?? 2 });
}

/** The index of counted phrases, under every key they are typed by. */
export function suggestionIndexOf(phrases: readonly SuggestionPhrase[], build: SuggestionBuild): SuggestionIndex {
  return new SuggestionIndex(phrases, { pinyin: build.pinyin, wordStarts: (text) => build.analyzer.tokenize(text).map((t) => t.start) });
}

/** The suggestion index of a whole catalog at once. */
export function buildSuggestionIndex(products: Iterable<CatalogProduct>, build: SuggestionBuild): SuggestionIndex {
  const counter = suggestionPhraseCounter(build);
  for (const product of products) counter.add(product);
  return suggestionIndexOf(counter.phrases(), build);
}
