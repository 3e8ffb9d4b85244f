import { normalizeQuery } from '../text/normalize-query';
import { TextAnalyzer } from '../text/text-analyzer';
import { joinKept, keptTokens } from './residual-text';

const analyzer = new TextAnalyzer({ cut: (han) => (han === '的耳机' ? ['的', '耳机'] : [han]), addWords: () => undefined });

/** The residual after removing the tokens at the given indexes. */
function residual(query: string, removedIndexes: number[]): string {
  const text = normalizeQuery(query);
  const tokens = analyzer.tokenize(text);
  return joinKept(text, tokens, keptTokens(tokens, tokens.map((_, i) => removedIndexes.includes(i))));
}

describe('residual text', () => {
  it('drops function words left dangling next to a removed phrase, repeatedly', () => {
    expect(residual('shoes for men', [2])).toBe('shoes');
    expect(residual('shoes for the men', [3])).toBe('shoes');
    expect(residual('100元以下 的耳机', [0, 1])).toBe('耳机'); // tokens: 100 | 元以下 | 的 | 耳机
  });

  it('keeps function words that are not next to anything removed', () => {
    expect(residual('case for phone', [])).toBe('case for phone');
    expect(residual('red case for phone', [0])).toBe('case for phone');
  });

  it('keeps the original separators between neighbours and a space across a gap', () => {
    expect(residual('black & decker drill', [])).toBe('black & decker drill');
    expect(residual('nike air max', [0])).toBe('air max');
    expect(residual('air nike max', [1])).toBe('air max');
  });
});
