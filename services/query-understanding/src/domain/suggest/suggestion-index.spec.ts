import { seededRandom } from '@shopsense/random';
import { allowedEdits, SuggestionIndex, type PinyinReader } from './suggestion-index';
import type { SuggestionPhrase } from './suggestion-phrases';

const phrase = (text: string, score: number, products = 1): SuggestionPhrase => ({ text, products, sources: ['title'], score });
/** Words start after each space (Latin phrases in these tests). */
const wordStarts = (text: string) => [0, ...[...text.matchAll(/ /g)].map((m) => m.index + 1)];
const PINYIN: Record<string, string[]> = { 连衣裙: ['lian', 'yi', 'qun'], 连衣裙黑色: ['lian', 'yi', 'qun', 'hei', 'se'], 跑鞋: ['pao', 'xie'] };
const pinyin: PinyinReader = { syllables: (text) => PINYIN[text] ?? [] };
const indexOf = (phrases: SuggestionPhrase[]) => new SuggestionIndex(phrases, { pinyin, wordStarts });
const texts = (index: SuggestionIndex, prefix: string, limit = 10) => index.complete(prefix, limit).map((s) => s.text);

describe('SuggestionIndex', () => {
  it('completes a prefix with the phrases that start with it, best score first, each once', () => {
    const index = indexOf([phrase('running shoes', 4), phrase('running', 2), phrase('rice cooker', 3), phrase('road running shoes', 1), phrase('red', 5)]);
    expect(texts(index, 'r')).toEqual(['red', 'running shoes', 'rice cooker', 'running', 'road running shoes']);
    expect(texts(index, 'run')).toEqual(['running shoes', 'running', 'road running shoes']);
    expect(index.complete('run', 10).map((s) => s.match)).toEqual(['prefix', 'prefix', 'infix']);
    expect(texts(index, 'r', 2)).toEqual(['red', 'running shoes']);
  });

  it('finds a phrase by a word inside it, below a phrase of the same score that starts with the prefix', () => {
    const index = indexOf([phrase('leather shoes', 3), phrase('shoes rack', 3)]);
    expect(index.complete('shoe', 10).map((s) => [s.text, s.match])).toEqual([
      ['shoes rack', 'prefix'],
      ['leather shoes', 'infix'],
    ]);
  });

  it('finds Chinese phrases by characters, by pinyin typed with or without spaces, and by pinyin initials', () => {
    const index = indexOf([phrase('连衣裙', 3), phrase('连衣裙黑色', 1), phrase('跑鞋', 2), phrase('lianyi brand', 0.5)]);
    expect(texts(index, '连衣')).toEqual(['连衣裙', '连衣裙黑色']);
    expect(index.complete('lianyiq', 10).map((s) => [s.text, s.match])).toEqual([
      ['连衣裙', 'pinyin'],
      ['连衣裙黑色', 'pinyin'],
      ['lianyi brand', 'corrected'], // "lianyi" is one edit from "lianyiq"
    ]);
    expect(texts(index, 'lian yi q').slice(0, 2)).toEqual(['连衣裙', '连衣裙黑色']);
    expect(index.complete('lyq', 10).map((s) => [s.text, s.match])).toEqual([
      ['连衣裙', 'initials'],
      ['连衣裙黑色', 'initials'],
    ]);
    expect(texts(index, 'px')).toEqual(['跑鞋']);
  });

  it('corrects typos after the first character, as many as the prefix length allows, each edit costing score', () => {
    const index = indexOf([phrase('headphones', 3), phrase('heater', 1), phrase('mouse', 3)]);
    expect(index.complete('hedphones', 10).map((s) => [s.text, s.match, s.edits])).toEqual([['headphones', 'corrected', 1]]);
    expect(index.complete('haedphones', 10)[0]).toMatchObject({ text: 'headphones', edits: 1 }); // a transposition is one edit
    expect(texts(index, 'hdaephones')).toEqual(['headphones']); // two edits in ten characters
    expect(texts(index, 'eadphones')).toEqual([]); // the first character is taken as written
    expect(texts(index, 'moues')).toEqual(['mouse']);
    expect(texts(index, 'mos')).toEqual([]); // three characters: no edit allowed
    // An exact completion outranks a corrected one of higher popularity.
    expect(texts(indexOf([phrase('heat gun', 1), phrase('head lamp', 4)]), 'heat')).toEqual(['heat gun', 'head lamp']);
  });

  it('allows no edit below 4 characters, one below 8, two from 8', () => {
    expect([1, 3, 4, 7, 8, 20].map(allowedEdits)).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('answers nothing for an empty prefix, a zero limit or an empty index', () => {
    const index = indexOf([phrase('red', 1)]);
    expect(index.complete('', 10)).toEqual([]);
    expect(index.complete('r', 0)).toEqual([]);
    expect(indexOf([]).complete('r', 10)).toEqual([]);
  });

  it('returns the same top k as a brute-force scan of every key, for random phrases and prefixes', () => {
    const random = seededRandom(7);
    const letters = 'abcde';
    const word = () => Array.from({ length: 2 + random.int(4) }, () => letters[random.int(letters.length)]).join('');
    const byText = new Map<string, SuggestionPhrase>();
    while (byText.size < 300) {
      const text = Array.from({ length: 1 + random.int(3) }, word).join(' ');
      byText.set(text, phrase(text, random.next() * 5));
    }
    const phrases = [...byText.values()];
    const index = indexOf(phrases);
    for (let trial = 0; trial < 200; trial++) {
      // Up to three characters: no typo allowed, so the brute force is exact and infix matching.
      const prefix = Array.from({ length: 1 + random.int(3) }, () => letters[random.int(letters.length)]).join('');
      const expected = phrases
        .map((p) => ({ p, value: p.text.startsWith(prefix) ? p.score : wordStarts(p.text).some((s) => s > 0 && p.text.slice(s).startsWith(prefix)) ? p.score - 1 : undefined }))
        .filter((c): c is { p: SuggestionPhrase; value: number } => c.value !== undefined)
        .sort((a, b) => b.value - a.value)
        .slice(0, 5)
        .map((c) => c.p.text);
      expect(texts(index, prefix, 5)).toEqual(expected);
    }
  });
});
