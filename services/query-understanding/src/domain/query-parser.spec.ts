import { fixtureCatalog, parserFor } from '../../test/catalog.factory';
import type { ParsedQueryResult } from './query-parser';

const parser = parserFor(fixtureCatalog());
const parse = (query: string, hint = '') => parser.parse(query, hint);
const summary = (r: ParsedQueryResult) => ({ filters: r.filters, boosts: r.boosts, residual: r.residualText });

describe('QueryParser', () => {
  describe('filters in English and Chinese, removed from the residual text', () => {
    it.each<[string, Partial<ParsedQueryResult['filters']>, string]>([
      ['nike running shoes under $50', { brands: ['Nike'], price: { max: 50 } }, 'running shoes'],
      ['耐克 跑鞋 100元以下', { brands: ['Nike'], price: { max: 100 } }, '跑鞋'],
      ['耐克 air max 跑鞋', { brands: ['Nike'] }, 'air max 跑鞋'],
      ['red running shoes for women size 42', { attributes: { color: 'red', gender: 'women', size: '42' } }, 'running shoes'],
      ['红色 女款 跑鞋 42码', { attributes: { color: 'red', gender: 'women', size: '42' } }, '跑鞋'],
      ['男鞋 42码', { attributes: { gender: 'men', size: '42' } }, '鞋'],
      ['sony headphones in stock', { brands: ['Sony'], inStock: true }, 'headphones'],
      ['200到300元的索尼耳机', { brands: ['Sony'], price: { min: 200, max: 300 } }, '耳机'],
    ])('%s', (query, filters, residual) => {
      const result = parse(query);
      expect(result.filters).toEqual({ brands: [], attributes: {}, ...filters });
      expect(result.residualText).toBe(residual);
    });
  });

  it('turns "cheap" into a boost, not a price filter, and drops it from the text', () => {
    expect(summary(parse('便宜的蓝牙耳机'))).toEqual({ filters: { brands: [], attributes: { connectivity: 'bluetooth' } }, boosts: [{ field: 'price', value: 'low', weight: 0.5 }], residual: '耳机' });
    expect(parse('cheapest running shoes').boosts).toEqual([{ field: 'price', value: 'low', weight: 0.8 }]);
  });

  it('turns "best rated" and "newest" into rating and newness boosts, and drops them from the text; a bare "new" is a word', () => {
    expect(summary(parse('best rated running shoes'))).toMatchObject({ boosts: [{ field: 'rating', value: 'high', weight: 0.8 }], residual: 'running shoes' });
    expect(summary(parse('新款跑鞋'))).toMatchObject({ boosts: [{ field: 'newness', value: 'high', weight: 0.5 }], residual: '跑鞋' });
    expect(parse('newest headphones').boosts).toEqual([{ field: 'newness', value: 'high', weight: 0.8 }]);
    expect(summary(parse('new york mug'))).toMatchObject({ boosts: [], residual: 'new york mug' });
  });

  it('needs a cue for a bare size: "42" alone is not a size', () => {
    expect(parse('running shoes 42').filters.attributes).toEqual({});
    expect(parse('尺码42 跑鞋').filters.attributes).toEqual({ size: '42' });
    expect(parse('跑鞋 m码').filters.attributes).toEqual({ size: 'M' });
  });

  it('splits a filter word glued to a product word ("蓝牙耳机")', () => {
    expect(summary(parse('白色蓝牙耳机'))).toEqual({ filters: { brands: [], attributes: { color: 'white', connectivity: 'bluetooth' } }, boosts: [], residual: '耳机' });
  });

  it('boosts instead of filtering when a filter would be a guess', () => {
    // "apple" is also the fruit in this catalog: boost the brand when the query names
    // something Apple sells, keep the word to search; alone, or with the fruit, it is the fruit.
    expect(summary(parse('apple headphones'))).toEqual({ filters: { brands: [], attributes: {} }, boosts: [{ field: 'brand', value: 'Apple', weight: 0.5 }], residual: 'apple headphones' });
    expect(summary(parse('fresh apples'))).toEqual({ filters: { brands: [], attributes: {} }, boosts: [], residual: 'fresh apples' });
    expect(parse('apple').boosts).toEqual([]);
    // Two colours: either would do.
    expect(summary(parse('black and white sneakers')).boosts).toEqual([
      { field: 'attributes.color', value: 'black', weight: 0.5 },
      { field: 'attributes.color', value: 'white', weight: 0.5 },
    ]);
  });

  it('neither filters nor boosts on what the category the query names does not have', () => {
    // Only the mice are "wireless": as a filter on headphones it could only return nothing.
    expect(summary(parse('wireless headphones'))).toEqual({ filters: { brands: [], attributes: {} }, boosts: [], residual: 'wireless headphones' });
    expect(parse('wireless mouse').filters.attributes).toEqual({ connectivity: 'wireless' });
    // Sony makes no shoes here; boosting Sony would pull headphones into a shoe search.
    expect(summary(parse('sony running shoes'))).toEqual({ filters: { brands: [], attributes: {} }, boosts: [], residual: 'sony running shoes' });
    // Without a category word there is nothing to check against.
    expect(parse('sony').filters.brands).toEqual(['Sony']);
  });

  it('corrects spelling against the catalog, and parses the corrected query when confident', () => {
    const result = parse('nkie runing shoes');
    expect(result.correction).toEqual({ mode: 'applied', correctedQuery: 'nike running shoes' });
    expect(result.tokens).toEqual(['nike', 'running', 'shoes']);
    expect(result.filters.brands).toEqual(['Nike']);
    expect(result.normalized).toBe('nkie runing shoes');
  });

  it('only suggests an unsure correction and parses what was typed', () => {
    // A changed first letter is not a confident correction: "jike" may be a word we do not know.
    const result = parse('jike running shoes');
    expect(result.correction).toEqual({ mode: 'suggested', correctedQuery: 'nike running shoes' });
    expect(result.tokens).toEqual(['jike', 'running', 'shoes']);
    expect(result.filters.brands).toEqual([]);
  });

  it('never corrects brands, attribute values or Chinese', () => {
    for (const query of ['adidas', 'voltra pink', '耐克跑鞋', 'greenhill farm milk']) expect(parse(query).correction.mode).toBe('none');
  });

  it('expands synonyms of what is left to search, not of extracted words', () => {
    expect(parse('耐克 跑鞋').synonyms).toEqual([{ term: '跑鞋', synonyms: ['running shoes', '跑步鞋'] }]);
    expect(parse('headphones').synonyms[0]).toEqual({ term: 'headphones', synonyms: expect.arrayContaining(['耳机', 'earphones']) });
  });

  it('detects the language, using the hint only when the text cannot tell', () => {
    expect(parse('耐克 跑鞋').language).toBe('zh');
    expect(parse('nike shoes').language).toBe('en');
    expect(parse('耐克 air max 跑鞋').language).toBe('mixed');
    expect(parse('42', 'zh-CN').language).toBe('zh');
  });

  it('reads a word inside a category name as part of the name, not as a filter', () => {
    const withTea = parserFor([...fixtureCatalog(), ...Array.from({ length: 3 }, (_, i) => ({ id: `tea-${i}`, title: 'Green Tea', brand: '', categoryPath: ['Groceries', 'Green Tea'], attributes: {}, updatedAtMs: 0 }))]);
    expect(withTea.parse('organic green tea').filters.attributes).toEqual({});
    expect(withTea.parse('green sneakers').filters.attributes).toEqual({});
    expect(withTea.parse('white sneakers').filters.attributes).toEqual({ color: 'white' });
  });

  it('returns an empty parse for an empty or punctuation-only query', () => {
    for (const query of ['', '   ', '？！…', '👟']) {
      const result = parse(query);
      expect(result).toMatchObject({ normalized: '', tokens: [], residualText: '', correction: { mode: 'none', correctedQuery: '' }, language: 'unknown' });
    }
  });

  it('leaves a query without anything to extract as it is', () => {
    expect(summary(parse('trail gear for the weekend'))).toEqual({ filters: { brands: [], attributes: {} }, boosts: [], residual: 'trail gear for the weekend' });
  });
});
