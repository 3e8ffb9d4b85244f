import { normalizeQuery } from '../text/normalize-query';
import { TextAnalyzer } from '../text/text-analyzer';
import { correctSpelling, SpellingVocabulary } from './spelling-corrector';

const analyzer = new TextAnalyzer({ cut: (han) => [han], addWords: () => undefined });

function vocabulary(words: Record<string, number>, protectedWords: string[] = []): SpellingVocabulary {
  const v = new SpellingVocabulary();
  for (const [word, frequency] of Object.entries(words)) v.addWord(word, analyzer.keyOf(word), frequency);
  for (const word of protectedWords) v.protect(word, analyzer.keyOf(word));
  return v;
}

const catalog = vocabulary({ nike: 40, running: 30, shoes: 50, headphones: 20, hiking: 0, biking: 9, boots: 10, wireless: 12, sneakers: 15, speakers: 14, jeans: 20, beans: 18 }, ['under', 'cheap']);

function correct(query: string, v = catalog) {
  const tokens = analyzer.tokenize(normalizeQuery(query));
  return correctSpelling(tokens, v).map((c) => `${c.from}→${c.to}${c.confident ? '' : '?'}`);
}

describe('correctSpelling', () => {
  it('applies confident single-edit corrections (typos, transpositions, dropped letters)', () => {
    expect(correct('nkie runing shoes')).toEqual(['nkie→nike', 'runing→running']);
    expect(correct('headphnes')).toEqual(['headphnes→headphones']);
  });

  it('never corrects a known word, a stem of one, a protected word, Chinese, numbers or model codes', () => {
    expect(correct('nike shoe running')).toEqual([]);
    expect(correct('cheap under')).toEqual([]);
    expect(correct('耐克 42 m3 iphone15 3d')).toEqual([]);
  });

  it('leaves words under four letters alone: "air" has too many neighbours', () => {
    expect(correct('air max')).toEqual([]);
  });

  it('only suggests when another candidate is nearly as likely', () => {
    // "seans": jeans (20) and beans (18) are both one edit away.
    expect(correct('seans')).toEqual(['seans→jeans?']);
  });

  it('only suggests when the first letter changes ("hikking" is not "biking")', () => {
    const v = vocabulary({ biking: 9 });
    expect(correct('hiking', v)).toEqual(['hiking→biking?']);
  });

  it('corrects two edits only on long words with a single candidate', () => {
    expect(correct('sneekerz')).toEqual(['sneekerz→sneakers']);
    expect(correct('bootz')).toEqual(['bootz→boots']);
    expect(correct('wirelss')).toEqual(['wirelss→wireless']);
  });

  it('splits a run-together pair of catalog words', () => {
    expect(correct('runningshoes')).toEqual(['runningshoes→running shoes']);
  });

  it('says nothing when there is no candidate', () => {
    expect(correct('zzzzzz')).toEqual([]);
  });
});
