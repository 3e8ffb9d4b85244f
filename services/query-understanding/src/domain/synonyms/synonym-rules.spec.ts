import { DEFAULT_SYNONYMS } from './default-synonyms';
import { expansionsOf, parseSynonyms } from './synonym-rules';

describe('parseSynonyms', () => {
  it('reads equivalences and one-way rules, normalising phrases', () => {
    const { rules, problems } = parseSynonyms(`
      # comment
      Headphones, earphones , 耳机   # trailing comment
      tee, ＴＳＨＩＲＴ => t-shirt
    `);
    expect(problems).toEqual([]);
    expect(rules).toEqual([
      { kind: 'equivalent', phrases: ['headphones', 'earphones', '耳机'] },
      { kind: 'one-way', from: ['tee', 'tshirt'], to: ['t-shirt'] },
    ]);
  });

  it('reports bad lines by number and keeps the good ones', () => {
    const { rules, problems } = parseSynonyms('a, b\nlonely\n=> x\na => b => c');
    expect(rules).toHaveLength(1);
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4]);
  });

  it('parses the built-in list without a problem', () => {
    const { rules, problems } = parseSynonyms(DEFAULT_SYNONYMS);
    expect(problems).toEqual([]);
    expect(rules.length).toBeGreaterThan(40);
  });
});

describe('expansionsOf', () => {
  it('expands equivalences both ways and one-way rules one way, never to the phrase itself', () => {
    const expansions = expansionsOf(parseSynonyms('sneakers, trainers, 运动鞋\ntee => t-shirt').rules);
    expect([...expansions.get('trainers')!].sort()).toEqual(['sneakers', '运动鞋']);
    expect([...expansions.get('tee')!]).toEqual(['t-shirt']);
    expect(expansions.has('t-shirt')).toBe(false);
  });
});
