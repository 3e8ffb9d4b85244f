import { parseChineseNumeral } from './chinese-numerals';

describe('parseChineseNumeral', () => {
  it.each([
    ['五', 5],
    ['十', 10],
    ['十五', 15],
    ['二十', 20],
    ['五十', 50],
    ['一百', 100],
    ['两百', 200],
    ['两百五', 250],
    ['一百零五', 105],
    ['一千二', 1200],
    ['三千五百', 3500],
    ['一万', 10000],
    ['一万五', 15000],
    ['两万零五百', 20500],
    ['零', 0],
  ])('%s = %d', (text, value) => {
    expect(parseChineseNumeral(text)).toBe(value);
  });

  it.each(['', '百', '一二三', '十百', '五x', '万万'])('%j is not a numeral', (text) => {
    expect(parseChineseNumeral(text)).toBeUndefined();
  });
});
