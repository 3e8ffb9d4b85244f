import { normalizeQuery } from '../text/normalize-query';
import { extractPrice, parseAmount } from './price-extractor';

function price(query: string) {
  const text = normalizeQuery(query);
  const { price, spans } = extractPrice(text);
  return { price, said: spans.map((s) => text.slice(s.start, s.end)) };
}

describe('extractPrice', () => {
  it.each([
    // English
    ['running shoes under $50', { max: 50 }, ['under $50']],
    ['headphones below 100', { max: 100 }, ['below 100']],
    ['dress less than 40 dollars', { max: 40 }, ['less than 40 dollars']],
    ['laptop up to 2k', { max: 2000 }, ['up to 2k']],
    ['$30 or less', { max: 30 }, ['$30 or less']],
    ['jackets over $100', { min: 100 }, ['over $100']],
    ['$50+ jackets', { min: 50 }, ['$50+']],
    ['from $30', { min: 30 }, ['from $30']],
    ['50-100 dollars', { min: 50, max: 100 }, ['50-100 dollars']],
    ['$50 - $100 boots', { min: 50, max: 100 }, ['$50 - $100']],
    ['between 20 and 30', { min: 20, max: 30 }, ['between 20 and 30']],
    ['from $30 to $60', { min: 30, max: 60 }, ['from $30 to $60']],
    ['over $1,000 laptop', { min: 1000 }, ['over $1,000']],
    ['around $80 dress', { min: 64, max: 96 }, ['around $80']],
    ['ＵＮＤＥＲ　＄５０', { max: 50 }, ['under $50']],
    // Chinese
    ['100元以下的蓝牙耳机', { max: 100 }, ['100元以下']],
    ['200到300元的运动鞋', { min: 200, max: 300 }, ['200到300元']],
    ['200-300元', { min: 200, max: 300 }, ['200-300元']],
    ['两百块以内', { max: 200 }, ['两百块以内']],
    ['500以上', { min: 500 }, ['500以上']],
    ['1千元以上', { min: 1000 }, ['1千元以上']],
    ['3千到5千元的笔记本', { min: 3000, max: 5000 }, ['3千到5千元']],
    ['低于200元的耳机', { max: 200 }, ['低于200元']],
    ['预算300以内', { max: 300 }, ['预算300以内']],
    ['价格500左右', { min: 400, max: 600 }, ['价格500左右']],
    ['50美元以下', { max: 50 }, ['50美元以下']],
    // Combined
    ['over $20 under $50', { min: 20, max: 50 }, ['over $20', 'under $50']],
  ])('%s', (query, expected, said) => {
    expect(price(query)).toEqual({ price: expected, said });
  });

  it.each([
    ['a bare number is not a price', 'iphone 15'],
    ['a bare range is not a price (a size? a model?)', 'shoes 38-40'],
    ['an age', 'toys for kids under 5'],
    ['a weight', 'dumbbells under 5 kg'],
    ['a power', '100w以上 充电器'],
    ['a size', '42码以下'],
    ['a range of sizes after "size"', 'size between 38 and 40'],
    ['"cheap" is a preference, not a price', 'cheap shoes 便宜的手机'],
    ['contradictory constraints say nothing', 'under 20 over 50'],
    ['an absurd amount', 'under $99999999999'],
  ])('%s: %s', (_name, query) => {
    expect(price(query)).toEqual({ price: undefined, said: [] });
  });
});

describe('parseAmount', () => {
  it('reads the ways shoppers write amounts', () => {
    expect(parseAmount('1,299.5')).toBe(1299.5);
    expect(parseAmount('2k')).toBe(2000);
    expect(parseAmount('3千')).toBe(3000);
    expect(parseAmount('2万')).toBe(20000);
    expect(parseAmount('两百')).toBe(200);
    expect(parseAmount('1e999')).toBeUndefined();
    expect(parseAmount(undefined)).toBeUndefined();
  });
});
