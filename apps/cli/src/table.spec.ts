import { table } from './table';

describe('table', () => {
  it('pads columns to the widest cell, counting Chinese characters as two columns', () => {
    const text = table(['id', 'title'], [['a', '跑鞋'], ['bb', 'mug']]);
    expect(text.split('\n')).toEqual(['id  title', '--  -----', 'a   跑鞋', 'bb  mug']);
  });

  it('cuts cells longer than the limit', () => {
    expect(table(['t'], [['abcdefgh']], 4).split('\n')[2]).toBe('abc…');
  });
});
