import { normalizeQuery } from '../text/normalize-query';
import type { TextAnalyzer } from '../text/text-analyzer';
import { SuggestionIndex, type PinyinReader } from './suggestion-index';
import { PhraseCounter, type SuggestionPhrase } from './suggestion-phrases';

export interface SuggestionBuild {
  analyzer: TextAnalyzer;
  pinyin: PinyinReader;
}

/** Longest title phrase suggested, in words. */
const MAX_WORDS = 3;
/** Products a title phrase must appear in to be suggested. */
const MIN_TITLE_PRODUCTS = 2;

/** A counter of a catalog's phrases that reads text exactly as queries are read. */
export function suggestionPhraseCounter(build: SuggestionBuild): PhraseCounter {
  const tokenize = (text: string) => {
    const normalized = normalizeQuery(text);
    return { normalized, tokens: build.analyzer.tokenize(normalized) };
  };
  return new PhraseCounter({ tokenize, maxWords: MAX_WORDS, minTitleProducts: MIN_TITLE_PRODUCTS });
}

/** The index of counted phrases, under every key they are typed by. */
export function suggestionIndexOf(phrases: readonly SuggestionPhrase[], build: SuggestionBuild): SuggestionIndex {
  return new SuggestionIndex(phrases, { pinyin: build.pinyin, wordStarts: (text) => build.analyzer.tokenize(text).map((t) => t.start) });
}
