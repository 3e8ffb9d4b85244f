import { aProduct, analyzer } from '../../../test/catalog.factory';
import { normalizeQuery } from '../text/normalize-query';
import { PhraseCounter, type SuggestionPhrase } from './suggestion-phrases';
import type { CatalogProduct } from '../catalog/catalog-snapshot';

const tokenize = (text: string) => {
  const normalized = normalizeQuery(text);
  return { normalized, tokens: analyzer().tokenize(normalized) };
};
function phrasesOf(products: CatalogProduct[]): Map<string, SuggestionPhrase> {
  const counter = new PhraseCounter({ tokenize, maxWords: 3, minTitleProducts: 2 });
  for (const product of products) counter.add(product);
  return new Map(counter.phrases().map((p) => [p.text, p]));
}

describe('PhraseCounter', () => {
  it('suggests every brand and category name, with the products that hold it', () => {
    const phrases = phrasesOf([
      aProduct({ title: 'Alpha', brand: 'Li Ning', categoryPath: ['Shoes', 'Running Shoes'] }),
      aProduct({ title: 'Beta', brand: 'Li Ning', categoryPath: ['Shoes', 'Sneakers'] }),
    ]);
    expect(phrases.get('li ning')).toMatchObject({ products: 2, sources: ['brand'] });
    expect(phrases.get('shoes')).toMatchObject({ products: 2, sources: ['category'] });
    expect(phrases.get('running shoes')).toMatchObject({ products: 1, sources: ['category'] });
    // One product's own title words are not a query yet.
    expect(phrases.has('alpha')).toBe(false);
  });

  it('suggests title phrases that several products share, grouped by stem and written as the catalog mostly writes them', () => {
    const phrases = phrasesOf([
      aProduct({ title: 'Trail Running Shoes' }),
      aProduct({ title: 'Road Running Shoes' }),
      aProduct({ title: 'Kids Running Shoe' }),
    ]);
    expect(phrases.get('running shoes')).toMatchObject({ products: 3, sources: ['title'] });
    expect(phrases.has('running shoe')).toBe(false);
    expect(phrases.has('trail running shoes')).toBe(false); // one product
  });

  it('never starts or ends a phrase on a stopword, never suggests bare numbers, and never spans a break in the title', () => {
    const products = [aProduct({ title: 'Shoes for Men, Black 42' }), aProduct({ title: 'Shoes for Men, Black 42' })];
    const texts = [...phrasesOf(products).keys()];
    expect(texts).toEqual(expect.arrayContaining(['shoes for men', 'shoes', 'men', 'black', 'black 42']));
    expect(texts).not.toEqual(expect.arrayContaining(['shoes for']));
    expect(texts.filter((t) => /^(for|42)$|^for |men black/.test(t))).toEqual([]);
  });

  it('keeps Chinese phrases within a run of characters: a space in a title separates its parts', () => {
    const phrases = phrasesOf([aProduct({ title: '女款跑鞋 黑色' }), aProduct({ title: '男款跑鞋 黑色' })]);
    expect(phrases.get('跑鞋')).toMatchObject({ products: 2 });
    expect(phrases.has('黑色')).toBe(true);
    expect([...phrases.keys()].filter((t) => t.includes('跑鞋黑色'))).toEqual([]);
  });

  it('leaves out phrases that end on a word that nearly always goes on ("wireless")', () => {
    const phrases = phrasesOf(Array.from({ length: 5 }, () => aProduct({ title: 'Stainless Steel Wireless Earbuds' })));
    expect(phrases.has('stainless steel wireless')).toBe(false);
    expect(phrases.has('steel wireless')).toBe(false);
    expect(phrases.has('wireless earbuds')).toBe(true);
  });

  it('scores a phrase that nearly always continues the same way below its continuation, and otherwise by its own products', () => {
    const always = phrasesOf([...Array.from({ length: 4 }, () => aProduct({ title: 'Stainless Steel Mug' })), aProduct({ title: 'Mug, Stainless Steel' }), aProduct({ title: 'Mug, Stainless Steel' })]);
    expect(always.get('stainless')!.products).toBe(6);
    expect(always.get('stainless steel')!.score).toBeGreaterThan(always.get('stainless')!.score);
    const sometimes = phrasesOf([...Array.from({ length: 3 }, () => aProduct({ title: 'Mug, Stainless Steel' })), ...Array.from({ length: 3 }, () => aProduct({ title: 'Bottle, Stainless' }))]);
    expect(sometimes.get('stainless')!.score).toBeGreaterThan(sometimes.get('stainless steel')!.score);
  });
});
