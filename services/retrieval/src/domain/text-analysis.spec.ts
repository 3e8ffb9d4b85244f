import { analyze } from './text-analysis';

describe('analyze', () => {
  it('stems English words and drops stop words', () => {
    expect(analyze('Running Shoes for the Trail')).toEqual(['run', 'shoe', 'trail']);
  });

  it('segments Chinese with jieba', () => {
    const tokens = analyze('男士跑步鞋');
    expect(tokens).toContain('跑步');
    expect(tokens).toContain('鞋');
  });

  it('handles mixed queries and full-width characters', () => {
    const tokens = analyze('耐克 ＡＩＲ max 跑鞋');
    expect(tokens).toEqual(expect.arrayContaining(['耐克', 'air', 'max']));
    expect(tokens.some((t) => t.includes('鞋'))).toBe(true);
  });

  it('keeps numbers and model codes', () => {
    expect(analyze('USB-C cable 2m')).toEqual(['usb', 'c', 'cabl', '2m']);
  });
});
