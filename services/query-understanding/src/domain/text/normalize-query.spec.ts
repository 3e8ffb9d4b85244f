import fc from 'fast-check';
import { normalizeQuery } from './normalize-query';

describe('normalizeQuery', () => {
  it.each([
    ['full-width letters, digits and signs fold to half-width', 'ＮＩＫＥ　跑鞋　１００元', 'nike 跑鞋 100元'],
    ['case and whitespace', '  Running\tSHOES \n', 'running shoes'],
    ['CJK punctuation becomes a space', '耐克，跑鞋。【正品】', '耐克 跑鞋 正品'],
    ['prices keep their signs and separators', 'Under $1,299.99!', 'under $1,299.99'],
    ['a full-width dollar sign and yen sign', '＄５０ ￥２００', '$50 ¥200'],
    ['dashes of every kind become "-"', '50–100 dollars', '50-100 dollars'],
    ['an apostrophe inside a word stays, curly or not', 'Men’s Shoes', "men's shoes"],
    ['quotes and stray apostrophes go', '"kids\' shoes"', 'kids shoes'],
    ['unit symbols and ligatures', '500㎖ ﬁlter', '500ml filter'],
    ['emoji and symbols go', 'shoes 👟✨ ★', 'shoes'],
    ['a dot or comma not between digits goes', 'shoes, socks. 3.5mm', 'shoes socks 3.5mm'],
    ['unpaired surrogates are dropped', 'a\uD800b', 'a b'],
  ])('%s', (_name, input, expected) => {
    expect(normalizeQuery(input)).toBe(expected);
  });

  it('never throws, and is idempotent, on any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const once = normalizeQuery(text);
        expect(normalizeQuery(once)).toBe(once);
        expect(once).toBe(once.trim());
        expect(once).not.toMatch(/\s{2}/);
      }),
      { numRuns: 2000 },
    );
  });
});
