import type { SpellingVocabulary } from '../spelling/spelling-corrector';
import type { PhraseIndex } from './phrase-index';

/** What a dictionary phrase means when it appears in a query. */
export type Meaning =
  /**
   * A brand name. `brands` lists every catalog spelling it stands for ("Nike" and "耐克" when
   * the catalog uses both). Not `specific` when the word is also an ordinary word in other
   * products' titles ("apple"): then it is a boost, not a filter.
   */
  | { kind: 'brand'; brands: readonly string[]; specific: boolean }
  /** An attribute value as the catalog spells it; `needsCue` for bare sizes ("42" only after "size" or before "码"). */
  | { kind: 'attribute'; key: string; value: string; needsCue: boolean }
  | { kind: 'size-cue'; position: 'before' | 'after' }
  | { kind: 'boost'; field: string; value: string; weight: number }
  | { kind: 'in-stock' };

export interface DictionaryStats {
  products: number;
  brands: number;
  attributeKeys: number;
  attributeValues: number;
  categories: number;
  synonymPhrases: number;
  minedAliases: number;
  /** Chinese words given English translations the catalog uses (translations.ts). */
  translations: number;
  vocabulary: number;
}

/** Everything query parsing needs from the catalog, built at once and swapped atomically. */
export interface QueryDictionaries {
  /** Increases with every rebuild; logged, and part of the parse cache key if one is ever added. */
  version: number;
  phrases: PhraseIndex<Meaning>;
  /** Phrase keys → phrases to expand them with (synonyms: configured, built-in and mined). */
  synonyms: PhraseIndex<readonly string[]>;
  spelling: SpellingVocabulary;
  /**
   * Words that name a kind of product ("running shoes", "跑鞋", "耳机") → the category paths
   * they point to: category names, their synonyms, and words mined as (nearly) exclusive to
   * one category.
   */
  categoryWords: PhraseIndex<string>;
  /**
   * The names alone (category segments and their synonyms, not mined words): a filter word
   * inside one ("green" in "green tea") is part of the product's name.
   */
  categoryNames: PhraseIndex<string>;
  /**
   * The category paths in which each filter can be satisfied, keyed by filterScopeKey(). A filter
   * that no category named in the query can satisfy ("wireless headphones" when only mice are
   * "wireless") would return nothing, so it becomes a boost.
   */
  filterScopes: ReadonlyMap<string, ReadonlySet<string>>;
  stats: DictionaryStats;
  /** Mined cross-language aliases, "label ⇄ alias", for logs and inspection. */
  minedAliases: readonly string[];
}

export function filterScopeKey(filter: { kind: 'brand'; brand: string } | { kind: 'attribute'; key: string; value: string }): string {
  return filter.kind === 'brand' ? `brand:${filter.brand.toLowerCase()}` : `attribute:${filter.key}=${filter.value.toLowerCase()}`;
}
