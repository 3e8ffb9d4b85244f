import { Bm25Index, type LexicalDocument } from './bm25-index';

const doc = (id: string, title: string, extra: Partial<LexicalDocument> = {}): LexicalDocument => ({ id, title, brand: '', category: '', description: '', ...extra });

describe('Bm25Index', () => {
  const index = new Bm25Index();
  index.upsert(doc('shoe', 'Trail running shoes', { brand: 'Nike', category: 'Shoes' }));
  index.upsert(doc('sock', 'Running socks 3-pack', { category: 'Socks' }));
  index.upsert(doc('mug', 'Ceramic coffee mug', { description: 'Great for running late mornings' }));
  index.upsert(doc('zh', '男士跑步鞋 透气', { brand: '耐克' }));

  it('ranks a title match above a description match', () => {
    const ids = index.search('running', 10).map((r) => r.id);
    expect(ids.indexOf('shoe')).toBeLessThan(ids.indexOf('mug'));
    expect(ids.indexOf('sock')).toBeLessThan(ids.indexOf('mug'));
  });

  it('prefers documents matching more query terms', () => {
    expect(index.search('nike running shoes', 1)[0]!.id).toBe('shoe');
  });

  it('finds Chinese text', () => {
    expect(index.search('跑步鞋', 1)[0]!.id).toBe('zh');
  });

  it('applies an acceptance filter', () => {
    expect(index.search('running', 10, (id) => id !== 'shoe').map((r) => r.id)).not.toContain('shoe');
  });

  it('forgets deleted documents and replaces upserted ones', () => {
    const local = new Bm25Index();
    local.upsert(doc('a', 'red apple'));
    local.upsert(doc('a', 'green pear'));
    expect(local.search('apple', 5)).toEqual([]);
    expect(local.search('pear', 5).map((r) => r.id)).toEqual(['a']);
    expect(local.delete('a')).toBe(true);
    expect(local.search('pear', 5)).toEqual([]);
    expect(local.size).toBe(0);
  });
});
