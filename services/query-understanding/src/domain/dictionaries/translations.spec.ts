import { renderingsOf, isTranslatableWord, translationRules } from './translations';

describe('renderingsOf', () => {
  it('keeps short plain senses, without parentheses or the "to" of verbs, in lower case', () => {
    expect(renderingsOf('beaker (glassware)')).toEqual(['beaker']);
    expect(renderingsOf(['thermometer', 'thermograph'])).toEqual(['thermometer', 'thermograph']);
    expect(renderingsOf('to 3D print; 3D printing')).toEqual(['3d print', '3d printing']);
    expect(renderingsOf('(computing) mouse')).toEqual(['mouse']);
    expect(renderingsOf('Running Shoes/sneakers')).toEqual(['running shoes', 'sneakers']);
  });

  it('drops names, cross references, classifiers and long descriptions', () => {
    expect(renderingsOf('surname Zhang')).toEqual([]);
    expect(renderingsOf('variant of 燒杯|烧杯[shao1 bei1]')).toEqual([]);
    expect(renderingsOf('CL:個|个[ge4]')).toEqual([]);
    expect(renderingsOf('the emergency number for law enforcement in Mainland China')).toEqual([]);
  });
});

describe('translationRules', () => {
  const keysOf = (phrase: string) => phrase.split(' ').map((w) => w.replace(/s$/, ''));
  const catalogWords = new Set(['beaker', 'glove', 'nitrile', 'thermometer']);

  it('translates a Chinese word into the renderings whose every word the catalog uses', () => {
    const rules = translationRules(
      [
        { zh: '烧杯', english: ['beaker'] },
        { zh: '手套', english: ['glove', 'mitten'] },
        { zh: '丁腈手套', english: ['nitrile glove'] },
        { zh: '耗材', english: ['consumables'] },
      ],
      keysOf,
      catalogWords,
      new Set(),
    );
    expect(rules).toEqual([
      { kind: 'one-way', from: ['烧杯'], to: ['beaker'] },
      { kind: 'one-way', from: ['手套'], to: ['glove'] },
      { kind: 'one-way', from: ['丁腈手套'], to: ['nitrile glove'] },
    ]);
  });

  it('leaves a word the catalog already explains (a synonym rule or a mined alias) to that', () => {
    expect(translationRules([{ zh: '温度计', english: ['thermometer'] }], keysOf, catalogWords, new Set(['温度计']))).toEqual([]);
  });

  it('translates words of two to eight Han characters only', () => {
    expect(['烧杯', '丁腈手套'].every(isTranslatableWord)).toBe(true);
    expect(['杯', '3D打印', 'beaker', ''].some(isTranslatableWord)).toBe(false);
  });
});
