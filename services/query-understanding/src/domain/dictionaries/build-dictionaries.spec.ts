import { aProduct, analyzer, dictionariesFor, fixtureCatalog } from '../../../test/catalog.factory';
import { filterScopeKey } from './query-dictionaries';

const meaningsOf = (phrase: string, products = fixtureCatalog()) => dictionariesFor(products).phrases.get(analyzer().phraseKeys(phrase));

describe('DictionaryBuilder', () => {
  it("learns brands from the catalog, and their Chinese names from the catalog's titles", () => {
    expect(meaningsOf('nike')).toEqual([{ kind: 'brand', brands: ['Nike'], specific: true }]);
    expect(meaningsOf('耐克')).toEqual([{ kind: 'brand', brands: ['Nike'], specific: true }]);
    expect(meaningsOf('青山农场')).toEqual([{ kind: 'brand', brands: ['Greenhill Farm'], specific: true }]);
  });

  it('makes a brand that is also an ordinary word ("apple" next to apples) a boost, not a filter', () => {
    expect(meaningsOf('apple')).toEqual([{ kind: 'brand', brands: ['Apple'], specific: false }]);
  });

  it('learns attribute values with their aliases, only for values the catalog has', () => {
    expect(meaningsOf('red')).toEqual([{ kind: 'attribute', key: 'color', value: 'red', needsCue: false }]);
    expect(meaningsOf('红色')).toEqual([{ kind: 'attribute', key: 'color', value: 'red', needsCue: false }]);
    expect(meaningsOf('女款')).toEqual([{ kind: 'attribute', key: 'gender', value: 'women', needsCue: false }]);
    expect(meaningsOf('42')).toEqual([{ kind: 'attribute', key: 'size', value: '42', needsCue: true }]);
    expect(meaningsOf('purple')).toEqual([]); // no purple product
  });

  it('uses the catalog spelling of a value and the most common spelling of a brand', () => {
    const products = [aProduct({ brand: 'Voltra', attributes: { storage: '256GB' } }), aProduct({ brand: 'VOLTRA' }), aProduct({ brand: 'Voltra' })];
    expect(meaningsOf('256 gb', products)).toEqual([{ kind: 'attribute', key: 'storage', value: '256GB', needsCue: false }]);
    expect(meaningsOf('voltra', products)).toEqual([{ kind: 'brand', brands: ['Voltra'], specific: true }]);
  });

  it('knows a brand without the words companies add to it ("VELCRO Brand" is "velcro")', () => {
    const products = [aProduct({ brand: 'VELCRO Brand' }), aProduct({ brand: 'The Hillman Group' }), aProduct({ brand: 'Hillman' }), aProduct({ brand: 'Big Co' })];
    expect(meaningsOf('velcro', products)).toEqual([{ kind: 'brand', brands: ['VELCRO Brand'], specific: true }]);
    expect(meaningsOf('hillman', products)).toEqual([{ kind: 'brand', brands: ['Hillman', 'The Hillman Group'], specific: true }]);
    expect(meaningsOf('big', products)).toEqual([{ kind: 'brand', brands: ['Big Co'], specific: true }]);
  });

  it('never makes a brand of "Generic", a number or a single letter', () => {
    const products = [aProduct({ brand: 'Generic' }), aProduct({ brand: '100' }), aProduct({ brand: 'X' })];
    const dictionaries = dictionariesFor(products);
    expect(dictionaries.stats.brands).toBe(0);
    expect(dictionaries.phrases.get(['generic'])).toEqual([]);
  });

  it('ignores free-text attributes (too many values) and bare numbers outside sizes', () => {
    const products = Array.from({ length: 250 }, (_, i) => aProduct({ attributes: { model: `model ${i}`, pack: String(i % 3) } }));
    const dictionaries = dictionariesFor(products);
    expect(dictionaries.stats.attributeKeys).toBe(1); // pack; model has 250 values
    expect(dictionaries.phrases.get(['1'])).toEqual([]); // "pack: 1" is a bare number without size cues
  });

  it('knows which categories can satisfy each filter, and the words that name categories', () => {
    const dictionaries = dictionariesFor(fixtureCatalog());
    expect([...dictionaries.filterScopes.get(filterScopeKey({ kind: 'attribute', key: 'connectivity', value: 'wireless' }))!]).toEqual(['Electronics/Computers/Mice']);
    expect([...dictionaries.filterScopes.get(filterScopeKey({ kind: 'brand', brand: 'Sony' }))!]).toEqual(['Electronics/Audio/Headphones']);
    const named = (phrase: string) => [...new Set(dictionaries.categoryWords.get(analyzer().phraseKeys(phrase)))].sort();
    expect(named('headphones')).toEqual(['Electronics/Audio/Headphones']);
    expect(named('耳机')).toEqual(['Electronics/Audio/Headphones']); // a built-in synonym of the segment's name
    expect(named('shoes')).toEqual(['Shoes/Running Shoes', 'Shoes/Sneakers']);
  });

  it('puts catalog words in the spelling vocabulary and protects function words', () => {
    const { spelling } = dictionariesFor(fixtureCatalog());
    expect(spelling.index.frequency('running')).toBeGreaterThan(0);
    expect(spelling.isKnown({ text: 'under', key: 'under' })).toBe(true);
    expect(spelling.isKnown({ text: 'runing', key: 'rune' })).toBe(false);
  });

  it('mines aliases only from the titles, and says which', () => {
    const { minedAliases } = dictionariesFor(fixtureCatalog());
    expect(minedAliases).toEqual(expect.arrayContaining(['brand:nike ⇄ 耐克', 'brand:sony ⇄ 索尼', 'attribute:color=black ⇄ 黑色']));
    expect(minedAliases.some((a) => a.endsWith('⇄ 苹果'))).toBe(false);
  });
});

