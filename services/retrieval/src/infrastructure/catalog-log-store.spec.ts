import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { ProductSchema } from '@shopsense/contracts';
import { CatalogLogStore } from './catalog-log-store';

const record = (id: string, title: string) => ({ product: create(ProductSchema, { id, title, price: 1, attributes: { colour: 'red' } }), contentHash: `h-${title}`, embeddingHash: `e-${title}` });

describe('CatalogLogStore', () => {
  it('replays puts and deletes after a restart, skipping a torn last line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
    const store = new CatalogLogStore(dir);
    await store.open();
    await store.put([record('a', 'one'), record('b', 'two')]);
    await store.put([record('a', 'uno')]);
    expect(await store.delete(['b', 'missing'])).toEqual(['b']);
    appendFileSync(join(dir, 'catalog.log.jsonl'), '{"op":"put","p":{"id":"torn"');

    const reopened = new CatalogLogStore(dir);
    await reopened.open();
    expect(reopened.size).toBe(1);
    expect(reopened.get('a')?.product.title).toBe('uno');
    expect(reopened.get('a')?.product.attributes).toEqual({ colour: 'red' });
    expect(reopened.get('a')?.contentHash).toBe('h-uno');
  });

  it('compacts a long log to its live records', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
    const store = new CatalogLogStore(dir);
    await store.open();
    for (let round = 0; round < 5; round++) await store.put(Array.from({ length: 300 }, (_, i) => record(`p${i}`, `t${round}`)));
    const reopened = new CatalogLogStore(dir);
    await reopened.open();
    expect(reopened.size).toBe(300);
    expect(reopened.get('p7')?.product.title).toBe('t4');
  });
});
