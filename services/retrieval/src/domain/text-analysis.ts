import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict';
// snowball-stemmers ships no types; its English stemmer is Porter2.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const snowball = require('snowball-stemmers') as { newStemmer(language: string): { stem(word: string): string } };

const jieba = Jieba.withDict(dict);
const english = snowball.newStemmer('english');

const STOPWORDS = new Set(
  'a an and are as at be by for from has in is it of on or the to with without this that these those your you our we i'.split(' '),
);
const CJK_RUN = /[\p{Script=Han}]+/gu;

/**
 * Search tokens of a text, the same for documents and queries: NFKC (full-width to ASCII),
 * lower case; Chinese runs segmented with jieba; other runs split into words, English stop
 * words dropped, Porter2-stemmed ("running shoes" → run, shoe). Mixed text ("耐克 air max
 * 跑鞋") gets both treatments.
 */
export function analyze(text: string): string[] {
  const normalized = text.normalize('NFKC').toLowerCase();
  const tokens: string[] = [];
  let last = 0;
  for (const match of normalized.matchAll(CJK_RUN)) {
    pushLatin(normalized.slice(last, match.index), tokens);
    for (const word of jieba.cutForSearch(match[0], true)) if (word.trim()) tokens.push(word);
    last = match.index + match[0].length;
  }
  pushLatin(normalized.slice(last), tokens);
  return tokens;
}

function pushLatin(text: string, into: string[]): void {
  for (const word of text.split(/[^\p{L}\p{N}]+/u)) {
    if (!word || STOPWORDS.has(word)) continue;
    into.push(/^[a-z]+$/.test(word) ? english.stem(word) : word);
  }
}
